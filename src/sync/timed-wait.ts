/**
 * TimedWait: a wait on one `Waitable` that gives up after `ms` milliseconds
 * (`recvTimeout`). It is a select of two sources, the waitable and a timer,
 * without the select's allocations: the op is its own timer, blocker and
 * selector, and its one node carries `sel = this`, so the source that ends
 * the wait reaches `win`, which disarms the timer first.
 *
 * Exactly one outcome: the source wins (the node is off its queue, `win`
 * removes the timer), or the timer fires (it dequeues the node, which the
 * source had not taken, and raises the timeout error), or a kill or an
 * interrupt withdraws both. `ms = 0` polls once and fails at once.
 *
 * One object per call: it holds the node while it waits, so one TimedWait
 * serves one wait at a time (as a `sleep(ms)` op does).
 */

import { SUSPEND, type Suspend } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { type Blocker, CaseNode, NOT_READY, type Selector, type Waitable } from "../core/wait.js";
import { Timer, timersOf } from "../time/timers.js";

export class TimedWait<T> extends Timer<T> implements Blocker, Selector {
  private node: CaseNode | null = null;
  constructor(
    private readonly w: Waitable<T>,
    private readonly ms: number,
    /** Makes the error raised when time is up. */
    private readonly onTimeout: (ms: number) => Error,
  ) {
    super();
  }

  start(t: Tasklet): T | Suspend {
    const v = this.w.poll(t);
    if (v !== NOT_READY) return v;
    if (this.ms === 0) throw this.onTimeout(0);
    const n = new CaseNode(t);
    n.sel = this;
    this.w.enqueue(n);
    this.node = n;
    timersOf(t.rt).add(this, this.ms);
    t.rt.park(t, this);
    return SUSPEND;
  }

  win(n: CaseNode, value: unknown, isError: boolean): void {
    const t = n.t;
    this.node = null;
    timersOf(t.rt).remove(this);
    if (isError) t.rt.wakeThrow(t, value);
    else t.rt.wake(t, value);
  }

  fire(): void {
    const n = this.node as CaseNode;
    this.node = null;
    this.w.dequeue(n);
    n.t.rt.wakeThrow(n.t, this.onTimeout(this.ms));
  }

  withdraw(t: Tasklet): void {
    timersOf(t.rt).remove(this);
    const n = this.node;
    this.node = null;
    if (n !== null) this.w.dequeue(n);
  }

  describe(): string {
    return `${this.w.describe()} (timeout ${this.ms} ms)`;
  }
}
