// Smoke test of the benchmark harness (bench/run.ts): a quick run on real cases agrees and
// writes its files; a case with a wrong result fails the run loudly. No time is asserted.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { fakeCases, REPORT_JS, reports } from "./fake-cases.js";

/** The repository root: this file runs from dist/test/bench/. */
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const RUN = join(ROOT, "dist/bench/run.js");
/** Generous: the quick run spawns about 15 processes on a busy 2-core machine. */
const HARNESS_TIMEOUT_MS = 180_000;

interface ReportJson {
  quick: boolean;
  cells: { bench: string; runtime: string; n: number; runs: { result: unknown }[]; error?: string }[];
  failures: string[];
}

function harness(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [RUN, ...args], { cwd: ROOT, encoding: "utf8", timeout: HARNESS_TIMEOUT_MS });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

test("a quick run of spawn and switch: every runtime gives the expected result, and the JSON and Markdown are written", () => {
  const out = mkdtempSync(join(tmpdir(), "bench-smoke-"));
  try {
    const r = harness(["--quick", "--reps", "1", "--only", "spawn,switch", "--out", out]);
    assert.equal(r.status, 0, r.out);
    const json = JSON.parse(readFileSync(join(out, "latest.json"), "utf8")) as ReportJson;
    assert.equal(json.quick, true);
    assert.deepEqual(json.failures, []);
    const expected: Record<string, number> = { spawn: (1000 * 999) / 2, switch: 10_000 };
    const runtimes = new Set<string>();
    for (const c of json.cells) {
      assert.equal(c.error, undefined, `${c.bench}/${c.runtime}: ${c.error}`);
      assert.equal(c.runs.length, 1);
      assert.equal(c.runs[0]?.result, expected[c.bench], `${c.bench}/${c.runtime}`);
      runtimes.add(c.runtime);
    }
    for (const rt of ["tasklet", "tasklet-closure", "async", "effect", "effection", "jscsp"]) {
      assert.ok(runtimes.has(rt), `no ${rt} case ran`);
    }
    const md = readFileSync(join(out, "latest.md"), "utf8");
    assert.match(md, /\| spawn 1k \|/);
    assert.match(md, /\| switch 10k \|/);
    assert.match(md, /Node v\d+/);
    assert.match(md, /effection \d+\.\d+\.\d+/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("a runtime whose result disagrees with tasklet's, or that crashes, fails the run and is named; a file that does not report is no case", () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-wrong-"));
  try {
    fakeCases(dir, {
      tasklet: reports(45),
      async: reports(45),
      liar: reports(44),
      crash: `import { report } from ${REPORT_JS};\nthrow new Error("out of luck");\n`,
      // not a case: it does not report (a helper or load generator beside the cases)
      helper: 'throw new Error("a helper must not be run");\n',
    });
    const out = join(dir, "results");
    const r = harness(["--reps", "2", "--cases", join(dir, "cases"), "--out", out]);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /sum\/liar: WRONG RESULT at n=null: 44, but tasklet gave 45/);
    const md = readFileSync(join(out, "latest.md"), "utf8");
    assert.match(r.out, /sum\/crash: exit 1: Error: out of luck/);
    assert.match(md, /\| crash \| default \| FAILED \|/);
    assert.match(md, /\| liar \| default \| WRONG \|/);
    assert.match(md, /\| tasklet \| default \| [\d.]+ \| 1 \|/);
    assert.doesNotMatch(r.out, /helper/);
    assert.ok(existsSync(join(out, "latest.json")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a case that skips (its server is missing) leaves the table, its reason goes to the notes, and the run passes", () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-skip-"));
  try {
    fakeCases(dir, {
      tasklet: reports(45),
      absent: `import { report, skip } from ${REPORT_JS};\nskip("no such server here");\nreport(performance.now(), 44);\n`,
    });
    const out = join(dir, "results");
    const r = harness(["--reps", "2", "--cases", join(dir, "cases"), "--out", out]);
    assert.equal(r.status, 0, r.out);
    const json = JSON.parse(readFileSync(join(out, "latest.json"), "utf8")) as ReportJson & { notes: string[] };
    assert.deepEqual(
      json.cells.map((c) => c.runtime),
      ["tasklet"],
    );
    assert.deepEqual(json.failures, []);
    assert.ok(json.notes.includes("sum/absent skipped: no such server here"), `notes: ${JSON.stringify(json.notes)}`);
    assert.match(readFileSync(join(out, "latest.md"), "utf8"), /sum\/absent skipped: no such server here/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
