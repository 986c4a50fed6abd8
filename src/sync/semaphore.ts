/**
 * Semaphore: a counting semaphore with FIFO hand-off (libtf's semaphores).
 *
 * Invariants:
 *   - `waiters` is non-empty only while `permits` is 0: `release` hands its
 *     permit to the first waiter directly instead of counting it, so a
 *     tasklet that arrives later never takes a permit ahead of a waiter;
 *   - every permit is either counted in `permits`, held by a tasklet, or in
 *     the hand of a woken waiter that has not run yet; so `permits` never
 *     exceeds `size`, and a `release` while `permits === size` (nothing is
 *     held) is refused, as Go's semaphore.Weighted panics. A kill or a timeout
 *     of a waiter that was not woken withdraws its node and takes nothing;
 *     one that was woken holds its permit (docs/design.md: a kill never loses
 *     what a wait already won) and must release it in its cleanup, as
 *     `withPermit` does.
 */

import { checkBody, checkInteger, typeError } from "../core/check.js";
import { TaskletError } from "../core/errors.js";
import type { Operation } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { NOT_READY, type NotReady, type Waitable, type WaitNode, WaitQueue } from "../core/wait.js";
import { WaitOp } from "../core/wait-op.js";
import { DEBUG, watchSemaphore } from "./invariants.js";

class AcquireOp extends WaitOp<void> {
  constructor(private readonly s: Semaphore) {
    super();
  }
  poll(_t: Tasklet): void | NotReady {
    const s = this.s;
    if (s.permits > 0) {
      s.permits--;
      return undefined;
    }
    return NOT_READY;
  }
  enqueue(n: WaitNode): void {
    this.s.waiters.pushBack(n);
  }
  describe(): string {
    return `semaphore#${this.s.id} (0 permits, ${this.s.waiters.length} waiting)`;
  }
}

let nextSemaphoreId = 1;

/**
 * A counting semaphore: `acquire` takes a permit, waiting FIFO while there
 * is none; `release` gives one back (to the first waiter, if any). The
 * initial count is the most there can be: a `release` while every permit is
 * free throws (it would otherwise silently grow the semaphore, and hide a
 * double release), as Go's `semaphore.Weighted` panics "released more than
 * held". To count signals, use a channel or a `WaitGroup`.
 *
 * @example
 * const slots = new Semaphore(4);
 * yield* withPermit(slots, () => download(url));
 */
export class Semaphore {
  /** Names it in dumps and deadlock reports (`semaphore#3`). */
  readonly id = nextSemaphoreId++;
  /** Permits free now. Written by AcquireOp and the methods only. */
  permits: number;
  /** The initial count: the most permits there are, free and held. */
  readonly size: number;
  /** @internal Tasklets waiting for a permit, FIFO. */
  readonly waiters = new WaitQueue();
  private readonly op = new AcquireOp(this);

  constructor(permits: number) {
    this.permits = checkInteger("Semaphore", "permits", permits, 0);
    this.size = permits;
    if (DEBUG) watchSemaphore(this);
  }

  /** Waits for a permit and takes it. A kill or timeout withdraws the wait without taking one. */
  acquire(): Operation<void> {
    return this.op;
  }

  /** The wait for a permit as a select case: when it fires, the selecting tasklet holds a permit. */
  acquireCase(): Waitable<void> {
    return this.op;
  }

  /** Takes a permit if one is free; never blocks. */
  tryAcquire(): boolean {
    if (this.permits === 0) return false;
    this.permits--;
    return true;
  }

  /**
   * Gives a permit back: to the first waiter if there is one, else to the
   * count. Throws a `TaskletError` if no permit is held (every one is free).
   */
  release(): void {
    const n = this.waiters.shift();
    if (n === null) {
      if (this.permits === this.size) {
        throw new TaskletError(
          `Semaphore.release: released more than held (semaphore#${this.id} has all its ${this.size} permits free)`,
        );
      }
      this.permits++;
      return;
    }
    n.t.rt.wakeNode(n, undefined);
  }

  /** Permits free now. */
  get available(): number {
    return this.permits;
  }
}

/**
 * Runs `body` holding a permit of `s`, and releases it when `body` ends
 * however it ends (return, error, kill, timeout).
 *
 * @example
 * yield* withPermit(slots, () => download(url));
 */
export function* withPermit<T>(s: Semaphore, body: () => Operation<T>): Operation<T> {
  if (!(s instanceof Semaphore)) throw typeError("withPermit", "s", "a Semaphore", s);
  checkBody("withPermit", body);
  yield* s.acquire();
  try {
    return yield* body();
  } finally {
    s.release();
  }
}
