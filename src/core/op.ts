/**
 * The suspension protocol: how a tasklet performs an operation.
 *
 * A tasklet is a generator. It performs an operation with `yield* op`, where
 * `op` is an `Op`. `yield*` calls `op[Symbol.iterator]()`, which records the
 * op and returns `ITER`, one iterator shared by every tasklet of the thread
 * (a thread runs one tasklet at a time, and a tasklet performs one operation
 * at a time). `yield*` then calls `ITER.next()`, which starts the op on the
 * current tasklet:
 *
 *   - the op completes at once (a buffered value, a free lock): `ITER.next`
 *     returns `{ done: true, value }` and the tasklet goes on without
 *     suspending at all;
 *   - the op must wait: it parks the tasklet (on a wait queue, the timer heap,
 *     the ready queue) and returns `SUSPEND`; `ITER.next` yields it
 *     (`SUSPEND_RESULT`, `{ done: false, value: SUSPEND }`), and `yield*`
 *     passes it up through every user frame to the scheduler's `gen.next()`.
 *
 * The suspension has one name: `SUSPEND`, of the public type `Suspend`, is
 * both what `Op.start` returns when it parked the tasklet and what the
 * tasklet yields to the scheduler.
 *
 * To resume, the scheduler sets `resuming` and calls `gen.next(value)`;
 * `yield*` forwards it down to `ITER.next(value)`, which sees `resuming` and
 * returns `{ done: true, value }`: the value of the `yield*` expression.
 * A kill resumes with `gen.return()` and `yield*` forwards it to
 * `ITER.return`, so every `finally` between here and the tasklet's body runs;
 * an error is delivered with `gen.throw()` and raised at the `yield*`.
 *
 * Nothing is allocated per operation by this protocol: the two result
 * objects are reused (`yield*` reads them at once and keeps no reference).
 *
 * Invariants:
 *   - `resuming` is true only between the scheduler's `gen.next(v)` and the
 *     `ITER.next(v)` it reaches; `[Symbol.iterator]` clears it, so a tasklet
 *     stepped for the first time (not suspended in an op) cannot mistake its
 *     first op for a resumption.
 *   - `pendingOp` is set by `[Symbol.iterator]` and consumed by the
 *     `ITER.next` that immediately follows.
 *
 * runtime.ts knows this protocol: it sets `resuming` before `gen.next` and
 * checks that whatever a tasklet yields is `SUSPEND`.
 *
 * Probe (for dumps): JavaScript cannot read where a suspended generator
 * stands, but the protocol can. `probeSuspension(t)` resumes `t`'s generator
 * with `probing` set and no op pending; `yield*` forwards the resumption down
 * every user frame to `ITER.next`, which captures `new Error()` (its stack
 * holds each frame at its suspended `yield*` line) and returns `SUSPEND_RESULT`
 * again, so every frame re-suspends where it stood and no user code runs.
 * This holds because every suspension bottoms out in ITER (ops subclass
 * `Op`); test/inspect/dump.test.ts probes each kind of wait.
 */

import { awaitedOperation } from "./check.js";
import { deliverPending, runPosted } from "./delivery.js";
import { TaskletError } from "./errors.js";
import { BLOCKED, F_AT_NEXT_OP, F_PENDING, F_PENDING_CALL, F_UNWINDING, READY, RESUME_RETURN } from "./flags.js";
import type { Tasklet } from "./tasklet.js";
import { unwindLost } from "./unwind.js";

declare const suspendBrand: unique symbol;
/** What an operation yields to the scheduler; opaque to users. */
export interface Suspend {
  readonly [suspendBrand]: true;
}

/**
 * An operation that produces a `T`: use it with `yield*` inside a tasklet.
 * Generator functions that use operations are declared to return
 * `Operation<T>`:
 *
 * An operation is not a promise: `await` of one of the runtime's operations
 * (`await sleep(100)`, a forgotten `yield*` in async code) rejects with a
 * `TypeError` that says to use `yield*`, or `run()` from async code. An
 * operation written as a generator function (`timeout()`, your own
 * helpers) is a plain generator, which `await` cannot catch.
 *
 * @example
 * function* twice(ch: Channel<number>): Operation<number> {
 *   return (yield* ch.recv()) + (yield* ch.recv());
 * }
 */
export interface Operation<T> {
  [Symbol.iterator](): Iterator<Suspend, T, unknown>;
}

/**
 * The suspension: returned by `Op.start` when it parked the tasklet, and the
 * value the tasklet then yields to the scheduler (runtime.ts checks it).
 */
export const SUSPEND = Symbol("suspend") as unknown as Suspend;

/** The tasklet that is running on this thread, or null between steps. */
export let current: Tasklet | null = null;
/** Set by the scheduler only. */
export function setCurrent(t: Tasklet | null): void {
  current = t;
}

let resuming = false;
/** Set by the scheduler right before `gen.next(value)` of a parked tasklet. */
export function setResuming(): void {
  resuming = true;
}

let pendingOp: Op<unknown> | null = null;

let probing = false;
let probed: Error | null = null;

/** The iterator result by which ITER yields SUSPEND (reused). */
const SUSPEND_RESULT: IteratorYieldResult<Suspend> = { done: false, value: SUSPEND };
const DONE: { done: true; value: unknown } = { done: true, value: undefined };

const ITER: Iterator<Suspend, unknown, unknown> = {
  next(value?: unknown): IteratorResult<Suspend, unknown> {
    if (resuming) {
      resuming = false;
      DONE.value = value;
      return DONE;
    }
    const op = pendingOp;
    pendingOp = null;
    const t = current;
    if (op === null) {
      if (probing) {
        // probeSuspension(): record where the tasklet is suspended; it stays suspended.
        probing = false;
        probed = new Error("suspended here");
        return SUSPEND_RESULT;
      }
      throw new TaskletError("operation iterated by hand: use `yield*` on it");
    }
    if (t === null) {
      throw new TaskletError(
        `${describeOp(op)}: an operation must be used with yield* inside a tasklet (start one with run() or spawn())`,
      );
    }
    if ((t.flags & F_AT_NEXT_OP) !== 0) {
      if ((t.flags & F_PENDING_CALL) !== 0) runPosted(t);
      if ((t.flags & F_UNWINDING) !== 0 && unwindLost(t)) {
        // A frame above a cleanup that waited went on as if its call had returned: return again from here.
        t.resumeKind = RESUME_RETURN;
        t.value = undefined;
        return SUSPEND_RESULT;
      }
      if ((t.flags & F_PENDING) !== 0) {
        deliverPending(t);
        return SUSPEND_RESULT;
      }
    }
    const v = op.start(t);
    if (v === SUSPEND) return SUSPEND_RESULT;
    DONE.value = v;
    return DONE;
  },
  throw(error?: unknown): IteratorResult<Suspend, unknown> {
    resuming = false;
    throw error;
  },
  return(value?: unknown): IteratorResult<Suspend, unknown> {
    resuming = false;
    DONE.value = value;
    return DONE;
  },
};

/**
 * An operation of the runtime. `start(t)` runs on the current tasklet `t`
 * when the op is `yield*`ed: it returns the result at once, or parks `t` and
 * returns `SUSPEND`; the value `t` is later woken with becomes the result.
 * `start` may throw: the error is raised in the tasklet at the `yield*`.
 */
export abstract class Op<T> implements Operation<T> {
  [Symbol.iterator](): Iterator<Suspend, T, unknown> {
    pendingOp = this;
    resuming = false;
    return ITER as Iterator<Suspend, T, unknown>;
  }
  abstract start(t: Tasklet): T | Suspend;
}

/**
 * What `op` does or waits on, in words (`recv on channel#3 (capacity 0)`),
 * for an error: its `describe()`, which every op of the runtime has (a
 * class name would change with a rename or a minifier). Not abstract on
 * `Op`, so an op written outside the runtime needs none; outside a tasklet
 * some cannot describe themselves, and are "an operation".
 */
function describeOp(op: Op<unknown>): string {
  const d = (op as { describe?: unknown }).describe;
  if (typeof d !== "function") return "an operation";
  try {
    return String(d.call(op));
  } catch {
    return "an operation"; // a describe() that needs a runtime (a timer's reads its clock)
  }
}

// `await op` (a forgotten `yield*`, or async code) rejects with a TypeError
// that says to use `yield*` or run(). On the prototype and out of the class,
// so the types do not make an operation look like a promise (TS still refuses
// nothing: `await` accepts any value) and no instance grows a field. Ops made
// by generator functions (`timeout()`, user helpers) are plain generators and
// have no trap.
// biome-ignore lint/suspicious/noThenProperty: the thenable is the trap that makes `await op` fail loudly
Object.defineProperty(Op.prototype, "then", { value: awaitedOperation, writable: true, configurable: true });

/**
 * Where the suspended tasklet `t` stands: an Error whose stack lists its
 * frames at their suspended `yield*`, innermost first (formatted only when
 * read). Null if `t` is not suspended in an op (new, running, ended) or its
 * body is not a native generator. Costs one resumption and one stack capture
 * (a few µs); nothing runs in the tasklet and its state is unchanged.
 */
export function probeSuspension(t: Tasklet): Error | null {
  const gen = t.gen;
  if (gen === null || t === current || (t.state !== READY && t.state !== BLOCKED)) return null;
  if (Object.prototype.toString.call(gen) !== "[object Generator]") return null;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64;
  probing = true;
  probed = null;
  // A probe never resumes the tasklet: a `resuming` flag left set by a step
  // whose resumption did not reach ITER (its loop unwound by a throw) would
  // make ITER return DONE and run the tasklet's code.
  resuming = false;
  try {
    gen.next();
  } catch {
    // Running already (on the stack of another runtime's step): no probe.
  } finally {
    probing = false;
    Error.stackTraceLimit = limit;
  }
  const e = probed;
  probed = null;
  return e;
}

/** The current tasklet, or an error naming `what` if called outside one. */
export function currentOrThrow(what: string): Tasklet {
  if (current === null) throw new TaskletError(`${what} must be called inside a tasklet`);
  return current;
}
