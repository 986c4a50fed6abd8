// switch on the reference scheduler (bench/lib/reference.ts), the limit of tasklet's design:
// 2 tasks each call schedule() n/2 times, alternating.
import { run, schedule, spawn } from "../../lib/reference.js";
import { report, size } from "../../lib/report.js";

function* yielder(times: number): Generator<unknown, number, unknown> {
  let k = 0;
  for (; k < times; k++) yield* schedule();
  return k;
}

function* main(n: number): Generator<unknown, number, unknown> {
  const a = spawn(yielder(n >> 1));
  const b = spawn(yielder(n - (n >> 1)));
  return (yield* a.join()) + (yield* b.join());
}

const n = size(10_000_000);
const start = performance.now();
const count = await run(main(n));
report(start, count);
