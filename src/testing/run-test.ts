/**
 * runTest(body): runs a test body as the root tasklet of a fresh test
 * runtime (virtual time, optional seeded schedule) and holds it to account:
 *
 *   - the body's error, or the core's DeadlockError (every blocked tasklet
 *     and what it waits on), rejects the promise;
 *   - an error that escaped a tasklet nobody joins fails the test (instead of
 *     crashing the process as the real runtime's default does);
 *   - tasklets still alive at the instant the body ended are leaks: they are
 *     listed (name, what each waits on) in a `LeakError`, unless
 *     `allowLeaks` is set. Either way they are then killed and their cleanup
 *     runs to its end, so nothing of one test outlives it.
 *
 * The leak snapshot is taken in the root's end callback, which the core
 * calls synchronously as the root finishes (runtime.ts, `finish`), before
 * any other tasklet steps: it is exactly "alive when the body ended".
 *
 * Precedence when several things go wrong: the body's own error (or the
 * deadlock), then uncaught errors, then leaks (with, as `cause`, the deadlock
 * of their cleanup if the killed tasklets' `finally` blocks wait on each other).
 *
 * An unjoined tasklet's error is reported at the runtime's next idle or
 * before the root ends (end.ts), so it always fails the test that made it.
 *
 * Limits: a run is reproducible when the program does
 * no real I/O: a promise in `call()` settles in real time, wherever the
 * schedule happens to be then.
 */

import { checkBoolean, checkFunction, checkString } from "../core/check.js";
import { DeadlockError, KilledError, TaskletError, type UncaughtError } from "../core/errors.js";
import { current, type Suspend } from "../core/op.js";
import type { Runtime } from "../core/runtime.js";
import { type Body, toIterator } from "../core/spawn.js";
import { BLOCKED, FAILED, KILLED, type Tasklet, TaskletJoinOp } from "../core/tasklet.js";
import { checkTestRuntimeOptions, createTestRuntime, RUNTIME_OPTION_KEYS, type TestRuntimeOptions } from "./runtime.js";
import { VirtualHost } from "./virtual-host.js";

/**
 * Tasklets were still alive when a test's body ended. `leaked` has one line
 * per tasklet: `#id name: waits on …` (or its state if it was not blocked).
 *
 * @example
 * await runTest(function* () { spawn(ticker(), { name: "ticker" }); });
 * // LeakError: 1 tasklet was still alive when the test's body ended …
 * //   #2 ticker: waits on sleep(1000) (1000 ms left)
 */
export class LeakError extends TaskletError {
  override name = "LeakError";
  /** One line per tasklet left alive: `#id name: waits on …`, or its state if it was not blocked. */
  readonly leaked: readonly string[];
  /** `cause`, when set, is the DeadlockError of their cleanup (killed, they blocked each other). */
  constructor(leaked: readonly string[], cleanup?: DeadlockError) {
    const n = leaked.length;
    const lines = leaked.map((l) => `  ${l}`).join("\n");
    const tail = cleanup === undefined ? "" : `\nand their cleanup deadlocked: ${cleanup.message}`;
    super(
      `${n} tasklet${n === 1 ? " was" : "s were"} still alive when the test's body ended ` +
        `(killed now; runTest(body, { allowLeaks: true }) allows this):\n${lines}${tail}`,
      cleanup === undefined ? undefined : { cause: cleanup },
    );
    this.leaked = leaked;
  }
}

/** Options of `runTest(body, options)`: the test runtime's, and how the test ends. */
export interface TestOptions extends TestRuntimeOptions {
  /** Name of the root tasklet (default "test"). */
  name?: string | undefined;
  /** Tasklets alive when the body ended are killed without a `LeakError` (default false). */
  allowLeaks?: boolean | undefined;
  /**
   * Called with an error that escaped a tasklet nobody joins. By default
   * such errors are collected and fail the test.
   */
  onUncaught?: ((error: UncaughtError) => void) | undefined;
}

/**
 * `#id name: waits on …`, as the core's deadlock report writes a tasklet.
 *
 * @example
 * for (const t of rt.live()) console.log(describeTasklet(t)); // "#3 worker: waits on sleep(50) (20 ms left)"
 */
export function describeTasklet(t: Tasklet): string {
  const killed = t.isKilled() ? " (killed, in cleanup)" : "";
  const what = t.state === BLOCKED && t.blocker !== null ? `waits on ${t.blocker.describe(t)}` : t.stateName;
  return `${t.describe()}${killed}: ${what}`;
}

/**
 * Runs `body` as the root tasklet of a fresh runtime with virtual time (and
 * the seeded schedule `seed`, if given; FIFO otherwise). Resolves with the
 * body's value; rejects with its error, a `DeadlockError`, the first error
 * that escaped an unjoined tasklet, or a `LeakError` naming the tasklets
 * still alive when the body ended.
 *
 * @example
 * test("a silent peer times out after 10 minutes", () =>
 *   runTest(function* () {
 *     try {
 *       yield* timeout(600_000, sleep(3_600_000)); // finishes at once
 *       assert.fail("no timeout");
 *     } catch (e) {
 *       assert.ok(e instanceof TimeoutError);
 *     }
 *     assert.equal(now(), 600_000);
 *   }));
 */
export function runTest<T>(body: Body<T>, options?: TestOptions): Promise<T> {
  checkTestOptions("runTest", options);
  const rt = createTestRuntime({ seed: options?.seed, virtualTime: options?.virtualTime });
  return runOn(rt, toIterator("runTest", body), options);
}

/** The options runTest knows (explore adds `runs`). */
export const TEST_OPTION_KEYS: readonly string[] = [...RUNTIME_OPTION_KEYS, "name", "allowLeaks", "onUncaught"];

export function checkTestOptions(
  what: string,
  options: TestOptions | undefined,
  known: readonly string[] = TEST_OPTION_KEYS,
): void {
  checkTestRuntimeOptions(what, options, known);
  if (options === undefined) return;
  if (options.name !== undefined) checkString(what, "options.name", options.name);
  if (options.allowLeaks !== undefined) checkBoolean(what, "options.allowLeaks", options.allowLeaks);
  if (options.onUncaught !== undefined) checkFunction(what, "options.onUncaught", options.onUncaught);
}

interface Outcome<T> {
  ok: boolean;
  value: T | undefined;
  error: unknown;
}

async function runOn<T>(rt: Runtime, gen: Iterator<unknown, T, unknown>, options: TestOptions | undefined): Promise<T> {
  const uncaught: UncaughtError[] = [];
  const onUncaught = options?.onUncaught ?? ((e: UncaughtError) => void uncaught.push(e));
  const group = { onUncaught };
  let leaks: string[] = [];
  const outcome = await new Promise<Outcome<T>>((resolve) => {
    rt.spawnRoot(gen, options?.name ?? "test", 1, group, (t, deadlock) => {
      if (deadlock === null) leaks = rt.live().map(describeTasklet);
      if (deadlock !== null) resolve({ ok: false, value: undefined, error: deadlock });
      else if (t.state === FAILED) resolve({ ok: false, value: undefined, error: t.value });
      else if (t.state === KILLED)
        resolve({ ok: false, value: undefined, error: new KilledError(`${t.describe()} was killed`) });
      else resolve({ ok: true, value: t.value as T, error: undefined });
    });
  });
  let reapError: unknown;
  if (rt.liveCount > 0) {
    reapError = await new Promise<unknown>((resolve) => {
      rt.spawnRoot(reapAll(rt), "test-reaper", 1, group, (_t, deadlock) => resolve(deadlock));
    });
  }
  if (rt.host instanceof VirtualHost) rt.host.stop();
  if (!outcome.ok) throw outcome.error;
  if (uncaught.length === 1) throw uncaught[0];
  if (uncaught.length > 1) {
    throw new AggregateError(
      uncaught,
      `${uncaught.length} errors escaped unjoined tasklets:\n${uncaught.map((e) => `  ${e.message}`).join("\n")}`,
    );
  }
  const cleanup = reapError instanceof DeadlockError ? reapError : undefined;
  if (leaks.length > 0 && options?.allowLeaks !== true) throw new LeakError(leaks, cleanup);
  if (cleanup !== undefined) {
    throw new TaskletError(`the cleanup of tasklets left alive by the test deadlocked:\n${cleanup.message}`, {
      cause: cleanup,
    });
  }
  return outcome.value as T;
}

/** Kills every other live tasklet of `rt` and waits until all have ended (their cleanup included). */
function* reapAll(rt: Runtime): Generator<Suspend, void, unknown> {
  for (;;) {
    const others = rt.live().filter((t) => t !== current);
    if (others.length === 0) return;
    for (const t of others) t.kill();
    for (const t of others) yield* new TaskletJoinOp(t, false);
  }
}
