/** Helpers of the sync tests: the programs and driver of the mutex and semaphore properties (shared ones: ../helpers.ts). */
import fc from "fast-check";
import { KilledError, type Operation, sleep, spawn, type Tasklet, TimeoutError, timeout } from "../../src/index.js";
import { yields } from "../helpers.js";

/** One entry into a guarded section: held for `hold` yields (or ms, with `sleepHold`), maybe under a timeout. */
export const guardedAction = fc.record({
  hold: fc.integer({ min: 0, max: 3 }),
  timeoutMs: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
  sleepHold: fc.boolean(),
});
/** A tasklet's entries, and when (after how many of a killer's yields) it is killed, if ever. */
export const guardedProgram = fc.record({
  actions: fc.array(guardedAction, { minLength: 1, maxLength: 4 }),
  killAfter: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
});
export type GuardedProgram = typeof guardedProgram extends fc.Arbitrary<infer P> ? P : never;

/**
 * The driver of the mutex and semaphore properties: runs each program in a
 * tasklet, each action entering the section through `guard` (withLock,
 * withPermit); timeouts and kills end entries as drawn. `onEnter` gets the
 * number of holders each time one enters. Returns when every tasklet ended.
 */
export function* runGuarded(
  programs: readonly GuardedProgram[],
  guard: (body: () => Operation<void>) => Operation<void>,
  onEnter: (holders: number) => void,
): Operation<void> {
  let inside = 0;
  const ts: Tasklet[] = programs.map((p) =>
    spawn(function* () {
      for (const a of p.actions) {
        const critical = (): Operation<void> =>
          guard(function* () {
            inside++;
            onEnter(inside);
            try {
              if (a.sleepHold) yield* sleep(a.hold);
              else yield* yields(a.hold);
            } finally {
              inside--;
            }
          });
        try {
          if (a.timeoutMs === undefined) yield* critical();
          else yield* timeout(a.timeoutMs, critical());
        } catch (e) {
          if (!(e instanceof TimeoutError)) throw e;
        }
      }
    }),
  );
  programs.forEach((p, i) => {
    const k = p.killAfter;
    if (k !== undefined) {
      spawn(function* () {
        yield* yields(k);
        ts[i]?.kill();
      });
    }
  });
  for (const t of ts) {
    try {
      yield* t.join();
    } catch (e) {
      if (!(e instanceof KilledError)) throw e;
    }
  }
}
