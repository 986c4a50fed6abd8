/**
 * Variants: a benchmark's tasklet case run again under named environments (an inspection
 * feature turned on), interleaved with the plain runs of the same harness run, so that the
 * cost of each feature is a ratio of two medians taken under the same load: the table
 * "Cost of inspection" of bench/lib/table.ts.
 *
 * A benchmark names its variants in its spec (`variants` in bench/lib/benchmarks.ts or its
 * meta.ts): name → the environment variables that turn the feature on. The base case
 * (tasklet) runs with every variable of its benchmark's variants removed from the
 * environment, so "off" is off whatever the harness was started with; each variant run
 * removes them too, then sets its own.
 *
 * A feature that the build does not have must not show as a free 1.00×: before running a
 * variant, the harness looks whether the build (the `src` folder beside the cases' `bench`
 * folder: dist/src for dist/bench/cases) reads each of its variables, that is, whether some
 * .js file there names it in code (outside comments) as a string literal (`"TASKLET_DEBUG"`)
 * or a property (`process.env.TASKLET_DEBUG`). A variant whose variable no file reads is
 * absent: not run, shown as "—", with a note naming the variable.
 */

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { VariantEnv } from "./benchmarks.js";
import { baseOf, type Case, type Cell } from "./harness.js";

/** One benchmark × variant: the tasklet case's runs with the variant's environment. */
export interface VariantCell extends Cell {
  variant: string;
  env: VariantEnv;
  /** Set when the build lacks the feature: why (the variant was not run). */
  absent?: string;
}

/** The build the cases of `casesRoot` import: dist/src for dist/bench/cases. */
export function buildSrcOf(casesRoot: string): string {
  return join(casesRoot, "..", "..", "src");
}

const sources = new Map<string, string[]>();

/** The .js files of a build, comments removed (cached per folder). */
function codeOf(src: string): string[] {
  let code = sources.get(src);
  if (code !== undefined) return code;
  code = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".js")) code?.push(stripComments(readFileSync(p, "utf8")));
    }
  };
  if (existsSync(src)) walk(src);
  sources.set(src, code);
  return code;
}

/** Block comments and whole-line `//` comments out (a `//` after code is left: it may be in a string). */
export function stripComments(js: string): string {
  return js.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

/** Whether code names the variable as a string literal or a property (`"X"`, `'X'`, `` `X` ``, `.X`). */
export function readsVariable(code: string, name: string): boolean {
  return new RegExp(`(["'\`])${name}\\1|\\.${name}\\b`).test(code);
}

/** Why the build at `src` lacks a variant's feature, or null when it reads every variable of `env`. */
export function absentReason(src: string, env: VariantEnv): string | null {
  const code = codeOf(src);
  const unread = Object.keys(env).filter((k) => !code.some((c) => readsVariable(c, k)));
  if (unread.length === 0) return null;
  return `this build does not read ${unread.join(", ")} (no file under ${src} does): the feature is not in it, nothing was run`;
}

/** `A=1 B=2`. */
export function envText(env: VariantEnv): string {
  return Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}

/**
 * One benchmark's runs in the order of a repetition: its cases (`cells[i]` is `cases[i]`'s),
 * the base case (tasklet) with every variant's variable unset and followed by itself under
 * each variant the build at `src` has; and a cell per variant, `absent` where the build lacks it.
 */
export function withVariants(
  cases: Case[],
  cells: Cell[],
  variants: [string, VariantEnv][],
  src: string,
): { runs: [Case, Cell][]; vcells: VariantCell[] } {
  const runs = cases.map((c, i): [Case, Cell] => [c, cells[i] as Cell]);
  const base = baseOf(cases);
  if (base === undefined || variants.length === 0) return { runs, vcells: [] };
  const at = cases.indexOf(base);
  const cell = cells[at] as Cell;
  const unset = variablesOf(Object.fromEntries(variants));
  const present: [Case, Cell][] = [];
  const vcells = variants.map(([variant, env]): VariantCell => {
    const absent = absentReason(src, env);
    const vcell: VariantCell = { ...cell, runs: [], variant, env, ...(absent === null ? {} : { absent }) };
    if (absent === null) {
      present.push([
        { ...base, runtime: `${base.runtime} with ${variant}`, unset, env: { ...base.env, ...env } },
        vcell,
      ]);
    }
    return vcell;
  });
  runs.splice(at, 1, [{ ...base, unset }, cell], ...present);
  return { runs, vcells };
}

/** Every variable the variants set: the base case runs with none of them. */
export function variablesOf(variants: Record<string, VariantEnv>): string[] {
  return [...new Set(Object.values(variants).flatMap((env) => Object.keys(env)))];
}

/**
 * The variants to run: `--variants` (a comma list of names, `all`, or `none`) against the
 * names the benchmarks know. Throws naming the option, the value and the names it expects.
 */
export function chooseVariants(value: string | undefined, known: string[]): Set<string> | "all" {
  if (value === undefined || value === "all") return "all";
  if (value === "none") return new Set();
  const names = value.split(",").map((s) => s.trim());
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0 || names.some((n) => n === "")) {
    throw new RangeError(
      `--variants: got "${value}"; expected all, none, or a comma list of ${known.join(", ")}` +
        (unknown.some((n) => n !== "") ? ` (unknown: ${unknown.filter((n) => n !== "").join(", ")})` : ""),
    );
  }
  return new Set(names);
}

const key = (v: unknown): string => JSON.stringify(v);

/**
 * Checks a benchmark's variant cells against its base cell: every run of a variant gave the
 * same result, and the base's. Marks each wrong cell's `error` and returns the failure messages.
 */
export function checkVariants(base: Cell, cells: VariantCell[]): string[] {
  const failures: string[] = [];
  const expected = key(base.runs[0]?.result);
  for (const c of cells) {
    if (c.error !== undefined || c.runs.length === 0) continue;
    const first = key(c.runs[0]?.result);
    const other = c.runs.find((r) => key(r.result) !== first);
    if (other !== undefined) c.error = `result changed between runs: ${first} then ${key(other.result)}`;
    else if (base.error === undefined && base.runs.length > 0 && first !== expected)
      c.error = `WRONG RESULT at n=${c.n}: ${first}, but ${base.runtime} with it off gave ${expected}`;
    if (c.error !== undefined) failures.push(`${c.bench}/${c.runtime} with ${c.variant}: ${c.error}`);
  }
  return failures;
}

/** A variant's time over its base's (medians of the same run), or null when either has no time. */
export function costRatio(c: VariantCell, base: Cell | undefined): number | null {
  if (base === undefined || base.error !== undefined || base.runs.length === 0) return null;
  if (c.absent !== undefined || c.error !== undefined || c.runs.length === 0 || c.n !== base.n) return null;
  return c.medianMs / base.medianMs;
}
