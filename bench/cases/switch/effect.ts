// switch with Effect: 2 fibers each yield with Effect.yieldNow.
import { Effect, Fiber } from "effect";
import { report, size } from "../../lib/report.js";

const yielder = (times: number): Effect.Effect<number> =>
  Effect.gen(function* () {
    let k = 0;
    for (; k < times; k++) yield* Effect.yieldNow;
    return k;
  });

const n = size(10_000_000);
const start = performance.now();
const program = Effect.gen(function* () {
  const a = yield* Effect.forkChild(yielder(n >> 1));
  const b = yield* Effect.forkChild(yielder(n - (n >> 1)));
  return (yield* Fiber.join(a)) + (yield* Fiber.join(b));
});
report(start, await Effect.runPromise(program));
