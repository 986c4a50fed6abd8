// fanin with Effect: P producer fibers offer into one Queue.bounded(1024); the main fiber takes all.
import { Effect, Fiber, Queue } from "effect";
import { report, size } from "../../lib/report.js";

const n = size(1_000_000);
const producers = Math.min(1000, n);
const each = Math.floor(n / producers);
const start = performance.now();
const program = Effect.gen(function* () {
  const q = yield* Queue.bounded<number>(1024);
  const fibers = [];
  for (let p = 0; p < producers; p++) {
    const from = p * each;
    fibers.push(
      yield* Effect.forkChild(
        Effect.gen(function* () {
          for (let k = 0; k < each; k++) yield* Queue.offer(q, from + k);
        }),
      ),
    );
  }
  let sum = 0;
  for (let k = 0; k < producers * each; k++) sum += yield* Queue.take(q);
  yield* Fiber.joinAll(fibers);
  return sum;
});
report(start, await Effect.runPromise(program));
