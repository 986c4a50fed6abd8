// switch with Effection. Effection 4 has no yield-now operation; the cheapest way to give the
// thread away is an action that resolves at once: the routine goes to the back of Effection's
// run queue, so the other task runs before it resumes (sleep(0) would cost a host timer each).
import { action, type Operation, run, spawn } from "effection";
import { report, size } from "../../lib/report.js";

const noop = (): void => {};
const yieldNow = (): Operation<void> =>
  action<void>((resolve) => {
    resolve();
    return noop;
  });

function* yielder(times: number): Operation<number> {
  let k = 0;
  for (; k < times; k++) yield* yieldNow();
  return k;
}

const n = size(10_000_000);
const start = performance.now();
const count = await run(function* () {
  const a = yield* spawn(() => yielder(n >> 1));
  const b = yield* spawn(() => yielder(n - (n >> 1)));
  return (yield* a) + (yield* b);
});
report(start, count);
