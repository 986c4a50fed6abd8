// sleepers with Effect: a fiber per sleeper (Effect.sleep), joined in order.
import { Effect, Fiber } from "effect";
import { sleepMs } from "../../lib/random.js";
import { report, size } from "../../lib/report.js";

const sleeper = (i: number): Effect.Effect<number> => {
  const ms = sleepMs(i);
  return Effect.as(Effect.sleep(ms), ms);
};

const n = size(1_000_000);
const start = performance.now();
const program = Effect.gen(function* () {
  const fibers = new Array<Fiber.Fiber<number>>(n);
  for (let i = 0; i < n; i++) fibers[i] = yield* Effect.forkChild(sleeper(i));
  let s = 0;
  for (let i = 0; i < n; i++) s += yield* Fiber.join(fibers[i] as Fiber.Fiber<number>);
  return s;
});
report(start, await Effect.runPromise(program));
