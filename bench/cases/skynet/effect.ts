// skynet with Effect: a node forks its 10 children as fibers (Effect.forkChild) and joins
// them (bench/lib/benchmarks.ts). Effect.forEach(…, { concurrency: "unbounded" }) would be
// shorter, but it forks no fiber for an effect that is already a value (an Effect.succeed
// leaf is an Exit: see iterateConcurrentImpl in effect's internal/effect.js), so 9 in 10
// nodes would cost nothing; here, as in every other runtime, each node is a fiber.
import { Effect, Fiber } from "effect";
import { report, size } from "../../lib/report.js";

const skynet = (num: number, size: number): Effect.Effect<number> => {
  if (size === 1) return Effect.succeed(num);
  const child = size / 10;
  return Effect.gen(function* () {
    const fibers: Fiber.Fiber<number>[] = [];
    for (let i = 0; i < 10; i++) fibers.push(yield* Effect.forkChild(skynet(num + i * child, child)));
    let sum = 0;
    for (const f of fibers) sum += yield* Fiber.join(f);
    return sum;
  });
};

const n = size(1_000_000);
const start = performance.now();
report(start, await Effect.runPromise(skynet(0, n)));
