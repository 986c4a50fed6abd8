// fanin with Effect: n producer fibers each offer 0..999 into one Queue.bounded(1024); the main
// fiber takes all (bench/lib/benchmarks.ts).
import { Effect, Fiber, Queue } from "effect";
import { report, size } from "../../lib/report.js";

const VALUES = 1000; // each producer sends 0..999, as bench/cases/fanin/tasklet.ts
const producers = size(1000);
const each = VALUES;
const start = performance.now();
const program = Effect.gen(function* () {
  const q = yield* Queue.bounded<number>(1024);
  const fibers = [];
  for (let p = 0; p < producers; p++) {
    fibers.push(
      yield* Effect.forkChild(
        Effect.gen(function* () {
          for (let k = 0; k < each; k++) yield* Queue.offer(q, k);
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
