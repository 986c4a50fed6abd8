/**
 * VirtualHost: a host whose clock is virtual and jumps to the next timer
 * deadline as soon as every tasklet is blocked (Trio's autojump clock,
 * `trio.testing.MockClock(autojump_threshold=0)`). A test of a 10-minute
 * timeout runs in microseconds and ends the same way every run.
 *
 * The clock starts at 0 and moves only by jumps: it stands still while
 * tasklets run, however long they run in real time, so what a program sees
 * of time depends on its own sleeps and timeouts and nothing else. Only the
 * runtime's clock is virtual (`now()`, sleep, timeout, every timer of the
 * time layer); `Date.now()` and `performance.now()` stay real.
 *
 * The jump rule. After the run loop drains its ready queues it calls
 * `idle(rt)`; the host then checks on a later turn of the event loop (so
 * microtasks and I/O callbacks already due get to run first) and jumps only
 * if all of these hold at that moment:
 *   1. no callback the runtime gave this host (`soon`/`defer`: a loop kick,
 *      a deferred step, a deadlock check) is pending: ready work exists only
 *      while the loop runs or a kick is pending (runtime.ts), so none is ready;
 *   2. `rt.holds === 0`: no host operation is outstanding (a promise in
 *      `call()`, a socket read);
 *   3. a timer is armed (otherwise there is nothing to jump to, and the
 *      core's deadlock check decides).
 * Then the clock is set to the earliest deadline and the runtime's host
 * timer callback runs, which fires every timer due (equal deadlines in the
 * order they were set, as the heap guarantees).
 *
 * While a host operation is outstanding (rule 2 fails), time must not jump:
 * real I/O may still wake a tasklet, and a jump would let a 10-minute
 * virtual timeout beat a reply that comes in 2 real milliseconds. Instead
 * the virtual clock follows the real one ("flows") from that moment until
 * the holds are gone, with a real timer armed for the earliest deadline, as
 * the real runtime would: I/O and timers then race exactly as they would in
 * production, and a timeout around I/O that never ends fires after its real
 * duration instead of hanging the test. When the holds are gone the clock
 * stops flowing (rounded up to a whole millisecond) and jumps again. A run
 * that does real I/O is therefore only as reproducible as that I/O.
 *
 * Since the clock does not advance during a run of the loop (outside flow),
 * the core's time budget never makes the loop yield to the event loop under
 * virtual time: a run is a function of the program alone. (A tasklet that
 * spins on `schedule()` forever therefore holds the thread, and time never
 * jumps.)
 *
 * Invariants: `now()` never decreases; `pending` counts soon/defer callbacks
 * not yet run; at most one jump check (`jumpPending`) is queued at a time;
 * `realTimer` is armed only while flowing.
 */

import type { Host } from "../core/host.js";
import type { Runtime } from "../core/runtime.js";

/**
 * A host with a virtual clock that jumps to the next timer deadline when
 * every tasklet is blocked and no host operation is held (the rule above).
 * `createTestRuntime()` and `runTest()` make one per runtime.
 *
 * @example
 * const rt = new Runtime(new VirtualHost());
 * await run(function* () { yield* sleep(600_000); return now(); }, { runtime: rt }); // 600000, at once
 */
export class VirtualHost implements Host {
  /** Virtual ms; while flowing, the virtual time at `flowFrom`. */
  private time = 0;
  /** performance.now() when the clock began to follow the real one, or -1. */
  private flowFrom = -1;
  private realTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private timerCb: (() => void) | null = null;
  private pending = 0;
  private jumpPending = false;
  private stopped = false;
  private rt: Runtime | null = null;
  /** How many times the clock jumped (for tests and reports). */
  jumps = 0;

  /** Virtual milliseconds since the host was made. */
  now(): number {
    return this.flowFrom < 0 ? this.time : this.time + (performance.now() - this.flowFrom);
  }

  /** Whether the clock follows the real one (a host operation is outstanding). */
  get flowing(): boolean {
    return this.flowFrom >= 0;
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

  /**
   * Under virtual time only the runtime's holds count as outside wake-ups
   * (a promise in call(), real I/O): a host callback that the test does not
   * await through the runtime would make the run depend on real time.
   */
  outsideAlive(): boolean {
    return false;
  }

  later(delayMs: number, cb: () => void): void {
    setTimeout(cb, delayMs);
  }

  /** No more jumps: the test is over (the runtime's timers, if any, never fire). */
  stop(): void {
    this.stopped = true;
    this.stopFlow();
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
    const timers = rt.timers;
    // 2. Real I/O may still wake someone: no jump; the clock follows the real one.
    if (rt.holds > 0) {
      if (this.flowFrom < 0) this.flowFrom = performance.now();
      if (this.realTimer !== undefined) clearTimeout(this.realTimer);
      this.realTimer = undefined;
      if (timers !== null && timers.size > 0) {
        this.realTimer = setTimeout(this.onRealTimer, Math.max(0, Math.ceil(timers.nextDeadline() - this.now())));
      }
      return;
    }
    this.stopFlow();
    // 3. Nothing to jump to.
    if (timers === null || timers.size === 0) return;
    const at = timers.nextDeadline();
    if (at > this.time) this.time = at;
    this.jumps++;
    const cb = this.timerCb;
    this.timerCb = null;
    if (cb !== null) cb();
    else rt.runNow();
  };

  /** While flowing: the earliest deadline came in real time. */
  private readonly onRealTimer = (): void => {
    this.realTimer = undefined;
    if (this.stopped) return;
    // The loop fires what is due at now() and goes idle, which checks again.
    this.rt?.runNow();
    this.scheduleJump();
  };

  private stopFlow(): void {
    if (this.realTimer !== undefined) clearTimeout(this.realTimer);
    this.realTimer = undefined;
    if (this.flowFrom < 0) return;
    this.time = Math.ceil(this.now());
    this.flowFrom = -1;
  }
}
