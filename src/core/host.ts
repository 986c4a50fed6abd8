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
  /**
   * Whether something outside the runtime is alive and may still call back
   * into it (a host timer, socket, child process, worker, fs request): the
   * deadlock check waits while it is (deadlock.ts).
   */
  outsideAlive(): boolean;
  /** Calls `cb` once after `delayMs`, apart from the runtime's host timer; the wait keeps the process alive. */
  later(delayMs: number, cb: () => void): void;
}

const NONE: ReadonlySet<unknown> = new Set();

interface StdioHandle {
  fd?: number;
  _handle?: { fd?: number; reading?: boolean };
}

/**
 * Counts what keeps Node's event loop alive, as `process.getActiveResourcesInfo()`
 * lists it, less the standard streams: Node lists stdout and stderr pipes
 * (and stdin once opened) although they keep nothing alive unless stdin is
 * being read. The stdio handles are found with `process._getActiveHandles()`
 * (undocumented but present from Node 0.x to 26); where it is missing,
 * every TTY entry and up to three pipe entries are taken for stdio.
 */
export function outsideResources(ignored: ReadonlySet<unknown> = NONE): number {
  const info = process.getActiveResourcesInfo();
  let n = info.length;
  if (n === 0) return 0;
  const handles = (process as unknown as { _getActiveHandles?: () => StdioHandle[] })._getActiveHandles;
  if (typeof handles === "function") {
    for (const h of handles.call(process)) {
      const fd = h.fd ?? h._handle?.fd;
      if (fd === 1 || fd === 2 || (fd === 0 && h._handle?.reading !== true) || ignored.has(h)) n--;
    }
    return n;
  }
  let pipes = 0;
  for (const r of info) {
    if (r === "TTYWrap") n--;
    else if (r === "PipeWrap" && pipes < 3) {
      pipes++;
      n--;
    }
  }
  return n;
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
  /** Handles that never wake a tasklet of this runtime (a pool worker's control port), left out of `outsideAlive`. */
  private readonly ignored = new Set<unknown>();
  /** Leaves `handle` out of what counts as alive outside the runtime. */
  ignoreHandle(handle: unknown): void {
    this.ignored.add(handle);
  }
  outsideAlive(): boolean {
    return outsideResources(this.ignored) > 0;
  }
  later(delayMs: number, cb: () => void): void {
    // Node counts a timer among the active resources while its own callback
    // runs: call `cb` from an immediate, where this timer no longer counts.
    setTimeout(() => setImmediate(cb), delayMs);
  }
}
