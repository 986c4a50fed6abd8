// The harness's result check (bench/lib/harness.ts checkResults): which disagreements fail a run.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Cell, checkResults } from "../../bench/lib/harness.js";

function cell(runtime: string, n: number | null, ...results: unknown[]): Cell {
  return {
    bench: "b",
    runtime,
    n,
    runs: results.map((result) => ({ ms: 1, result, rssMB: 1 })),
    medianMs: 1,
    minMs: 1,
    maxMs: 1,
    rssMB: 1,
  };
}

const noReference = (): unknown => assert.fail("no reference run expected");

test("runtimes that agree with tasklet at the same size pass", () => {
  const cells = [cell("tasklet", 10, 45, 45), cell("async", 10, 45, 45), cell("effect", 10, 45)];
  assert.deepEqual(checkResults(cells, noReference), []);
  assert.ok(cells.every((c) => c.error === undefined));
});

test("a runtime that disagrees with tasklet is marked WRONG, even when it agrees with the majority", () => {
  const cells = [cell("tasklet", 10, 45), cell("async", 10, 44), cell("effect", 10, 44)];
  const failures = checkResults(cells, noReference);
  assert.equal(failures.length, 2);
  assert.match(cells[1]?.error ?? "", /WRONG RESULT at n=10: 44, but tasklet gave 45/);
  assert.equal(cells[0]?.error, undefined);
});

test("a result that changes between runs of one case fails that case", () => {
  const cells = [cell("tasklet", 10, 45, 45), cell("async", 10, 45, 46)];
  checkResults(cells, noReference);
  assert.match(cells[1]?.error ?? "", /result changed between runs: 45 then 46/);
});

test("a runtime alone at a smaller size is checked against the reference run at that size", () => {
  const asked: (number | null)[] = [];
  const good = [cell("tasklet", 1000, 499500), cell("effection", 100, 4950)];
  assert.deepEqual(
    checkResults(good, (n) => {
      asked.push(n);
      return 4950;
    }),
    [],
  );
  assert.deepEqual(asked, [100]);
  const bad = [cell("tasklet", 1000, 499500), cell("effection", 100, 4951)];
  checkResults(bad, () => 4950);
  assert.match(bad[1]?.error ?? "", /WRONG RESULT at n=100: 4951, but the reference run at this size gave 4950/);
});

test("a crashed case is left out of the comparison; without tasklet, async is the reference", () => {
  const crashed = cell("tasklet", 10);
  crashed.error = "exit 1: boom";
  const cells = [crashed, cell("async", 10, 7), cell("jscsp", 10, 8)];
  checkResults(cells, noReference);
  assert.equal(crashed.error, "exit 1: boom");
  assert.match(cells[2]?.error ?? "", /but async gave 7/);
});
