// The harness's tables (bench/lib/table.ts): the limit column, the heap-bytes ratios, the busy flag.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Cell, Machine } from "../../bench/lib/harness.js";
import { type Report, toMarkdown, toText } from "../../bench/lib/table.js";

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
