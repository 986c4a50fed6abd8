/**
 * Mutex: a fair lock with FIFO hand-off (libtf's fibre mutex, libwire's
 * fair, cheap lock).
 *
 * Invariants:
 *   - `owner` is the tasklet that holds the lock, or null;
 *   - `waiters` is non-empty only while `owner` is set: `unlock` hands the
 *     lock to the first waiter directly (it becomes `owner` before it runs),
 *     so a tasklet that arrives later can never barge in ahead of a waiter;
 *   - a node on `waiters` belongs to a live wait (a single `lock()` or a
 *     select case); a kill or a timeout takes it off (WaitOp.withdraw), and a
 *     select takes its losing cases off, so a lock is never handed to a wait
 *     that ended.
 *
 * A waiter that was handed the lock and is killed (or times out) before it
 * runs again holds the lock in hand, as docs/design.md says of every wait ("a
 * kill never loses what a wait already won"): the kill lands at its next
 * operation, after `lock()` returned. So it must unlock in its cleanup:
 * `withLock(m, body)` does, in a `finally`. A tasklet that ends holding a
 * lock leaves it locked (as Go's sync.Mutex); the deadlock report names it.
 *
 * The uncontended `lock()`/`unlock()` allocate nothing: `lock()` returns the
 * mutex's one LockOp, whose poll takes the lock. A contended `lock()` first
 * follows the owner's wait (core/wait-for.ts): if it comes back to the
 * caller, the lock throws DeadlockError instead of waiting forever. A
 * `lockCase()` in a select is not checked (a select waits on several).
 */

import { checkBody, typeError } from "../core/check.js";
import { TaskletError } from "../core/errors.js";
import { current, currentOrThrow, type Operation, type Suspend } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { NOT_READY, type NotReady, type Waitable, type WaitNode, WaitQueue } from "../core/wait.js";
import { checkWaitFor } from "../core/wait-for.js";
import { WaitOp } from "../core/wait-op.js";
import { DEBUG, watchMutex } from "./invariants.js";

class LockOp extends WaitOp<void> {
  constructor(private readonly m: Mutex) {
    super();
  }
  override start(t: Tasklet): void | Suspend {
    const o = this.m.owner;
    // Contended: refuse a wait that would close a cycle of waits (before the tasklet parks).
    if (o !== null && o !== t) checkWaitFor(t, o, this);
    return super.start(t);
  }
  poll(t: Tasklet): void | NotReady {
    const m = this.m;
    if (m.owner === null) {
      m.owner = t;
      return undefined;
    }
    if (m.owner === t) throw new TaskletError(`${t.describe()} locks a mutex it already holds (it would wait forever)`);
    return NOT_READY;
  }
  enqueue(n: WaitNode): void {
    this.m.waiters.pushBack(n);
  }
  waitsFor(_t: Tasklet): Tasklet | null {
    return this.m.owner;
  }
  describe(): string {
    const o = this.m.owner;
    return `mutex#${this.m.id} held by ${o === null ? "nobody" : `${o.describe()}${o.isRunning() ? "" : " (ended)"}`}`;
  }
}

let nextMutexId = 1;

/**
 * A mutual-exclusion lock for tasklets, fair: waiters get the lock in the
 * order they asked for it, handed over by `unlock`. Not reentrant.
 *
 * @example
 * const m = new Mutex();
 * yield* withLock(m, function* () { yield* update(shared); });
 * // or by hand:
 * yield* m.lock();
 * try { yield* update(shared); } finally { m.unlock(); }
 */
export class Mutex {
  /** Names it in dumps and deadlock reports (`mutex#3`). */
  readonly id = nextMutexId++;
  /** The tasklet holding the lock, or null. Written by LockOp and unlock only. */
  owner: Tasklet | null = null;
  /** @internal Tasklets waiting for the lock, FIFO. */
  readonly waiters = new WaitQueue();
  private readonly op = new LockOp(this);

  constructor() {
    if (DEBUG) watchMutex(this);
  }

  /**
   * Waits until the lock is free and takes it. A kill or timeout withdraws the
   * wait. Throws `DeadlockError`, naming the cycle, if the holder waits
   * (through locks, joins and dispatches) for the caller: the wait would never
   * end, so it does not start, and the caller may release what it holds and
   * retry (docs/inspect.md, "Wait-for cycles").
   */
  lock(): Operation<void> {
    return this.op;
  }

  /** The wait for the lock as a select case: when it fires, the selecting tasklet holds the lock. */
  lockCase(): Waitable<void> {
    return this.op;
  }

  /** Takes the lock if it is free at once; never blocks. */
  tryLock(): boolean {
    const t = currentOrThrow("Mutex.tryLock()");
    if (this.owner !== null) return false;
    this.owner = t;
    return true;
  }

  /**
   * Releases the lock, handing it to the first waiter if there is one.
   * Throws if the calling tasklet does not hold it.
   */
  unlock(): void {
    const owner = this.owner;
    if (owner === null) throw new TaskletError("Mutex.unlock(): the mutex is not locked");
    const t = current;
    if (owner !== t) {
      const who = t === null ? "code outside any tasklet" : t.describe();
      throw new TaskletError(`Mutex.unlock(): ${who} does not hold the mutex (${owner.describe()} does)`);
    }
    const n = this.waiters.shift();
    if (n === null) {
      this.owner = null;
      return;
    }
    this.owner = n.t;
    owner.rt.wakeNode(n, undefined);
  }

  /** Whether some tasklet holds the lock. */
  isLocked(): boolean {
    return this.owner !== null;
  }
}

/**
 * Runs `body` holding `m`, and unlocks when it ends however it ends (return,
 * error, kill, timeout). The safe way to lock: a tasklet killed right after
 * it was handed the lock still unlocks it.
 *
 * @example
 * const total = yield* withLock(m, () => addTo(account, 10));
 */
export function* withLock<T>(m: Mutex, body: () => Operation<T>): Operation<T> {
  if (!(m instanceof Mutex)) throw typeError("withLock", "m", "a Mutex", m);
  checkBody("withLock", body);
  yield* m.lock();
  try {
    return yield* body();
  } finally {
    m.unlock();
  }
}
