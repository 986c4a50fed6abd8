// skynet with Effect: a node forks its 10 children as fibers (Effect.forkChild) and joins
// them (bench/lib/benchmarks.ts). Effect.forEach(…, { concurrency: "unbounded" }) would be
// shorter, but for children that finish at once it may not fork a fiber per child; the
// benchmark counts a fiber per node, as every other runtime here runs a tasklet per node.
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
