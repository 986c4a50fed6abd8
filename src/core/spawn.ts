import { TaskletError, type UncaughtError } from "./errors.js";
import { current, type Operation, type Suspend } from "./op.js";
import { type Runtime, runtime } from "./runtime.js";
import { type Group, PRIORITY_LEVELS, type Priority, type Tasklet } from "./tasklet.js";

/** What `spawn` runs: a generator, or a function that returns one. */
export type Body<T> = Operation<T> | (() => Operation<T>);

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

/** Turns a body into its generator, with a clear error for anything else. */
export function toIterator<T>(what: string, body: Body<T>): Iterator<Suspend, T, unknown> {
  let it: unknown = body;
  if (typeof body === "function") it = body();
  if (typeof it === "object" && it !== null && typeof (it as Iterator<unknown>).next === "function") {
    return it as Iterator<Suspend, T, unknown>;
  }
  if (typeof it === "object" && it !== null && typeof (it as Operation<T>)[Symbol.iterator] === "function") {
    // An operation (sleep(5), ch.recv()): its iterator is shared, so run it from a generator of its own.
    return delegate(it as Operation<T>);
  }
  const got = typeof body === "function" ? `a function returning ${describe(it)}` : describe(it);
  throw new TypeError(`${what}: body must be a generator or a function returning one, got ${got}`);
}

function* delegate<T>(op: Operation<T>): Generator<Suspend, T, unknown> {
  return yield* op;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object" && typeof (v as Promise<unknown>).then === "function") {
    return "a promise (an async function? use call() to wait for promises)";
  }
  if (typeof v === "object") return "an object that is not a generator";
  return `a ${typeof v}`;
}

/** Checks the common options; returns the priority level. */
export function checkOptions(what: string, options: SpawnOptions | undefined): number {
  if (options === undefined) return 1;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${what}: options must be an object, got ${String(options)}`);
  }
  if (options.name !== undefined && typeof options.name !== "string") {
    throw new TypeError(`${what}: options.name must be a string, got ${typeof options.name}`);
  }
  if (options.joinable !== undefined && typeof options.joinable !== "boolean") {
    throw new TypeError(`${what}: options.joinable must be a boolean, got ${typeof options.joinable}`);
  }
  if (options.priority === undefined) return 1;
  const level = PRIORITY_LEVELS[options.priority];
  if (level === undefined) {
    throw new TypeError(`${what}: options.priority must be "high", "normal" or "low", got ${String(options.priority)}`);
  }
  return level;
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
 * @example
 * const t = spawn(worker(1), { name: "worker-1" });
 * const result = yield* t.join();
 */
export function spawn<T>(body: Body<T>, options?: SpawnOptions): Tasklet<T> {
  const level = checkOptions("spawn", options);
  const parent = current;
  const gen = toIterator("spawn", body);
  if (parent !== null) {
    return parent.rt.spawn(gen, options?.name, options?.joinable ?? true, level, parent, parent.group);
  }
  const rt = runtime();
  defaultGroupOfThread ??= defaultGroup(rt);
  return rt.spawn(gen, options?.name, options?.joinable ?? true, level, null, defaultGroupOfThread);
}

/** The tasklet that is running. Throws outside a tasklet. */
export function self(): Tasklet {
  if (current === null) throw new TaskletError("current() must be called inside a tasklet");
  return current;
}
