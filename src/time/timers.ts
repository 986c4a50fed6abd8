/**
 * The timers of one runtime: a 4-ary heap and one host timer armed for the
 * earliest deadline (docs/design.md, "Timers").
 *
 * The host timer is re-armed lazily: only when the run loop goes idle and the
 * earliest deadline differs from the armed one, as libuv computes its poll
 * timeout once per turn. Due timers are fired by the run loop (when its
 * queues drain, and every few dozen steps) and by the host timer's callback.
 * A host timer that fires early (Node rounds to whole milliseconds) fires
 * nothing and is re-armed for the rest.
 *
 * Accuracy: a timer never fires before its deadline; it fires as soon after
 * it as the event loop gets to it (typically within 1–2 ms, later under load).
 *
 * Long and infinite durations: a deadline further away than the host's
 * largest delay (2^31 - 1 ms, about 24.8 days) stays in the heap and the
 * host timer is armed for at most that delay, then re-armed for the rest
 * (an early host timer fires nothing). A timer added with `Infinity` never
 * fires: it is not put in the heap at all (`sleep(Infinity)` waits until
 * killed, `timeout(Infinity, op)` is `op`).
 */

import { checkDuration } from "../core/check.js";
import { Op } from "../core/op.js";
import type { Runtime, TimerService } from "../core/runtime.js";
import { type HeapEntry, TimerHeap } from "./heap.js";

/**
 * A timer: `fire()` runs once, on the runtime's thread, when it is due.
 * A timer is also an `Op`, so that an operation that waits on a timer
 * (sleep) is one object, not two; timers that are not ops never start.
 */
export abstract class Timer<T = void> extends Op<T> implements HeapEntry {
  at = 0;
  /** Written by the heap only (time/heap.ts): the number of its push while armed, -1 when not. */
  seq = -1;
  abstract fire(): void;
  /** What the timer is for, in dumps. */
  abstract describe(): string;
}

/** The largest delay a host timer takes (Node: 2^31 - 1 ms; a larger one fires after 1 ms). */
export const MAX_HOST_DELAY = 2 ** 31 - 1;

export class Timers implements TimerService {
  private readonly heap = new TimerHeap<Timer<unknown>>();
  private armedAt = Number.POSITIVE_INFINITY;

  constructor(private readonly rt: Runtime) {}

  get size(): number {
    return this.heap.size;
  }

  /** Arms `timer` to fire `ms` from now (rounded up to a whole millisecond); never, for `Infinity`. */
  add(timer: Timer<unknown>, ms: number): void {
    timer.at = Math.ceil(this.rt.host.now() + ms);
    if (ms !== Number.POSITIVE_INFINITY) this.heap.push(timer);
  }

  /** Disarms `timer`; returns whether it was armed. */
  remove(timer: Timer<unknown>): boolean {
    return this.heap.remove(timer);
  }

  nextDeadline(): number {
    return this.heap.firstAt();
  }

  poll(now: number): void {
    const heap = this.heap;
    while (heap.firstAt() <= now) (heap.pop() as Timer<unknown>).fire();
  }

  arm(): void {
    const next = this.nextDeadline();
    if (next === this.armedAt) return;
    this.armedAt = next;
    if (next === Number.POSITIVE_INFINITY) {
      this.rt.host.clearTimer();
      return;
    }
    const delay = Math.min(MAX_HOST_DELAY, Math.max(0, Math.ceil(next - this.rt.host.now())));
    this.rt.host.setTimer(delay, this.onHostTimer);
  }

  entries(): readonly Timer<unknown>[] {
    return this.heap.entries();
  }

  private readonly onHostTimer = (): void => {
    this.armedAt = Number.POSITIVE_INFINITY;
    this.rt.runNow();
  };
}

/** The timers of `rt`, created on first use. */
export function timersOf(rt: Runtime): Timers {
  let t = rt.timers as Timers | null;
  if (t === null) {
    t = new Timers(rt);
    rt.timers = t;
  }
  return t;
}

/**
 * Checks a duration argument: a number of milliseconds >= 0, or `Infinity`
 * (never: a sleep until killed, no timeout). NaN, negative numbers and
 * non-numbers are refused (core/check.ts words the error).
 */
export function checkMs(what: string, ms: unknown): number {
  return checkDuration(what, ms);
}
