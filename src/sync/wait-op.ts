/**
 * WaitOp: one object that is both a `Waitable` (a case a select can wait on)
 * and the operation of a single wait on it, so that every blocking operation
 * of this layer goes through the same protocol (core/wait.ts): a single wait
 * is a select of one case.
 *
 *   start(t): `poll(t)`; if the source can complete at once, that is the
 *   result and nothing is allocated or parked (the fast path: an uncontended
 *   `lock()` is one poll). Otherwise the tasklet's own reusable node is
 *   registered with `enqueue` and the tasklet parks with this object as its
 *   blocker; the source later ends the wait through `rt.wakeNode(n, v)`.
 *   withdraw(t): a kill or a timeout takes the node off with `dequeue`,
 *   without side effects.
 *
 * A primitive keeps one WaitOp per kind of wait (a Mutex has one for lock),
 * made with the primitive, and returns it from both `lock()` and
 * `lockCase()`: an op holds no per-call state (the waiter is `n.t`), so one
 * object serves every tasklet, and the fast path allocates nothing.
 */

import { Op, PARK, type Park } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { type Blocker, NOT_READY, type NotReady, type Waitable, type WaitNode } from "../core/wait.js";

export abstract class WaitOp<T> extends Op<T> implements Waitable<T>, Blocker {
  abstract poll(t: Tasklet): T | NotReady;
  abstract enqueue(n: WaitNode): void;
  abstract describe(): string;

  /** Default: the node lives on a WaitQueue of the source; unlink it. */
  dequeue(n: WaitNode): void {
    n.unlink();
  }

  start(t: Tasklet): T | Park {
    const v = this.poll(t);
    if (v !== NOT_READY) return v;
    const n = t.node();
    n.sel = null;
    n.tag = 0;
    n.value = undefined;
    this.enqueue(n);
    t.rt.park(t, this);
    return PARK;
  }

  withdraw(t: Tasklet): void {
    this.dequeue(t.node());
  }
}
