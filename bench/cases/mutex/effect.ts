// mutex with Effect: a Semaphore of 1 permit is Effect's lock. n fibers each take it 1000
// times with withPermits(1); inside, they yield once (Effect.yieldNow) and increment a counter
// (bench/lib/benchmarks.ts).
import { Effect, Fiber, Semaphore } from "effect";
import { report, size } from "../../lib/report.js";

const ROUNDS = 1000;
const n = size(1000);
let counter = 0;
const start = performance.now();
const program = Effect.gen(function* () {
  const lock = yield* Semaphore.make(1);
  const critical = Semaphore.withPermits(
    lock,
    1,
  )(
    Effect.gen(function* () {
      yield* Effect.yieldNow;
      counter++;
    }),
  );
  const locker = Effect.gen(function* () {
    for (let i = 0; i < ROUNDS; i++) yield* critical;
  });
  const fibers = [];
  for (let w = 0; w < n; w++) fibers.push(yield* Effect.forkChild(locker));
  yield* Fiber.joinAll(fibers);
  return counter;
});
report(start, await Effect.runPromise(program));
