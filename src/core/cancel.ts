/**
 * Cancelling a part of a tasklet: the frame that timeout() and scope() put
 * between a tasklet and the operation they bound, and the resumption of a
 * kill's unwinding after a cleanup that blocked.
 *
 * `cancellable(op, token)` drives `op` by hand, so that it is the OUTERMOST
 * frame suspended at a plain `yield` between the tasklet's body and the op:
 * whatever the runtime throws into the tasklet arrives here first (a
 * `yield*` chain forwards a throw down to the first frame suspended at a
 * plain `yield`). Its `token` is the private error that its owner raises
 * with `interrupt` (delivery.ts: a timer, a failing child).
 *
 * Invariants:
 *   - the token is seen by exactly its own frame: this frame closes the op
 *     with `return()` (its `finally` blocks run, and may block) and returns
 *     CANCELLED; any other error (a deeper frame's token included) is thrown
 *     into the op, where its own frame finds it. So user code never sees a
 *     token: the owner's `disarm` stops the source of the token and
 *     withdraws a pending one (`cancelInterrupt`, delivery.ts) before any cleanup
 *     of the op runs, however the frame ends;
 *   - a return (a kill) is forwarded into the op, whose cleanup runs to its
 *     end even if it blocks (`close`); then the kill's unwinding resumes
 *     (`UNWIND`), because a frame that resumed from a blocking cleanup with
 *     `next()` has left JavaScript's return mode: without it, the frames
 *     above would go on as if the op had returned, and a killed tasklet
 *     would run the rest of its body. (The same holds for any generator whose
 *     `finally` blocks; the runtime cannot see user frames, so this is done
 *     for the library's frames: docs/reliability.md, "Kills".)
 */

import { currentOrThrow, Op, type Operation, SUSPEND, type Suspend } from "./op.js";
import { RESUME_RETURN, type Tasklet } from "./tasklet.js";
import { unwindRestarts } from "./unwind.js";

/** What `cancellable` returns when its token cancelled the op. */
export const CANCELLED: unique symbol = Symbol("cancelled");
export type Cancelled = typeof CANCELLED;

/**
 * Runs `op` in the current tasklet until it ends, or until `token` is thrown
 * into the tasklet: then the op is closed (its cleanup runs) and CANCELLED
 * is returned. `disarm` is called once the token can no longer be wanted,
 * before any cleanup of the op runs (the op ended, failed, was cancelled,
 * or a return goes through): it must stop whatever raises the token and
 * withdraw a pending one, so that the token never lands in the op's cleanup.
 * See the file comment for what it guarantees.
 */
export function* cancellable<T>(
  op: Operation<T>,
  token: unknown,
  disarm: () => void,
): Generator<Suspend, T | Cancelled, unknown> {
  const t = currentOrThrow("cancellable");
  const dyingAtStart = t.isDying();
  const it = op[Symbol.iterator]();
  let open = true;
  let failed = false;
  try {
    let r = it.next();
    for (;;) {
      if (r.done === true) {
        open = false;
        return r.value;
      }
      let v: unknown;
      try {
        v = yield r.value;
      } catch (e) {
        if (e !== token) {
          // Not ours: the op's error to handle, or a deeper frame's token for its own frame.
          r = throwInto(it, e);
          continue;
        }
        open = false;
        disarm();
        yield* close(it);
        return CANCELLED;
      }
      r = it.next(v);
    }
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    disarm();
    if (open && !failed) {
      // A return went through this frame: a kill (or an outer frame closing us).
      yield* close(it);
      if (!dyingAtStart && t.isDying()) yield* UNWIND;
    }
  }
}

function throwInto<T>(it: Iterator<Suspend, T, unknown>, e: unknown): IteratorResult<Suspend, T> {
  if (it.throw === undefined) throw e;
  return it.throw(e);
}

/**
 * Returns `it` and drives its cleanup to the end (it may block). Driven with
 * a native `yield*` over an iterator that starts with `it.return()`, so that
 * what the runtime delivers meanwhile (a kill's return, an error) is
 * forwarded into `it` as into any frame.
 */
export function* close<T>(it: Iterator<Suspend, T, unknown>): Generator<Suspend, void, unknown> {
  const ret = it.return;
  if (ret === undefined) return;
  let first = true;
  const closing: Iterator<Suspend, unknown, unknown> = {
    next(v?: unknown) {
      if (first) {
        first = false;
        return ret.call(it);
      }
      return it.next(v);
    },
    throw(e?: unknown) {
      return throwInto(it, e);
    },
    return(v?: unknown) {
      return ret.call(it, v as T);
    },
  };
  yield* { [Symbol.iterator]: () => closing };
}

/**
 * Resumes the unwinding of a kill at this point: the tasklet goes on with a
 * return, as if the kill were delivered here. Used by library frames after
 * a cleanup that may have blocked (`cancellable`, scope's drain, a file's
 * close), only when the kill came while the frame ran.
 */
class Unwind extends Op<never> {
  start(t: Tasklet): Suspend {
    // Not parked: t stays RUNNING, and step() resumes it with a return at once (as deliverPending does).
    t.resumeKind = RESUME_RETURN;
    t.value = undefined;
    unwindRestarts(t);
    return SUSPEND;
  }
  describe(): string {
    return "the unwinding of a kill (UNWIND)";
  }
}

/** `yield* UNWIND`: go on unwinding the delivered kill from here. */
export const UNWIND: Operation<never> = new Unwind();

/** Whether the current tasklet runs the cleanup of a delivered kill (library frames record it at their start). */
export function dyingNow(): boolean {
  return currentOrThrow("dyingNow").isDying();
}

/**
 * At the end of a library frame's `finally` that may have blocked: if the
 * kill came while the frame ran (it was not dying at the start), resume the
 * kill's unwinding. A no-op otherwise.
 */
export function* unwindIfKilledSince(dyingAtStart: boolean): Generator<Suspend, void, unknown> {
  if (!dyingAtStart && dyingNow()) yield* UNWIND;
}
