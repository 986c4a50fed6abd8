/**
 * The harness's machinery: find the cases, build the Go programs, run one
 * case as its own process, and check that the runtimes agree.
 *
 * A case is `dist/bench/cases/<benchmark>/<runtime>.js` that imports
 * bench/lib/report.js (report.ts states the protocol); other files beside it
 * (helpers, a load generator), files named `_*` and `meta.js` are not cases.
 * A Go program `bench/go/<benchmark>.go` becomes the runtimes `go-1`
 * (GOMAXPROCS=1, the fair match for one JavaScript thread) and `go` (every
 * core) when `go` is on the PATH.
 */

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { cpus, loadavg, platform, release, tmpdir, totalmem } from "node:os";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { BASE, BENCHMARKS, type BenchSpec, RUNTIME_ORDER, SECOND } from "./benchmarks.js";

export interface Case {
  bench: string;
  runtime: string;
  /** The program and its arguments before the size. */
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  /** Variables removed from the inherited environment before `env` is applied (bench/lib/variants.ts). */
  unset?: string[];
}

export interface Run {
  ms: number;
  result: unknown;
  rssMB: number;
  /** Other numeric fields of the report line (latency percentiles, throughput). */
  extra?: Record<string, number>;
}

/** One benchmark × runtime: every repetition and what came of them. */
export interface Cell {
  bench: string;
  runtime: string;
  /** The size passed, or null when the case chose its default. */
  n: number | null;
  runs: Run[];
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Peak RSS over the repetitions. */
  rssMB: number;
  /** The median of each extra field over the repetitions. */
  extra?: Record<string, number>;
  /** Set when a run crashed, timed out, or its result disagrees. */
  error?: string;
}

/** Node's flags for every case: room for a million of the slowest peers' objects. */
const NODE_FLAGS = ["--max-old-space-size=8192"];

const REPORTS = /from\s*["'][^"']*\blib\/report\.js["']/;

/** Every case under `root` (dist/bench/cases), by benchmark, in table order. */
export function discoverCases(root: string): Map<string, Case[]> {
  const found = new Map<string, Case[]>();
  if (!existsSync(root)) return found;
  const known = Object.keys(BENCHMARKS);
  const rank = (b: string): number => (known.includes(b) ? known.indexOf(b) : known.length);
  const benches = readdirSync(root).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const bench of benches) {
    const dir = join(root, bench);
    if (!statSync(dir).isDirectory()) continue;
    const cases: Case[] = [];
    for (const file of readdirSync(dir)) {
      if (!file.endsWith(".js") || file.startsWith("_") || file === "meta.js") continue;
      // A case reports through bench/lib/report.js; anything else beside it is a helper.
      if (!REPORTS.test(readFileSync(join(dir, file), "utf8"))) continue;
      const runtime = basename(file, ".js");
      cases.push({ bench, runtime, cmd: process.execPath, args: [...NODE_FLAGS, join(dir, file)] });
    }
    if (cases.length > 0) found.set(bench, sortRuntimes(cases));
  }
  return found;
}

export function sortRuntimes<T extends { runtime: string }>(xs: T[]): T[] {
  const rank = (r: string): number => {
    const i = RUNTIME_ORDER.indexOf(r);
    if (i !== -1) return i;
    // other tasklet-* cases right after tasklet's; other new runtimes before Go's columns
    return r.startsWith(`${BASE}-`) ? 1.5 : RUNTIME_ORDER.indexOf("go-1") - 0.5;
  };
  return xs.sort((a, b) => rank(a.runtime) - rank(b.runtime) || a.runtime.localeCompare(b.runtime));
}

/** The spec of a benchmark: the table in benchmarks.ts, overridden field by field by the case directory's meta.js. */
export async function specOf(root: string, bench: string): Promise<Partial<BenchSpec>> {
  const known = BENCHMARKS[bench] ?? {};
  const meta = join(root, bench, "meta.js");
  if (!existsSync(meta)) return known;
  const mod = (await import(pathToFileURL(meta).href)) as { spec?: Partial<BenchSpec> };
  return { ...known, ...mod.spec };
}

/** `go version`, or null when Go is not on the PATH. */
export function goVersion(): string | null {
  try {
    return execFileSync("go", ["version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

/**
 * Builds bench/go/<bench>.go (with bench/go/report.go, the case protocol's
 * helpers they share) for the benchmarks asked for; returns their
 * cases (go-1, go), a message per program that did not build, and the
 * directory of the binaries (the caller removes it).
 */
export function buildGo(goDir: string, benches: string[]): { dir: string; cases: Case[]; failures: string[] } {
  const out = mkdtempSync(join(tmpdir(), "tasklet-bench-go-"));
  const cases: Case[] = [];
  const failures: string[] = [];
  for (const bench of benches) {
    const src = join(goDir, `${bench}.go`);
    if (!existsSync(src)) continue;
    const bin = join(out, bench);
    const r = spawnSync("go", ["build", "-o", bin, src, join(goDir, "report.go")], { encoding: "utf8" });
    if (r.status !== 0) {
      failures.push(`${bench}/go: go build ${src} failed: ${(r.stderr || String(r.error)).trim()}`);
      continue;
    }
    cases.push({ bench, runtime: "go-1", cmd: bin, args: [], env: { GOMAXPROCS: "1" } });
    cases.push({ bench, runtime: "go", cmd: bin, args: [] });
  }
  return { dir: out, cases, failures };
}

/** A case said it cannot run on this machine (report.ts's `skip`). */
export class SkippedCase extends Error {
  override name = "SkippedCase";
}

/** Runs a case once; throws with its stderr when it fails, a SkippedCase when it skipped. */
export function runOnce(c: Case, n: number | null, timeoutMs: number): Run {
  const args = n === null ? c.args : [...c.args, String(n)];
  const env = { ...process.env };
  for (const k of c.unset ?? []) delete env[k];
  const r = spawnSync(c.cmd, args, {
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
    env: { ...env, ...c.env },
  });
  const where = `${c.bench}/${c.runtime}${n === null ? "" : ` n=${n}`}`;
  if (r.error !== undefined || r.status !== 0) {
    const why =
      r.signal === "SIGTERM" && r.error !== undefined
        ? `timed out after ${timeoutMs / 1000} s`
        : `exit ${r.status ?? r.signal}: ${errorLines(r.stderr || String(r.error ?? ""))}`;
    throw new Error(`${where}: ${why}`);
  }
  const line = r.stdout.trim().split("\n").pop() ?? "";
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error(`${where}: the last line of stdout is not JSON: ${line.slice(0, 200)}`);
  }
  const skipped = (parsed as { skipped?: unknown }).skipped;
  if (typeof skipped === "string") throw new SkippedCase(`${where} skipped: ${skipped}`);
  const p = parsed as Partial<Run>;
  if (typeof p.ms !== "number" || typeof p.rssMB !== "number" || !("result" in p)) {
    throw new Error(`${where}: the report lacks ms, rssMB or result: ${line.slice(0, 200)}`);
  }
  const run: Run = { ms: p.ms, result: p.result, rssMB: p.rssMB };
  for (const [k, v] of Object.entries(p)) {
    if (k === "ms" || k === "result" || k === "rssMB" || typeof v !== "number") continue;
    run.extra ??= {};
    run.extra[k] = v;
  }
  return run;
}

/** The error's own lines of a crashed case's stderr (its message and first frames), else its end. */
function errorLines(stderr: string): string {
  const lines = stderr.trim().split("\n");
  const at = lines.findIndex((l) => /^([A-Za-z]*Error|Uncaught|\[)/.test(l));
  return (at === -1 ? lines.slice(-6) : lines.slice(at, at + 4)).join("\n");
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Fills the summary fields of a cell from its runs. */
export function summarize(cell: Cell): void {
  const ms = cell.runs.map((r) => r.ms);
  if (ms.length === 0) return;
  cell.medianMs = median(ms);
  cell.minMs = Math.min(...ms);
  cell.maxMs = Math.max(...ms);
  cell.rssMB = Math.max(...cell.runs.map((r) => r.rssMB));
  const keys = new Set(cell.runs.flatMap((r) => Object.keys(r.extra ?? {})));
  for (const k of keys) {
    cell.extra ??= {};
    cell.extra[k] = median(cell.runs.map((r) => r.extra?.[k]).filter((v): v is number => v !== undefined));
  }
}

/**
 * The runtime a benchmark's ratios and result checks are taken against:
 * tasklet, else the first other tasklet-* case (threads-cpu has tasklet-1).
 */
export function baseOf<T extends { runtime: string }>(cells: T[]): T | undefined {
  return cells.find((c) => c.runtime === BASE) ?? cells.find((c) => c.runtime.startsWith(`${BASE}-`));
}

const key = (v: unknown): string => JSON.stringify(v);

/**
 * Checks that the cells of one benchmark agree: every run of a cell gave the
 * same result, and cells of the same size gave the same result as the
 * reference (tasklet, else async, else the most common value). `check(n)`
 * runs the reference at a size that only one cell ran at and returns its
 * result. Marks each wrong cell's `error` and returns the failure messages.
 */
export function checkResults(cells: Cell[], check: (n: number | null) => unknown): string[] {
  const failures: string[] = [];
  const fail = (cell: Cell, msg: string): void => {
    cell.error = msg;
    failures.push(`${cell.bench}/${cell.runtime}: ${msg}`);
  };
  const ok = cells.filter((c) => c.error === undefined && c.runs.length > 0);
  for (const c of ok) {
    const first = key(c.runs[0]?.result);
    const other = c.runs.find((r) => key(r.result) !== first);
    if (other !== undefined) fail(c, `result changed between runs: ${first} then ${key(other.result)}`);
  }
  const bySize = new Map<number | null, Cell[]>();
  for (const c of ok) {
    if (c.error !== undefined) continue;
    const group = bySize.get(c.n) ?? [];
    group.push(c);
    bySize.set(c.n, group);
  }
  for (const [n, group] of bySize) {
    let expected: string;
    let from: string;
    const ref = baseOf(group) ?? group.find((c) => c.runtime === SECOND);
    if (ref !== undefined) {
      expected = key(ref.runs[0]?.result);
      from = ref.runtime;
    } else if (group.length === 1) {
      const v = check(n);
      if (v === undefined) continue; // no reference could run: the harness notes it
      expected = key(v);
      from = "the reference run at this size";
    } else {
      const counts = new Map<string, number>();
      for (const c of group) counts.set(key(c.runs[0]?.result), (counts.get(key(c.runs[0]?.result)) ?? 0) + 1);
      expected = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "";
      from = "most runtimes";
    }
    for (const c of group) {
      const got = key(c.runs[0]?.result);
      if (got !== expected) fail(c, `WRONG RESULT at n=${n}: ${got}, but ${from} gave ${expected}`);
    }
  }
  return failures;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGB: number;
  os: string;
  node: string;
  go: string | null;
  peers: Record<string, string>;
  date: string;
  /** 1, 5 and 15 min load averages when the run started (a busy machine slows every column). */
  load: string;
}

/** The machine and the versions of Node (the one running the cases), Go and the peers (from their package.json). */
export function machine(node: string = process.version): Machine {
  const peers: Record<string, string> = {};
  for (const name of ["effect", "effection", "js-csp"]) {
    try {
      const pkg = JSON.parse(readFileSync(join("node_modules", name, "package.json"), "utf8")) as { version: string };
      peers[name] = pkg.version;
    } catch {
      peers[name] = "not installed";
    }
  }
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node,
    go: goVersion(),
    peers,
    date: new Date().toISOString(),
    load: loadavg()
      .map((x) => x.toFixed(1))
      .join(" "),
  };
}
