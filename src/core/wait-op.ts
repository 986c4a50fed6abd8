/**
 * WaitOp: the one mechanism by which a blocking operation of any layer
 * (a lock, a channel's receive, a join, a socket's recv, a process's exit)
 * is both the op of a single wait and a `Waitable` case of a select
 * (wait.ts): a single wait is a select of one case.
 *
 *   start(t): `poll(t)`; if the source can complete at once, that is the
 *   result and nothing is allocated or parked (the fast path: an uncontended
 *   `lock()` is one poll). Otherwise the tasklet itself, its own wait node
 *   (wait.ts, with `value` cleared), is registered with `enqueue` and the
 *   tasklet parks with this object as its blocker; the source later ends the
 *   wait through `rt.wakeNode(n, v)`, having taken `n` off its queue.
 *   withdraw(t): a kill or a timeout takes the tasklet off with `dequeue`,
 *   without side effects.
 *
 * Two ways to write an operation:
 *   - subclass `WaitOp` and implement `poll`, `enqueue`, `describe` (and
 *     `dequeue` when the node is not simply unlinked from a WaitQueue): the
 *     op is the Waitable. A primitive keeps one such op per kind of wait (a
 *     Mutex has one for lock) and returns it from both `lock()` and
 *     `lockCase()`: an op holds no per-call state (the waiter is `n.t`), so
 *     one object serves every tasklet and the fast path allocates nothing;
 *   - implement `Waitable` on the source itself (a Latch, a signal) and wait
 *     on it with `waitOn(w)`, which wraps it in a `SingleWait` op.
 *
 * A source outside the runtime (a socket, a process, a signal) must count
 * each registered node in `rt.holds` (runtime.ts) while it is queued, so
 * that a tasklet waiting on the outside world is not reported as deadlocked:
 * io/held-queue.ts does that.
 */

import { Op, SUSPEND, type Suspend } from "./op.js";
import type { Tasklet } from "./tasklet.js";
import { type Blocker, NOT_READY, type NotReady, type Waitable, type WaitNode } from "./wait.js";

/** An operation that is its own Waitable (see the file comment). */
export abstract class WaitOp<T> extends Op<T> implements Waitable<T>, Blocker {
  abstract poll(t: Tasklet): T | NotReady;
  abstract enqueue(n: WaitNode): void;
  abstract describe(): string;

  /** Default: the node lives on a WaitQueue of the source; unlink it. */
  dequeue(n: WaitNode): void {
    n.unlink();
  }

  start(t: Tasklet): T | Suspend {
    const v = this.poll(t);
    if (v !== NOT_READY) return v;
    t.value = undefined; // the tasklet is its own node (wait.ts): nothing is offered yet
    this.enqueue(t);
    t.rt.park(t, this);
    return SUSPEND;
  }

  withdraw(t: Tasklet): void {
    this.dequeue(t);
  }
}

/** A single wait on any Waitable. Reusable, and shareable between tasklets. */
export class SingleWait<T> extends WaitOp<T> {
  constructor(private readonly w: Waitable<T>) {
    super();
  }
  poll(t: Tasklet): T | NotReady {
    return this.w.poll(t);
  }
  enqueue(n: WaitNode): void {
    this.w.enqueue(n);
  }
  override dequeue(n: WaitNode): void {
    this.w.dequeue(n);
  }
  describe(): string {
    return this.w.describe();
  }
}

/**
 * The op of a single wait on `w`. Keep it (one per source) where the wait
 * is frequent: it holds no per-call state.
 *
 * @example
 * const exited = new Latch<number>("exit");   // a Waitable
 * const code = yield* waitOn(exited);
 */
export function waitOn<T>(w: Waitable<T>): WaitOp<T> {
  return new SingleWait(w);
}
