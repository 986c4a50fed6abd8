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
 *
 * Two kinds of entries share the heap: timers (`Timer`: timeouts, a
 * select's `after`, `recvTimeout`), and sleeping tasklets, each its own
 * entry, so that a sleep allocates nothing that lives until its deadline
 * (time/sleep.ts). Removal is lazy (time/heap.ts), so "armed" is decided
 * here, per slot (`armed`): a timer's slot while its `seq` is the slot's
 * number; a tasklet's while it is BLOCKED on a `SleepWait`. A tasklet
 * cannot tell one of its slots from another, so a withdrawn sleep whose
 * slot stayed behind marks it `F_SLEEP_LEFT`, and its next sleep sweeps
 * the heap first: a tasklet has at most one slot while it sleeps.
 *
 * Invariants: `Timer.seq >= 0` exactly while the timer has an armed slot;
 * a tasklet has an armed slot exactly while it is BLOCKED in a finite
 * sleep; `sleepIndex`, while not null, maps every sleeping tasklet to its
 * deadline and holds no other tasklet.
 */

import { checkDuration } from "../core/check.js";
import { BLOCKED, F_SLEEP_LEFT, STATE_MASK, STATE_SHIFT } from "../core/flags.js";
import { Op } from "../core/op.js";
import type { Runtime, TimerService } from "../core/runtime.js";
import { Tasklet } from "../core/tasklet.js";
import type { Blocker } from "../core/wait.js";
import { TimerHeap } from "./heap.js";

/**
 * A timer: `fire()` runs once, on the runtime's thread, when it is due.
 * A timer is also an `Op`, so that an operation that waits on a timer
 * (TimedWait) is one object, not two; timers that are not ops never start.
 */
export abstract class Timer<T = void> extends Op<T> {
  /** Deadline, in whole milliseconds of the runtime clock (a small integer: no boxed double). */
  at = 0;
  /** The sequence number of its slot while armed, -1 when not (written here only). */
  seq = -1;
  abstract fire(): void;
  /** What the timer is for, in dumps. */
  abstract describe(): string;
}

/**
 * The blocker of a tasklet in `sleep` (time/sleep.ts): such a tasklet is its
 * own entry on the heap, so a sleep allocates no timer. Its slot is armed
 * while the tasklet is BLOCKED on a `SleepWait`; a withdrawn sleep whose slot
 * stayed in the heap marks the tasklet `F_SLEEP_LEFT`, and its next sleep
 * sweeps the heap first, so a tasklet never has two armed slots.
 */
export abstract class SleepWait extends Op<void> implements Blocker {
  abstract withdraw(t: Tasklet): void;
  abstract describe(t: Tasklet): string;
}

/** A heap entry: a timer, or a sleeping tasklet. */
type Entry = Timer<unknown> | Tasklet;

const BLOCKED_BITS = BLOCKED << STATE_SHIFT;

/** Whether slot `seq` of `e` is armed: a timer's own, or a tasklet still blocked in the sleep that pushed it. */
function armed(e: Entry, seq: number): boolean {
  if (e instanceof Tasklet) return (e.flags & STATE_MASK) === BLOCKED_BITS && e.blocker instanceof SleepWait;
  return e.seq === seq;
}

/** The largest delay a host timer takes (Node: 2^31 - 1 ms; a larger one fires after 1 ms). */
export const MAX_HOST_DELAY = 2 ** 31 - 1;

export class Timers implements TimerService {
  private readonly heap = new TimerHeap<Entry>(armed);
  private armedAt = Number.POSITIVE_INFINITY;
  /**
   * The deadline of each sleeping tasklet, for `describe`: null until first
   * asked (a dump, a report), then built from the heap and kept up to date
   * (a sleep pays two Map operations while it exists) until no tasklet sleeps.
   */
  private sleepIndex: Map<Tasklet, number> | null = null;

  constructor(private readonly rt: Runtime) {}

  get size(): number {
    return this.heap.size;
  }

  /** Arms `timer` to fire `ms` from now (rounded up to a whole millisecond); never, for `Infinity`. */
  add(timer: Timer<unknown>, ms: number): void {
    const at = Math.ceil(this.rt.host.now() + ms);
    timer.at = at;
    if (ms !== Number.POSITIVE_INFINITY) timer.seq = this.heap.push(timer, at);
  }

  /** Disarms `timer`; returns whether it was armed. */
  remove(timer: Timer<unknown>): boolean {
    if (timer.seq < 0) return false;
    timer.seq = -1;
    this.heap.unarmed(timer);
    return true;
  }

  /**
   * Arms the sleeping tasklet `t` to wake `ms` from now (finite); `t` is
   * about to park on a `SleepWait`.
   */
  addSleeper(t: Tasklet, ms: number): void {
    if ((t.flags & F_SLEEP_LEFT) !== 0) {
      // A withdrawn sleep of t left its slot in the heap: it must go before t is armed again.
      t.flags &= ~F_SLEEP_LEFT;
      this.heap.sweep();
    }
    const at = Math.ceil(this.rt.host.now() + ms);
    this.heap.push(t, at);
    if (this.sleepIndex !== null) this.sleepIndex.set(t, at);
  }

  /** The sleep of `t` was withdrawn (its blocker is already cleared, so its slot is dead). */
  removeSleeper(t: Tasklet): void {
    if (this.heap.peek() !== t) t.flags |= F_SLEEP_LEFT;
    this.heap.unarmed(t);
    this.unindex(t);
  }

  /** The deadline of the sleeping tasklet `t`, or NaN (its first call builds the index: O(n)). */
  deadlineOf(t: Tasklet): number {
    let index = this.sleepIndex;
    if (index === null) {
      const built = new Map<Tasklet, number>();
      this.heap.forEach((e, at) => {
        if (e instanceof Tasklet) built.set(e, at);
      });
      index = built;
      this.sleepIndex = index;
    }
    return index.get(t) ?? Number.NaN;
  }

  private unindex(t: Tasklet): void {
    const index = this.sleepIndex;
    if (index === null) return;
    index.delete(t);
    if (index.size === 0) this.sleepIndex = null;
  }

  nextDeadline(): number {
    return this.heap.firstAt();
  }

  poll(now: number): void {
    const heap = this.heap;
    while (heap.firstAt() <= now) {
      const e = heap.pop() as Entry;
      if (e instanceof Tasklet) {
        if (this.sleepIndex !== null) this.unindex(e);
        this.rt.wake(e, undefined);
      } else {
        e.seq = -1;
        e.fire();
      }
    }
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

  /** The armed timers (not the sleeping tasklets), in no particular order (for dumps). */
  entries(): Timer<unknown>[] {
    const out: Timer<unknown>[] = [];
    this.heap.forEach((e) => {
      if (!(e instanceof Tasklet)) out.push(e);
    });
    return out;
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
