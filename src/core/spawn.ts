import {
  checkBoolean,
  checkChoice,
  checkFunction,
  checkOptionKeys,
  checkString,
  describe,
  operationHint,
  typeError,
} from "./check.js";
import { TaskletError, type UncaughtError } from "./errors.js";
import { current, type Operation, type Suspend } from "./op.js";
import { Runtime, runtime } from "./runtime.js";
import { type Group, PRIORITY_LEVELS, type Priority, Tasklet } from "./tasklet.js";

/** What `spawn` runs: a generator, or a function that returns one. */
export type Body<T> = Operation<T> | (() => Operation<T>);

/** Options of `spawn(body, options)`. */
export interface SpawnOptions {
  /** Shown in dumps, deadlock reports and uncaught-error reports. */
  name?: string;
  /**
   * Whether `join()` may be used (default true). A failure of a non-joinable
   * tasklet is reported at once (to `onUncaught`). A failure of a joinable
   * one follows Node's rule for unhandled rejections: if no `join()` is
   * waiting when it happens and nobody joins it before the runtime next goes
   * idle (or before the root ends, whichever is first), it is reported with
   * the tasklet's name, id and stack; a later `join()` still gets the error.
   */
  joinable?: boolean;
  /** `high`, `normal` (default) or `low`: higher levels run first, FIFO within a level. */
  priority?: Priority;
}

/** The policy for errors nobody will see: crash, as an unhandled rejection does. */
export function defaultGroup(rt: Runtime): Group {
  return { onUncaught: (e: UncaughtError) => rt.host.fatal(e) };
}

let defaultGroupOfThread: Group | null = null;

/**
 * Marks a generator handed to a tasklet. A generator is one running
 * computation: spawned twice, two tasklets would resume the same frames.
 * A property on the generator object, not a WeakSet: spawn+join of 1M
 * tasklets (bench spawn, 11 interleaved runs) took 1163 ms without a mark,
 * 1192 ms with this one (+2.5%, +7 MB), 2118 ms with a WeakSet (+80%,
 * +60 MB: an ephemeron table of 1M live entries for the collector to walk).
 * The slow form `spawn(function* () {…})` (a hidden class per generator)
 * pays more: +140 MB for 1M, as much as any property access on those
 * functions (a `function*` test to skip the mark cost the same).
 */
const CLAIMED: unique symbol = Symbol("tasklet.claimed");

/**
 * Turns a body into its generator, with a clear error for anything else.
 * The generator is claimed: handing the same generator object to a second
 * spawn (run, main, pool, dispatcher) throws, as it would run in two tasklets.
 */
export function toIterator<T>(what: string, body: Body<T>): Iterator<Suspend, T, unknown> {
  let it: unknown = body;
  if (typeof body === "function") it = body();
  if (typeof it === "object" && it !== null && typeof (it as Iterator<unknown>).next === "function") {
    const claimed = it as { [CLAIMED]?: true };
    if (claimed[CLAIMED] === true) throw alreadySpawned(what, body);
    claimed[CLAIMED] = true;
    return it as Iterator<Suspend, T, unknown>;
  }
  if (it instanceof Tasklet) {
    throw typeError(what, "body", BODY, it, "a Tasklet is already running: wait for it with t.join()");
  }
  if (typeof it === "object" && it !== null && typeof (it as Operation<T>)[Symbol.iterator] === "function") {
    // An operation (sleep(5), ch.recv()): its iterator is shared, so run it from a generator of its own.
    return delegate(it as Operation<T>);
  }
  throw badBody(what, body, it);
}

function alreadySpawned(what: string, body: unknown): TypeError {
  const got = typeof body === "function" ? "a function returning a generator" : "a generator";
  return new TypeError(
    `${what}: body must be a generator not yet spawned, got ${got} that was already spawned: a generator runs in one tasklet only; pass a function (spawn(() => worker(i))) to run it again`,
  );
}

const BODY = "a generator or a function returning one";

function badBody(what: string, body: unknown, it: unknown): TypeError {
  if (typeof body !== "function") return typeError(what, "body", BODY, body, operationHint(body));
  const hint =
    operationHint(it) === undefined ? undefined : "an async function? use call(() => f()) to wait for a promise";
  return new TypeError(
    `${what}: body must be ${BODY}, got a function returning ${describe(it)}${hint ? `: ${hint}` : ""}`,
  );
}

function* delegate<T>(op: Operation<T>): Generator<Suspend, T, unknown> {
  return yield* op;
}

/** The options each entry point knows; spawn's for any other (TaskletPool.spawn). run.ts and the lead's main() pass their name. */
const OPTION_KEYS: Readonly<Record<string, readonly string[]>> = {
  run: ["name", "onUncaught", "runtime", "signal", "watchdog", "onHog", "leaks", "onLeak"],
  main: ["name", "runtime", "exit", "stderr", "watchdog", "onHog", "leaks", "onLeak"],
};
const SPAWN_KEYS: readonly string[] = ["name", "joinable", "priority"];

/**
 * Checks the options of spawn, run, main and TaskletPool.spawn before
 * anything is created: unknown keys, and the type of each known one.
 * Returns the priority level.
 */
export function checkOptions(what: string, options: SpawnOptions | RootOptions | undefined): number {
  if (options === undefined) return 1; // the hot path: spawn(worker(i))
  const known = Object.hasOwn(OPTION_KEYS, what) ? (OPTION_KEYS[what] as readonly string[]) : SPAWN_KEYS;
  checkOptionKeys(what, options, known);
  const o = options as SpawnOptions & RootOptions;
  if (o.name !== undefined) checkString(what, "options.name", o.name);
  if (o.joinable !== undefined) checkBoolean(what, "options.joinable", o.joinable);
  if (o.onUncaught !== undefined) checkFunction(what, "options.onUncaught", o.onUncaught);
  if (o.runtime !== undefined && !(o.runtime instanceof Runtime)) {
    throw typeError(what, "options.runtime", "a Runtime (createTestRuntime() makes one)", o.runtime);
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw typeError(what, "options.signal", "an AbortSignal", o.signal);
  }
  if (o.exit !== undefined) checkBoolean(what, "options.exit", o.exit);
  if (o.stderr !== undefined && typeof (o.stderr as { write?: unknown } | null)?.write !== "function") {
    throw typeError(what, "options.stderr", "an object with a write(text) method", o.stderr);
  }
  if (o.watchdog !== undefined && (typeof o.watchdog !== "number" || !Number.isInteger(o.watchdog) || o.watchdog < 1)) {
    throw typeError(what, "options.watchdog", "a whole number of ms >= 1", o.watchdog);
  }
  if (o.onHog !== undefined) checkFunction(what, "options.onHog", o.onHog);
  if (o.leaks !== undefined) checkBoolean(what, "options.leaks", o.leaks);
  if (o.onLeak !== undefined) checkFunction(what, "options.onLeak", o.onLeak);
  if (o.priority === undefined) return 1;
  return checkChoice(what, "options.priority", o.priority, PRIORITY_LEVELS);
}

/** The keys of RunOptions and MainOptions that checkOptions checks (run.ts declares them). */
interface RootOptions {
  name?: string;
  onUncaught?: unknown;
  runtime?: unknown;
  signal?: unknown;
  exit?: boolean;
  stderr?: unknown;
  watchdog?: unknown;
  onHog?: unknown;
  leaks?: boolean;
  onLeak?: unknown;
}

/**
 * Starts a tasklet. It runs when the current tasklet next suspends, before
 * every tasklet that was already ready; tasklets spawned in one stretch start
 * in spawn order. Outside a tasklet, it starts on the next turn of the loop.
 *
 * The fastest form passes a generator (`spawn(worker(i))`) or an arrow that
 * calls a named generator function (`spawn(() => worker(i))`); a
 * `function* () {…}` literal in a hot loop is several times slower in V8.
 *
 * Bad input throws at the call and creates nothing: an option it does not
 * know (`{ nmae: "x" }`), a priority other than "high", "normal" or "low", a
 * body that is not a generator (a promise: use `call`), and a generator
 * object already handed to a spawn (a generator is one computation: to run
 * the same work twice, pass a function, `() => worker(i)`).
 *
 * @example
 * const t = spawn(worker(1), { name: "worker-1" });
 * const result = yield* t.join();
 */
export function spawn<T>(body: Body<T>, options?: SpawnOptions): Tasklet<T> {
  return spawnAs("spawn", body, options);
}

/**
 * Starts a tasklet now: it runs inside the call, as an async function's body
 * runs inside its call, up to its first suspension (or its end), and then
 * the caller goes on. The one exception to "Order is a contract"
 * (docs/design.md), opted into by name, with its own order rule:
 *
 *   - inside a tasklet, the child's first stretch runs before the call
 *     returns, ahead of every ready tasklet, whatever its priority; from its
 *     first suspension on it is any tasklet (woken, it goes to the back of
 *     its ready queue);
 *   - what the child spawns with `spawn` in that first stretch starts when
 *     the caller suspends, with the caller's own spawns, in spawn order;
 *   - outside a tasklet, and beyond 100 starts nested inside one another
 *     (a chain of spawnNow calls in first stretches), it starts as spawn
 *     does: the stack stays bounded.
 *
 * What it buys: a child that ends in its first stretch (a leaf that returns
 * at once) never waits as a generator, so spawning many costs far less
 * memory and collection (skynet: 0.16–0.22x the CPU time of `spawn`;
 * spawn+join of 1M: 0.58–0.66x; docs/design.md has the figures). Errors, kills and
 * `joinable: false` behave as with `spawn`.
 *
 * @example
 * const t = spawnNow(leaf(i)); // leaf has run (and perhaps ended) here
 */
export function spawnNow<T>(body: Body<T>, options?: SpawnOptions): Tasklet<T> {
  return spawnAs("spawnNow", body, options, true);
}

/** `spawn` (or `spawnNow`), with its errors naming `what` (`Scope.spawn`). */
export function spawnAs<T>(what: string, body: Body<T>, options: SpawnOptions | undefined, now = false): Tasklet<T> {
  const level = checkOptions(what, options);
  const parent = current;
  const gen = toIterator(what, body);
  if (parent !== null) {
    const rt = parent.rt;
    if (now) return rt.spawnNow(gen, options?.name, options?.joinable ?? true, level, parent, parent.group);
    return rt.spawn(gen, options?.name, options?.joinable ?? true, level, parent, parent.group);
  }
  const rt = runtime();
  defaultGroupOfThread ??= defaultGroup(rt);
  return rt.spawn(gen, options?.name, options?.joinable ?? true, level, null, defaultGroupOfThread);
}

/**
 * The tasklet that is running (exported as `current`). Throws `TaskletError`
 * outside a tasklet.
 *
 * @example
 * const me = current();
 * console.log(`${me.name} (#${me.id}) at work`);
 */
export function self(): Tasklet {
  if (current === null) throw new TaskletError("current() must be called inside a tasklet");
  return current;
}
