/**
 * VirtualHost: a host whose clock is virtual and jumps to the next timer
 * deadline as soon as every tasklet is blocked (Trio's autojump clock,
 * `trio.testing.MockClock(autojump_threshold=0)`). A test of a 10-minute
 * timeout runs in microseconds and ends the same way every run.
 *
 * The clock starts at 0 and moves only by jumps: it stands still while
 * tasklets run, however long they run in real time, so what a program sees
 * of time depends on its own sleeps and timeouts and nothing else.
 *
 * The jump rule. After the run loop drains its ready queues it calls
 * `idle(rt)`; the host then checks on a later turn of the event loop (so
 * microtasks and I/O callbacks already due get to run first) and jumps only
 * if all of these hold at that moment:
 *   1. no callback the runtime gave this host (`soon`/`defer`: a loop kick,
 *      a deferred step, a deadlock check) is pending: ready work exists only
 *      while the loop runs or a kick is pending (runtime.ts), so none is ready;
 *   2. `rt.holds === 0`: no host operation is outstanding (a promise in
 *      `call()`, a socket read). Real I/O may still wake a tasklet, and
 *      virtual time must not run ahead of it: while anything is held, virtual
 *      time stands still. So `timeout(1000, call(() => neverSettles))` never
 *      times out under virtual time; a test of real I/O with a virtual
 *      timeout sees the timeout only after the I/O ended;
 *   3. a timer is armed (otherwise there is nothing to jump to, and the
 *      core's deadlock check decides).
 * Then the clock is set to the earliest deadline and the runtime's host
 * timer callback runs, which fires every timer due (equal deadlines in the
 * order they were set, as the heap guarantees).
 *
 * While holds > 0 the host re-checks on an unref'd real timer every
 * HELD_POLL_MS, in case a hold ends without waking a tasklet (which would
 * otherwise never call idle() again). The poll never keeps a process alive.
 *
 * Since the clock does not advance during a run of the loop, the core's
 * time budget never makes the loop yield to the event loop under virtual
 * time: a run is a function of the program alone. (A tasklet that spins on
 * `schedule()` forever therefore holds the thread, and time never jumps.)
 *
 * Invariants: `time` never decreases; `pending` counts soon/defer callbacks
 * not yet run; at most one jump check (`jumpPending`) is queued at a time.
 */

import type { Host } from "../core/host.js";
import type { Runtime } from "../core/runtime.js";

/** Real milliseconds between re-checks while a host operation is held. */
export const HELD_POLL_MS = 5;

export class VirtualHost implements Host {
  private time = 0;
  private timerCb: (() => void) | null = null;
  private pending = 0;
  private jumpPending = false;
  private stopped = false;
  private rt: Runtime | null = null;
  private heldPoll: ReturnType<typeof setTimeout> | undefined = undefined;
  /** How many times the clock jumped (for tests and reports). */
  jumps = 0;

  /** Virtual milliseconds since the host was made. */
  now(): number {
    return this.time;
  }

  setTimer(_delayMs: number, cb: () => void): void {
    // The deadline is read from the runtime's timers at the jump; only the callback matters.
    this.timerCb = cb;
  }

  clearTimer(): void {
    this.timerCb = null;
  }

  defer(cb: () => void): void {
    this.pending++;
    setImmediate(() => {
      this.pending--;
      cb();
    });
  }

  soon(cb: () => void): void {
    this.pending++;
    queueMicrotask(() => {
      this.pending--;
      cb();
    });
  }

  idle(rt: Runtime): void {
    this.rt = rt;
    this.scheduleJump();
  }

  fatal(error: unknown): void {
    process.nextTick(() => {
      throw error;
    });
  }

  /** No more jumps: the test is over (the runtime's timers, if any, never fire). */
  stop(): void {
    this.stopped = true;
    if (this.heldPoll !== undefined) clearTimeout(this.heldPoll);
    this.heldPoll = undefined;
  }

  private scheduleJump(): void {
    if (this.jumpPending || this.stopped) return;
    this.jumpPending = true;
    setImmediate(this.jump);
  }

  private readonly jump = (): void => {
    this.jumpPending = false;
    const rt = this.rt;
    if (this.stopped || rt === null) return;
    // 1. A kick or a deferred step is on its way: let it run, then look again.
    if (this.pending > 0) {
      this.scheduleJump();
      return;
    }
    // 3. Nothing to jump to.
    const timers = rt.timers;
    if (timers === null || timers.size === 0) return;
    // 2. Real I/O may still wake someone: time stands still; poll in case a hold ends silently.
    if (rt.holds > 0) {
      if (this.heldPoll === undefined) {
        this.heldPoll = setTimeout(() => {
          this.heldPoll = undefined;
          this.scheduleJump();
        }, HELD_POLL_MS);
        this.heldPoll.unref();
      }
      return;
    }
    const at = timers.nextDeadline();
    if (at > this.time) this.time = at;
    this.jumps++;
    const cb = this.timerCb;
    this.timerCb = null;
    if (cb !== null) cb();
    else rt.runNow();
  };
}
