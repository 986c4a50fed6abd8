/**
 * WaitGroup: wait until a counter of outstanding work drops to zero (Go's
 * sync.WaitGroup).
 *
 * Invariants: `count >= 0`; `waiters` is non-empty only while `count > 0`
 * (when it reaches 0 every waiter is woken, in the order it came).
 */

import { checkInteger } from "../core/check.js";
import { TaskletError } from "../core/errors.js";
import type { Operation } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { NOT_READY, type NotReady, type Waitable, type WaitNode, WaitQueue } from "../core/wait.js";
import { WaitOp } from "../core/wait-op.js";
import { DEBUG, watchWaitGroup } from "./invariants.js";

class GroupWaitOp extends WaitOp<void> {
  constructor(private readonly g: WaitGroup) {
    super();
  }
  poll(_t: Tasklet): void | NotReady {
    return this.g.count === 0 ? undefined : NOT_READY;
  }
  enqueue(n: WaitNode): void {
    this.g.waiters.pushBack(n);
  }
  describe(): string {
    return `wait group#${this.g.id} (${this.g.count} outstanding)`;
  }
}

let nextWaitGroupId = 1;

/**
 * Counts outstanding work: `add(n)` before starting it, `done()` when each
 * piece ends, `wait()` blocks until the count is zero.
 *
 * @example
 * const wg = new WaitGroup();
 * for (const url of urls) {
 *   wg.add(1);
 *   spawn(function* () { try { yield* fetchOne(url); } finally { wg.done(); } });
 * }
 * yield* wg.wait();
 */
export class WaitGroup {
  /** Names it in dumps and deadlock reports (`wait group#3`). */
  readonly id = nextWaitGroupId++;
  /** Outstanding work. Written by add() only. */
  count = 0;
  /** @internal Tasklets waiting for zero. */
  readonly waiters = new WaitQueue();
  private readonly op = new GroupWaitOp(this);

  constructor() {
    if (DEBUG) watchWaitGroup(this);
  }

  /** Adds `n` (may be negative) to the counter; a counter that would go below zero throws and is left unchanged. */
  add(n: number): void {
    checkInteger("WaitGroup.add", "n", n, Number.MIN_SAFE_INTEGER);
    const c = this.count + n;
    if (c < 0) throw new TaskletError(`WaitGroup: negative counter (${this.count} + ${n}): done() called too often`);
    this.count = c;
    if (c === 0) {
      const q = this.waiters;
      for (let w = q.shift(); w !== null; w = q.shift()) w.t.rt.wakeNode(w, undefined);
    }
  }

  /** One piece of work ended: `add(-1)`. */
  done(): void {
    this.add(-1);
  }

  /** Waits until the counter is zero (returns at once if it is). */
  wait(): Operation<void> {
    return this.op;
  }

  /** The wait for zero as a select case. */
  waitCase(): Waitable<void> {
    return this.op;
  }
}
