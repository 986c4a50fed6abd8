/**
 * The contract between the runtime and the time layer's timer heap.
 *
 * The runtime keeps a TimerService in `Runtime.timers` (null until the time
 * layer first needs one) and calls it from its loop only: `poll` when the
 * ready queues run dry and every CLOCK_EVERY steps, `arm` when the loop goes
 * idle, `size` to decide whether an idle loop may be a deadlock. The core
 * never imports the time layer: time/timers.ts implements this interface.
 *
 * Invariant: `size` is 0 exactly when no timer is armed; the deadlock check
 * (deadlock.ts) relies on it.
 */

/** What the time layer keeps in `Runtime.timers` (time/timers.ts implements it). */
export interface TimerService {
  /** Number of armed timers. */
  readonly size: number;
  /** Fires every timer due at `now`. */
  poll(now: number): void;
  /** Arms the host timer for the earliest deadline (the loop is going idle). */
  arm(): void;
  /** Earliest deadline, or Infinity. */
  nextDeadline(): number;
}
