// mutex with Effect: a Semaphore of 1 permit (Effect's lock); 100 fibers each take it n/100
// times with withPermits(1), increment a counter and yield once (Effect.yieldNow) inside.
import { Effect, Fiber, Semaphore } from "effect";
import { report, size } from "../../lib/report.js";

const WORKERS = 100;
const n = size(1_000_000);
const each = Math.floor(n / WORKERS);
let counter = 0;
const start = performance.now();
const program = Effect.gen(function* () {
  const lock = yield* Semaphore.make(1);
  const critical = Semaphore.withPermits(
    lock,
    1,
  )(
    Effect.gen(function* () {
      counter++;
      yield* Effect.yieldNow;
    }),
  );
  const worker = Effect.gen(function* () {
    for (let k = 0; k < each; k++) yield* critical;
  });
  const fibers = [];
  for (let w = 0; w < WORKERS; w++) fibers.push(yield* Effect.forkChild(worker));
  yield* Fiber.joinAll(fibers);
  return counter;
});
report(start, await Effect.runPromise(program));
