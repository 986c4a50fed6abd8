// The bench's variants (bench/lib/variants.ts): the tasklet case run again under each variant's
// environment, the base case with those variables unset, the cost as a ratio of the two medians
// in the table "Cost of inspection", and a variant whose variable the build does not read shown
// as "—", not run. The harness runs on fixture builds (<tmp>/dist/bench/cases and <tmp>/dist/src).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { absentReason, readsVariable, stripComments } from "../../bench/lib/variants.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const RUN = join(ROOT, "dist/bench/run.js");
const REPORT_JS = JSON.stringify(new URL("../../bench/lib/report.js", import.meta.url).href);

interface VariantJson {
  bench: string;
  variant: string;
  env: Record<string, string>;
  runs: { ms: number; result: unknown }[];
  medianMs: number;
  absent?: string;
  error?: string;
}
interface ReportJson {
  cells: { bench: string; runtime: string; medianMs: number; runs: unknown[] }[];
  variants: VariantJson[];
  failures: string[];
  notes: string[];
}

/**
 * A fixture build: dist/src/<file> = `src`, and a benchmark `sum` whose tasklet case reports a
 * time chosen by its environment (`caseBody` sets `ms` and `result`) and whose meta.js gives
 * `variants`. Returns the harness's exit, output and report.
 */
function harness(
  src: string,
  variants: Record<string, Record<string, string>>,
  caseBody: string,
  args: string[] = [],
  env: Record<string, string> = {},
): { status: number | null; out: string; json: ReportJson | null; md: string } {
  const dir = mkdtempSync(join(tmpdir(), "bench-variants-"));
  try {
    const cases = join(dir, "dist", "bench", "cases", "sum");
    mkdirSync(cases, { recursive: true });
    mkdirSync(join(dir, "dist", "src"), { recursive: true });
    writeFileSync(join(dir, "dist", "package.json"), '{ "type": "module" }\n');
    writeFileSync(join(dir, "dist", "src", "feature.js"), src);
    writeFileSync(join(cases, "meta.js"), `export const spec = { variants: ${JSON.stringify(variants)} };\n`);
    writeFileSync(
      join(cases, "tasklet.js"),
      `import { report } from ${REPORT_JS};\nvoid report;\nconst e = process.env;\nlet ms = 100;\nlet result = 45;\n${caseBody}\nprocess.stdout.write(JSON.stringify({ ms, result, rssMB: 1 }) + "\\n");\n`,
    );
    const out = join(dir, "results");
    const r = spawnSync(
      process.execPath,
      [RUN, "--reps", "2", "--cases", join(dir, "dist", "bench", "cases"), "--out", out, ...args],
      { cwd: ROOT, encoding: "utf8", timeout: 120_000, env: { ...process.env, ...env } },
    );
    let json: ReportJson | null = null;
    let md = "";
    try {
      json = JSON.parse(readFileSync(join(out, "latest.json"), "utf8")) as ReportJson;
      md = readFileSync(join(out, "latest.md"), "utf8");
    } catch {
      // no report: the harness stopped before writing one
    }
    return { status: r.status, out: `${r.stdout}\n${r.stderr}`, json, md };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("each variant's environment reaches the tasklet case, the plain case runs with it unset, and the cost is the ratio of their medians", () => {
  const r = harness(
    'const a = process.env.TASKLET_FAKE;\nconst b = process.env["TASKLET_SLOWER"];\n',
    { fake: { TASKLET_FAKE: "1" }, slower: { TASKLET_SLOWER: "yes" } },
    // 999 when a variable leaks into the wrong run: the ratios would not be 3 and 5
    `if (e.TASKLET_FAKE === "1" && e.TASKLET_SLOWER === undefined) ms = 300;
else if (e.TASKLET_SLOWER === "yes" && e.TASKLET_FAKE === undefined) ms = 500;
else if (e.TASKLET_FAKE !== undefined || e.TASKLET_SLOWER !== undefined) ms = 999;`,
    [],
    // set in the harness's own environment: the plain case must still run with it off
    { TASKLET_FAKE: "1" },
  );
  assert.equal(r.status, 0, r.out);
  assert.ok(r.json !== null);
  const base = r.json.cells.find((c) => c.runtime === "tasklet");
  assert.equal(base?.medianMs, 100);
  assert.deepEqual(
    r.json.variants.map((v) => [v.variant, v.env, v.runs.map((x) => x.ms), v.absent]),
    [
      ["fake", { TASKLET_FAKE: "1" }, [300, 300], undefined],
      ["slower", { TASKLET_SLOWER: "yes" }, [500, 500], undefined],
    ],
  );
  assert.match(r.md, /## Cost of inspection \(time ÷ the same case with it off, same run\)/);
  assert.match(r.md, /\| benchmark \| off, ms \| fake \| slower \|/);
  assert.match(r.md, /\| sum \| 100 \| 3× \| 5× \|/);
  assert.match(r.md, /fake: TASKLET_FAKE=1; slower: TASKLET_SLOWER=yes/);
  assert.match(r.out, /sum\/tasklet with fake n=default run 2: 300 ms/);
});

test("a variant whose variable the build does not read is shown as — with a note, and is not run", () => {
  const r = harness(
    "// TASKLET_GHOST: a comment naming the variable is no feature\n/* process.env.TASKLET_GHOST */\nconst a = process.env.TASKLET_FAKE;\n",
    { fake: { TASKLET_FAKE: "1" }, ghost: { TASKLET_GHOST: "1" } },
    'if (e.TASKLET_FAKE === "1") ms = 200;\nif (e.TASKLET_GHOST !== undefined) result = 0;',
  );
  assert.equal(r.status, 0, r.out);
  assert.ok(r.json !== null);
  const ghost = r.json.variants.find((v) => v.variant === "ghost");
  assert.deepEqual(ghost?.runs, []);
  assert.match(ghost?.absent ?? "", /this build does not read TASKLET_GHOST/);
  assert.match(r.md, /\| sum \| 100 \| 2× \| — \|/);
  assert.match(
    r.md,
    /- ghost \(TASKLET_GHOST=1\): this build does not read TASKLET_GHOST \(no file under .*src does\)/,
  );
  assert.doesNotMatch(r.out, /with ghost/);
});

test("a variant that changes the case's result fails the run and shows WRONG; --variants none runs none", () => {
  const src = "const a = process.env.TASKLET_FAKE;\n";
  const body = 'if (e.TASKLET_FAKE === "1") result = 44;';
  const r = harness(src, { fake: { TASKLET_FAKE: "1" } }, body);
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /sum\/tasklet with fake: WRONG RESULT at n=null: 44, but tasklet with it off gave 45/);
  assert.match(r.md, /\| sum \| 100 \| WRONG \|/);
  const none = harness(src, { fake: { TASKLET_FAKE: "1" } }, body, ["--variants", "none"]);
  assert.equal(none.status, 0, none.out);
  assert.deepEqual(none.json?.variants, []);
  assert.doesNotMatch(none.md, /Cost of inspection/);
});

test("--variants with a name no benchmark has stops the harness, naming the option, the value and the names", () => {
  const r = harness("", { fake: { TASKLET_FAKE: "1" } }, "", ["--variants", "fake,nope"]);
  assert.equal(r.status, 2, r.out);
  assert.match(r.out, /--variants: got "fake,nope"; expected all, none, or a comma list of fake \(unknown: nope\)/);
});

test("a build reads a variable when its code names it as a string or a property, not in a comment", () => {
  assert.ok(readsVariable('const v = process.env["TASKLET_DEBUG"];', "TASKLET_DEBUG"));
  assert.ok(readsVariable("const v = process.env.TASKLET_DEBUG;", "TASKLET_DEBUG"));
  assert.ok(readsVariable("flag('TASKLET_DEBUG')", "TASKLET_DEBUG"));
  assert.ok(!readsVariable('throw new Error("TASKLET_DEBUG must be 1")', "TASKLET_DEBUG"));
  assert.ok(!readsVariable("const v = process.env.TASKLET_DEBUGGER;", "TASKLET_DEBUG"));
  assert.ok(
    !readsVariable(stripComments("/** `TASKLET_DEBUG` turns it on: process.env.TASKLET_DEBUG */"), "TASKLET_DEBUG"),
  );
  assert.ok(!readsVariable(stripComments('  // reads "TASKLET_DEBUG"\nconst x = 1;'), "TASKLET_DEBUG"));
});

test("this repository's build has the watchdog and has no TASKLET_NO_SUCH_FEATURE", () => {
  const src = join(ROOT, "dist", "src");
  assert.equal(absentReason(src, { TASKLET_WATCHDOG_MS: "1000" }), null);
  assert.match(absentReason(src, { TASKLET_NO_SUCH_FEATURE: "1" }) ?? "", /does not read TASKLET_NO_SUCH_FEATURE/);
});
