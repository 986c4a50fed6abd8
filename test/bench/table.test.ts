// The harness's tables (bench/lib/table.ts): the limit column, the heap-bytes ratios, the busy flag.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Cell, Machine } from "../../bench/lib/harness.js";
import { type Report, toMarkdown, toText } from "../../bench/lib/table.js";
import type { VariantCell } from "../../bench/lib/variants.js";

function machine(load: string): Machine {
  return { cpu: "cpu", cores: 2, memoryGB: 4, os: "linux", node: "v24.0.0", go: null, peers: {}, date: "d", load };
}

function cell(bench: string, runtime: string, ms: number, extra?: Record<string, number>): Cell {
  return {
    bench,
    runtime,
    n: 1000,
    runs: [{ ms, result: 1, rssMB: 50 }],
    medianMs: ms,
    minMs: ms,
    maxMs: ms,
    rssMB: 50,
    ...(extra === undefined ? {} : { extra }),
  };
}

function report(load: string, cells: Cell[]): Report {
  const benches = [...new Set(cells.map((c) => c.bench))].map((name) => ({
    name,
    n: 1000,
    measures: "m",
    does: "d",
    result: "r",
  }));
  return { machine: machine(load), reps: 1, quick: false, benches, cells, failures: [], notes: [] };
}

test("the ratio table shows tasklet ÷ limit in its own column when a benchmark has a limit case", () => {
  const md = toMarkdown(
    report("0.5 0.5 0.5", [
      cell("spawn", "tasklet", 300),
      cell("spawn", "limit", 100),
      cell("spawn", "async", 150),
      cell("switch", "tasklet", 50),
      cell("switch", "async", 100),
    ]),
  );
  assert.match(md, /\| benchmark \| tasklet ÷ limit \| tasklet \| limit \| async \|/);
  assert.match(md, /\| spawn 1k \| 3× \| 1 \(2×\) \| 0\.33× \(0\.67×\) \| 0\.5× \(1\) \|/);
  assert.match(md, /\| switch 1k \| – \| 1 \(0\.5×\) \| – \| 2× \(1\) \|/);
  const without = toMarkdown(report("0.5 0.5 0.5", [cell("spawn", "tasklet", 300), cell("spawn", "async", 150)]));
  assert.doesNotMatch(without, /÷ limit/);
});

test("heap bytes per blocked task are shown with their ratio to tasklet's", () => {
  const md = toMarkdown(
    report("0.5 0.5 0.5", [
      cell("heap-bytes", "tasklet", 10, { recvBytes: 400, sleepBytes: 380 }),
      cell("heap-bytes", "limit", 10, { recvBytes: 200 }),
      cell("heap-bytes", "async", 10, { recvBytes: 600, sleepBytes: 760 }),
    ]),
  );
  assert.match(md, /\| tasklet \| 1k \| 10 \| 1 \| 50 \| 400 \| 380 \|/);
  assert.match(md, /\| limit \| 1k \| 10 \| 1× \| 50 \| 200 \(0\.5×\) \| – \|/);
  assert.match(md, /\| async \| 1k \| 10 \| 1× \| 50 \| 600 \(1\.5×\) \| 760 \(2×\) \|/);
});

test("a run started above a load of 1.5 says so in its tables; one started below does not", () => {
  const cells = [cell("spawn", "tasklet", 300)];
  const busy = report("1.6 0.5 0.5", cells);
  assert.match(toMarkdown(busy), /\*\*BUSY MACHINE: the run started at a load of 1\.6 \(above 1\.5\)/);
  assert.match(toText(busy), /BUSY MACHINE: the run started at a load of 1\.6/);
  const calm = report("1.5 3.0 3.0", cells);
  assert.doesNotMatch(toMarkdown(calm), /BUSY/);
  assert.doesNotMatch(toText(calm), /BUSY/);
});

test("the cost table has a row per benchmark with variants: the ratio to the plain case, — for a feature not in the build, n/a where not measured, FAILED and WRONG", () => {
  const variant = (bench: string, name: string, ms: number, more: Partial<VariantCell> = {}): VariantCell => ({
    ...cell(bench, "tasklet", ms),
    variant: name,
    env: { [`TASKLET_${name.toUpperCase()}`]: "1" },
    ...more,
  });
  const r = report("0.5 0.5 0.5", [cell("spawn", "tasklet", 100), cell("switch", "tasklet", 200)]);
  r.variants = [
    variant("spawn", "watchdog", 150),
    variant("spawn", "leaks", 0, { runs: [], absent: "this build does not read TASKLET_LEAKS" }),
    variant("switch", "watchdog", 210),
    variant("switch", "console", 0, { runs: [], error: "switch/tasklet with console: exit 1: Error: boom" }),
    variant("switch", "debug", 0, { error: "WRONG RESULT at n=1000: 2, but tasklet with it off gave 1" }),
    variant("switch", "leaks", 0, { runs: [], absent: "this build does not read TASKLET_LEAKS" }),
  ];
  const md = toMarkdown(r);
  assert.match(md, /## Cost of inspection \(time ÷ the same case with it off, same run\)/);
  assert.match(md, /\| benchmark \| off, ms \| watchdog \| console \| debug \| leaks \|/);
  assert.match(md, /\| spawn 1k \| 100 \| 1\.5× \| n\/a \| n\/a \| — \|/);
  assert.match(md, /\| switch 1k \| 200 \| 1\.05× \| FAILED \| WRONG \| — \|/);
  assert.match(toText(r), /switch 1k\s+200\s+1\.05×\s+FAILED\s+WRONG\s+—/);
  r.variants = [];
  assert.doesNotMatch(toMarkdown(r), /Cost of inspection/);
});
