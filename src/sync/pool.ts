/**
 * TaskletPool: at most n tasklets at once (libwire's wire_pool: allocating
 * a wire from a full pool blocks until one ends).
 *
 * Each pool tasklet is watched through a node on its `joiners` queue whose
 * `sel` is the pool: when it ends (returns, fails, or is killed, even
 * before it started) the runtime calls `TaskletPool.win`, which frees its
 * slot by handing it straight to the first waiting spawn: that waiter's
 * tasklet is spawned then, with the waiter as its parent, and the waiter is
 * woken with it. So the slots are served FIFO and none is ever lost.
 *
 * Invariants: `running <= size`; `waiters` is non-empty only while
 * `running === size`; each waiter's `node.value` is its SpawnOp.
 */

import { checkInteger } from "../core/check.js";
import type { Operation } from "../core/op.js";
import { type Body, checkOptions, type SpawnOptions, toIterator } from "../core/spawn.js";
import type { Tasklet } from "../core/tasklet.js";
import {
  NOT_READY,
  type NotReady,
  type Selector,
  type Waitable,
  type WaitNode,
  WaitQueue,
  WatchNode,
} from "../core/wait.js";
import { WaitOp } from "../core/wait-op.js";

/** One spawn into the pool: a wait for a free slot whose result is the new tasklet. */
class SpawnOp<T> extends WaitOp<Tasklet<T>> {
  constructor(
    readonly pool: TaskletPool,
    readonly gen: Iterator<unknown, T, unknown>,
    readonly options: SpawnOptions | undefined,
    readonly level: number,
  ) {
    super();
  }
  poll(t: Tasklet): Tasklet<T> | NotReady {
    const p = this.pool;
    if (p.running < p.size && p.waiters.length === 0) return p.begin(this, t);
    return NOT_READY;
  }
  enqueue(n: WaitNode): void {
    n.value = this;
    this.pool.waiters.pushBack(n);
  }
  describe(): string {
    return `a slot of a tasklet pool (${this.pool.running}/${this.pool.size} running)`;
  }
}

/**
 * A pool of at most `size` running tasklets: `spawn` is an operation that
 * blocks while the pool is full, FIFO, and returns the new tasklet.
 *
 * @example
 * const pool = new TaskletPool(8);
 * for (const conn of connections) yield* pool.spawn(() => serve(conn));
 */
export class TaskletPool implements Selector {
  /** @internal Tasklets of the pool that have not ended (read `active`). */
  running = 0;
  /** @internal Spawns waiting for a slot, FIFO. */
  readonly waiters = new WaitQueue();

  constructor(
    /** The most tasklets of the pool that run at once (an integer ≥ 1, else `TaskletError`). */
    readonly size: number,
  ) {
    checkInteger("TaskletPool", "size", size, 1);
  }

  /**
   * Spawns `body` in the pool, waiting while `size` of its tasklets run.
   * A kill or a timeout withdraws the wait: nothing is spawned.
   */
  spawn<T>(body: Body<T>, options?: SpawnOptions): Operation<Tasklet<T>> {
    const level = checkOptions("TaskletPool.spawn", options);
    return new SpawnOp(this, toIterator("TaskletPool.spawn", body), options, level);
  }

  /** The same wait as a select case. */
  spawnCase<T>(body: Body<T>, options?: SpawnOptions): Waitable<Tasklet<T>> {
    const level = checkOptions("TaskletPool.spawnCase", options);
    return new SpawnOp(this, toIterator("TaskletPool.spawnCase", body), options, level);
  }

  /** Tasklets of the pool that have not ended (an alias of `running` for readers). */
  get active(): number {
    return this.running;
  }

  /** @internal Takes a slot and spawns the op's tasklet as a child of `parent`. */
  begin<T>(op: SpawnOp<T>, parent: Tasklet): Tasklet<T> {
    const o = op.options;
    const t = parent.rt.spawn(op.gen, o?.name, o?.joinable ?? true, op.level, parent, parent.group);
    this.running++;
    const watch = new WatchNode(this, false); // false: the bare end, the pool does not observe errors
    t.joiners ??= new WaitQueue();
    t.joiners.pushBack(watch);
    return t;
  }

  /** A pool tasklet ended (called by the runtime): its slot goes to the first waiter. */
  win(_n: WaitNode | WatchNode, _value: unknown, _isError: boolean): void {
    this.running--;
    const w = this.waiters.shift();
    if (w === null) return;
    const parent = w.t;
    parent.rt.wakeNode(w, this.begin(w.value as SpawnOp<unknown>, parent));
  }
}
