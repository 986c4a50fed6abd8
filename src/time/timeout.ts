/**
 * timeout(ms, op): run `op` in the current tasklet for at most `ms`.
 *
 * The op is driven by hand here (not with `yield*`), so this frame sits
 * between the tasklet's body and the op: anything the runtime throws into
 * the tasklet arrives at the OUTERMOST such frame first (a `yield*` chain
 * forwards a throw down to the first frame suspended at a plain `yield`).
 * On expiry a timer interrupts the tasklet (its current wait is withdrawn,
 * nothing it would have won is consumed) with this frame's private token.
 *
 * Invariants (docs/reliability.md, "Timeouts"):
 *   - each expiry is seen as `TimeoutError` by exactly the frame it belongs
 *     to: a frame that catches its own token closes the op with `return()`
 *     (so the op's `finally` blocks run, and may block) and throws
 *     `TimeoutError`; any other error, a deeper frame's token included, is
 *     thrown into the op, where the frame it belongs to is found;
 *   - user code never sees a token: the token's frame is on the stack while
 *     its timer is armed or its interrupt pending (this frame's `finally`
 *     disarms the timer and withdraws a pending interrupt);
 *   - a timeout started in the cleanup of a killed tasklet interrupts that
 *     cleanup; one started before the kill does not (the kill already won:
 *     delivery.ts drops interrupts of a dying tasklet unless they are its
 *     cleanup's own).
 *
 * If the tasklet is not blocked when the timer fires (it has a value in hand),
 * the interrupt is delivered at its next op, as a kill is.
 */

import { TaskletError, TimeoutError } from "../core/errors.js";
import { currentOrThrow, type Operation, type Suspend } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { checkMs, Timer, timersOf } from "./timers.js";

/** Thrown into a tasklet by an expired timeout; caught by that timeout's frame. */
class Interrupt extends TaskletError {
  override name = "Interrupt";
}

class InterruptTimer extends Timer {
  start(): never {
    throw new TaskletError("an interrupt timer is not an operation");
  }
  /** Started inside the cleanup of a killed tasklet: its interrupt may land there. */
  private readonly inCleanup: boolean;
  constructor(
    readonly t: Tasklet,
    readonly token: Interrupt,
  ) {
    super();
    this.inCleanup = t.isDying();
  }
  fire(): void {
    this.t.rt.interrupt(this.t, this.token, this.inCleanup);
  }
  describe(): string {
    return `timeout of ${this.t.describe()}`;
  }
}

/**
 * Runs `op`; if it has not finished after `ms` milliseconds, stops it (its
 * cleanup runs) and throws `TimeoutError`.
 *
 * @example
 * const line = yield* timeout(1000, conn.recv(buf));
 */
export function* timeout<T>(ms: number, op: Operation<T>): Operation<T> {
  checkMs("timeout", ms);
  const t = currentOrThrow("timeout");
  if (ms === Number.POSITIVE_INFINITY) return yield* op;
  const token = new Interrupt(`timeout after ${ms} ms`);
  const timer = new InterruptTimer(t, token);
  const timers = timersOf(t.rt);
  const it = op[Symbol.iterator]();
  let finished = false;
  timers.add(timer, ms);
  try {
    let r = it.next();
    for (;;) {
      if (r.done === true) {
        finished = true;
        return r.value;
      }
      let v: unknown;
      try {
        v = yield r.value;
      } catch (e) {
        if (e !== token) {
          // Not ours: the op's error to handle, or a deeper timeout's token for its own frame.
          r = throwInto(it, e);
          continue;
        }
        finished = true;
        yield* close(it);
        throw new TimeoutError(`timed out after ${ms} ms`);
      }
      r = it.next(v);
    }
  } finally {
    timers.remove(timer);
    t.rt.cancelInterrupt(t, token);
    if (!finished) yield* close(it);
  }
}

function throwInto<T>(it: Iterator<Suspend, T, unknown>, e: unknown): IteratorResult<Suspend, T> {
  if (it.throw === undefined) throw e;
  return it.throw(e);
}

/** Returns `it` and drives its cleanup to the end (it may block). */
function* close<T>(it: Iterator<Suspend, T, unknown>): Generator<Suspend, void, unknown> {
  if (it.return === undefined) return;
  let r = it.return();
  while (r.done !== true) r = it.next(yield r.value);
}
