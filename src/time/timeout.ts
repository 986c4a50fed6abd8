/**
 * timeout(ms, op): run `op` in the current tasklet for at most `ms`.
 *
 * The op runs in a `cancellable` frame (core/cancel.ts) that sits between
 * the tasklet's body and the op and drives the op by hand. On expiry a
 * timer interrupts the tasklet (its current wait is withdrawn, nothing it
 * would have won is consumed) with this timeout's private token.
 *
 * Invariants (docs/reliability.md, "Timeouts"):
 *   - each expiry is seen as `TimeoutError` by exactly the frame it belongs
 *     to: its cancellable frame closes the op with `return()` (so the op's
 *     `finally` blocks run, and may block), and this frame throws
 *     `TimeoutError`; any other error, a deeper frame's token included, is
 *     thrown into the op, where the frame it belongs to is found;
 *   - user code never sees a token: its frame is on the stack while its
 *     timer is armed or its interrupt pending (the frame's `disarm` removes
 *     the timer and withdraws a pending interrupt before the op's cleanup);
 *   - no expiry is lost: a tasklet may have several interrupts pending
 *     (delivery.ts), one per timeout, each delivered at a next op;
 *   - a timeout started in the cleanup of a killed tasklet interrupts that
 *     cleanup; one started before the kill does not (the kill already won:
 *     delivery.ts drops interrupts of a dying tasklet unless they are its
 *     cleanup's own).
 *
 * If the tasklet is not blocked when the timer fires (it has a value in hand),
 * the interrupt is delivered at its next op, as a kill is.
 */

import { CANCELLED, cancellable } from "../core/cancel.js";
import { checkOperation } from "../core/check.js";
import { cancelInterrupt, interrupt } from "../core/delivery.js";
import { TaskletError, TimeoutError } from "../core/errors.js";
import { currentOrThrow, type Operation } from "../core/op.js";
import { F_TIMED, type Tasklet } from "../core/tasklet.js";
import { checkMs, Timer, type Timers, timersOf } from "./timers.js";

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
    /** Null once removed: a removed timer may stay in the heap a while (heap.ts) and keeps nothing alive. */
    public t: Tasklet | null,
    private token: Interrupt | null,
  ) {
    super();
    this.inCleanup = (t as Tasklet).isDying();
  }
  fire(): void {
    interrupt(this.t as Tasklet, this.token as Interrupt, this.inCleanup);
  }
  /** Disarms the timer and lets go of its tasklet. */
  removeFrom(timers: Timers): void {
    timers.remove(this);
    this.t = null;
    this.token = null;
  }
  describe(): string {
    return `timeout of ${this.t === null ? "an ended wait" : this.t.describe()}`;
  }
}

/**
 * Runs `op`; if it has not finished after `ms` milliseconds, stops it (its
 * cleanup runs) and throws `TimeoutError`. Nested timeouts each throw at
 * their own frame; a timeout started in the cleanup of a killed tasklet
 * bounds that cleanup. `timeout(Infinity, op)` is `op`. An op that did part
 * of its work before it was stopped says how much in a numeric `sent` (a
 * TCP send: the bytes handed to the kernel), which the error carries.
 *
 * @example
 * const line = yield* timeout(1000, conn.recv(buf));
 */
export function* timeout<T>(ms: number, op: Operation<T>): Operation<T> {
  checkMs("timeout", ms);
  checkOperation("timeout", "op", op);
  const t = currentOrThrow("timeout");
  if (ms === Number.POSITIVE_INFINITY) return yield* op;
  const token = new Interrupt(`timeout after ${ms} ms`);
  const timer = new InterruptTimer(t, token);
  const timers = timersOf(t.rt);
  timers.add(timer, ms);
  const timed = t.flags & F_TIMED; // an outer timeout's mark, restored when this one ends
  t.flags |= F_TIMED;
  const r = yield* cancellable(op, token, () => {
    t.flags = (t.flags & ~F_TIMED) | timed;
    timer.removeFrom(timers);
    cancelInterrupt(t, token);
  });
  if (r === CANCELLED) throw timedOut(ms, op);
  return r;
}

/** The TimeoutError of `op`, stopped after `ms`; it carries a numeric `sent` of the op. */
function timedOut(ms: number, op: unknown): TimeoutError {
  const e = new TimeoutError(`timed out after ${ms} ms`);
  const sent = (op as { sent?: unknown }).sent;
  if (typeof sent === "number") e.sent = sent;
  return e;
}
