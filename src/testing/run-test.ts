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
 *     runs to its end, so nothing of one test outlives it;
 *   - leak detection (core/leaks.ts) is on: a tasklet collected while
 *     blocked during the test (nothing could ever wake it, so it is not in
 *     the snapshot) is a leak as well, named as collected. When the snapshot
 *     is not empty, a full collection (where --expose-gc, or the V8 flag set
 *     at run time, allows one) tells which of its tasklets nothing could wake.
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

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { checkBoolean, checkFunction, checkString } from "../core/check.js";
import { DeadlockError, KilledError, TaskletError, type UncaughtError } from "../core/errors.js";
import { type LeakReport, watchLeaks } from "../core/leaks.js";
import { current, type Suspend } from "../core/op.js";
import type { Runtime } from "../core/runtime.js";
import { type Body, toIterator } from "../core/spawn.js";
import { BLOCKED, FAILED, type Group, KILLED, type Tasklet, TaskletJoinOp } from "../core/tasklet.js";
import { checkTestRuntimeOptions, createTestRuntime, RUNTIME_OPTION_KEYS, type TestRuntimeOptions } from "./runtime.js";
import { VirtualHost } from "./virtual-host.js";

/**
 * Tasklets were still alive when a test's body ended, or were collected
 * while blocked during the test (nothing could ever wake them: leak
 * detection, docs/inspect.md). `leaked` has one line per tasklet, by id:
 * `#id name: waits on …` (or its state if it was not blocked), or
 * `#id name (child of #p parent) was collected while blocked on …`.
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
  /**
   * `cause`, when set, is the DeadlockError of their cleanup (killed, they
   * blocked each other). `collected` of the `leaked` lines are tasklets
   * collected while blocked.
   */
  constructor(leaked: readonly string[], cleanup?: DeadlockError, collected = 0) {
    const n = leaked.length - collected;
    const lines = leaked.map((l) => `  ${l}`).join("\n");
    const tail = cleanup === undefined ? "" : `\nand their cleanup deadlocked: ${cleanup.message}`;
    const alive = n === 0 ? "" : `${n} tasklet${n === 1 ? " was" : "s were"} still alive when the test's body ended`;
    const gone =
      collected === 0
        ? ""
        : `${n === 0 ? "" : ", and "}${collected} tasklet${collected === 1 ? " was" : "s were"} collected while blocked (nothing could wake ${collected === 1 ? "it" : "them"})`;
    super(
      `${alive}${gone} (killed now; runTest(body, { allowLeaks: true }) allows this):\n${lines}${tail}`,
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
  return runOn(rt, { gen: toIterator("runTest", body) }, options);
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

async function runOn<T>(
  rt: Runtime,
  body: { gen: Iterator<unknown, T, unknown> | null },
  options: TestOptions | undefined,
): Promise<T> {
  const uncaught: UncaughtError[] = [];
  const onUncaught = options?.onUncaught ?? ((e: UncaughtError) => void uncaught.push(e));
  // Tasklets collected while blocked (core/leaks.ts): leaks the live list no longer shows.
  const watch = watchLeaks(rt);
  const collected: LeakReport[] = [];
  const group: Group = { onUncaught, onLeak: (r) => void collected.push(r) };
  /** Alive when the body ended: id → `#id name: waits on …` (no tasklet is held, so a collection can still find it). */
  const leaks = new Map<number, string>();
  const outcome = await new Promise<Outcome<T>>((resolve) => {
    rt.spawnRoot(body.gen as Iterator<unknown, T, unknown>, options?.name ?? "test", 1, group, (t, deadlock) => {
      if (deadlock === null) {
        watch.sweep();
        for (const u of rt.live()) leaks.set(u.id, describeTasklet(u));
      }
      if (deadlock !== null) resolve({ ok: false, value: undefined, error: deadlock });
      else if (t.state === FAILED) resolve({ ok: false, value: undefined, error: t.value });
      else if (t.state === KILLED)
        resolve({ ok: false, value: undefined, error: new KilledError(`${t.describe()} was killed`) });
      else resolve({ ok: true, value: t.value as T, error: undefined });
    });
    // This frame lives to the test's end: it must not hold the body's frames (and what they hold),
    // so the generator comes in a box that is emptied (a parameter's slot would keep it).
    body.gen = null;
  });
  if (leaks.size > 0 && options?.allowLeaks !== true && (await collectGarbage())) {
    // Which of the tasklets left alive nothing could ever wake: reported as collected.
    watch.sweep();
  }
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
  for (const r of collected) leaks.set(r.id, r.message);
  if (options?.allowLeaks === true) collected.length = 0;
  const cleanup = reapError instanceof DeadlockError ? reapError : undefined;
  if (leaks.size > 0 && options?.allowLeaks !== true) {
    throw new LeakError(
      [...leaks.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]),
      cleanup,
      collected.length,
    );
  }
  if (cleanup !== undefined) {
    throw new TaskletError(`the cleanup of tasklets left alive by the test deadlocked:\n${cleanup.message}`, {
      cause: cleanup,
    });
  }
  return outcome.value as T;
}

let gc: (() => void) | null | undefined;

/**
 * A full collection, where the process allows one (--expose-gc, or the V8
 * flag set now), in a nextTick callback: after the microtasks of the run
 * loop's job, which keep every WeakRef they read alive until they end, and
 * before the virtual host's next jump (a setImmediate), so that no virtual
 * time passes. False when no collection can be had.
 */
async function collectGarbage(): Promise<boolean> {
  if (gc === undefined) {
    gc = typeof globalThis.gc === "function" ? globalThis.gc : null;
    if (gc === null) {
      try {
        setFlagsFromString("--expose-gc");
        gc = runInNewContext("gc") as () => void;
      } catch {
        gc = null;
      }
    }
  }
  if (gc === null) return false;
  const collect = gc;
  await new Promise<void>((resolve) =>
    process.nextTick(() => {
      collect();
      resolve();
    }),
  );
  return true;
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
