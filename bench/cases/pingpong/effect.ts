// pingpong with Effect: two Queue.bounded(1) (Effect's queues have no rendezvous capacity 0),
// ping and pong as fibers (bench/lib/benchmarks.ts).
import { Effect, Fiber, Queue } from "effect";
import { report, size } from "../../lib/report.js";

const n = size(1_000_000);
const start = performance.now();
const program = Effect.gen(function* () {
  const a = yield* Queue.bounded<number>(1);
  const b = yield* Queue.bounded<number>(1);
  const pong = yield* Effect.forkChild(
    Effect.gen(function* () {
      for (let i = 0; i < n; i++) yield* Queue.offer(b, (yield* Queue.take(a)) + 1);
    }),
  );
  let sum = 0;
  for (let i = 0; i < n; i++) {
    yield* Queue.offer(a, i);
    sum += yield* Queue.take(b);
  }
  yield* Fiber.join(pong);
  return sum;
});
report(start, await Effect.runPromise(program));
