/**
 * The host: what a runtime needs from the thread it runs on. `RealHost` is
 * Node's event loop and monotonic clock; the testing layer supplies a
 * virtual one. This file and the time layer's driver are the only places
 * that touch `setTimeout`, `setImmediate` and `queueMicrotask` (a lint rule
 * keeps it so), so virtual time cannot be bypassed.
 */

import type { Runtime } from "./runtime.js";

export interface Host {
  /** Monotonic milliseconds. */
  now(): number;
  /** Arms the runtime's one host timer to call `cb` after `delayMs`, replacing any earlier one. */
  setTimer(delayMs: number, cb: () => void): void;
  /** Disarms the host timer. */
  clearTimer(): void;
  /** Calls `cb` on a later turn of the event loop, after pending I/O. */
  defer(cb: () => void): void;
  /** Calls `cb` soon, before any I/O (a microtask). */
  soon(cb: () => void): void;
  /** The runtime drained its ready queue; a virtual host may advance time here. */
  idle(rt: Runtime): void;
  /** Reports an error outside any tasklet as uncaught (the process's policy). */
  fatal(error: unknown): void;
}

export class RealHost implements Host {
  private handle: ReturnType<typeof setTimeout> | undefined = undefined;
  now(): number {
    return performance.now();
  }
  setTimer(delayMs: number, cb: () => void): void {
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handle = setTimeout(cb, delayMs);
  }
  clearTimer(): void {
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handle = undefined;
  }
  defer(cb: () => void): void {
    setImmediate(cb);
  }
  soon(cb: () => void): void {
    queueMicrotask(cb);
  }
  idle(): void {}
  fatal(error: unknown): void {
    // As Node does for an unhandled rejection: an uncaught exception on a later tick.
    process.nextTick(() => {
      throw error;
    });
  }
}
