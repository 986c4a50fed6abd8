// spawn with Effect: fork a fiber per leaf (Effect.forkChild, v4's Effect.fork), join each (Fiber.join).
import { Effect, Fiber } from "effect";
import { report, size } from "../../lib/report.js";

const leaf = (i: number): Effect.Effect<number> => Effect.succeed(i);

const n = size(1_000_000);
const start = performance.now();
const program = Effect.gen(function* () {
  const fibers = new Array<Fiber.Fiber<number>>(n);
  for (let i = 0; i < n; i++) fibers[i] = yield* Effect.forkChild(leaf(i));
  let s = 0;
  for (let i = 0; i < n; i++) s += yield* Fiber.join(fibers[i] as Fiber.Fiber<number>);
  return s;
});
report(start, await Effect.runPromise(program));
