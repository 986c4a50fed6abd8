// switch: 2 tasklets each call schedule() n/2 times, alternating (bench/lib/benchmarks.ts).
import { type Operation, run, schedule, spawn } from "../../../src/index.js";
import { report, size } from "../../lib/report.js";

function* yielder(times: number): Operation<number> {
  let k = 0;
  for (; k < times; k++) yield* schedule();
  return k;
}

const n = size(10_000_000);
const start = performance.now();
const count = await run(function* () {
  const a = spawn(yielder(n >> 1));
  const b = spawn(yielder(n - (n >> 1)));
  return (yield* a.join()) + (yield* b.join());
});
report(start, count);
