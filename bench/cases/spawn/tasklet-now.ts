// spawn: spawn n tasklets, the i-th returning i; join each in order (bench/lib/benchmarks.ts).
// With spawnNow: each leaf runs (and ends) inside the call, so no generator waits (docs/design.md).
import { type Operation, run, spawnNow, type Tasklet } from "../../../src/index.js";
import { report, size } from "../../lib/report.js";

function* leaf(i: number): Operation<number> {
  return i;
}

const n = size(1_000_000);
const start = performance.now();
const sum = await run(function* () {
  const ts = new Array<Tasklet<number>>(n);
  for (let i = 0; i < n; i++) ts[i] = spawnNow(leaf(i));
  let s = 0;
  for (let i = 0; i < n; i++) s += yield* (ts[i] as Tasklet<number>).join();
  return s;
});
report(start, sum);
