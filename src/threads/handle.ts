/**
 * PoolTasklet: the handle of a job given to a WorkerPool, on the thread that
 * gave it. A job is a tasklet spawned on a worker, or an offloaded call.
 *
 * State (written by pool.ts and by `finish` only):
 *   QUEUED (in the pool's shared queue, `slot` null) --dispatch--> RUNNING
 *   (on one worker, `slot` set; a bounce puts it back to QUEUED) --> DONE.
 * `finish` runs once; it wakes every joiner (waiting tasklets of this
 * thread, counted in their runtime's `holds`) and settles `result()`.
 */

import { KilledError, TaskletError } from "../core/errors.js";
import { Op, type Operation, SUSPEND, type Suspend } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { type Blocker, NOT_READY, type NotReady, type Waitable, type WaitNode, WaitQueue } from "../core/wait.js";
import { crossWaitEnds, crossWaitStarts } from "./keepalive.js";
import type { RunMessage } from "./protocol.js";

export const QUEUED = 0;
export const RUNNING = 1;
export const DONE = 2;

/** What the pool does for a handle (pool.ts implements it). */
export interface JobOwner {
  killJob(job: PoolTasklet<unknown>): void;
  /** The job failed and nobody has asked for its outcome yet (it may still be joined). */
  unobserved(job: PoolTasklet<unknown>, error: unknown): void;
}

/**
 * A job's worker thread died under it (crash, `process.exit`, uncaught error
 * outside a tasklet) or failed to start. The message names the worker and
 * its thread; `cause` is the worker's error, if any.
 *
 * @example
 * try { yield* t.join(); } catch (e) { if (e instanceof WorkerError) retry(); else throw e; }
 */
export class WorkerError extends TaskletError {
  override name = "WorkerError";
}

/**
 * A tasklet running (or queued to run) on a `WorkerPool`. `join()` waits in
 * the calling tasklet; `kill()` reaches across threads: the tasklet's
 * `finally` blocks run on its worker, then `join` throws `KilledError`.
 *
 * @example
 * const t = pool.spawn(new URL("./jobs.js", import.meta.url), "hash", data);
 * const digest = yield* t.join();
 * @hideconstructor
 */
export class PoolTasklet<T = unknown> {
  /** @internal QUEUED, RUNNING or DONE; written by the pool (pool.ts). */
  state = QUEUED;
  /** @internal The worker slot it runs on (pool.ts), or null. */
  slot: unknown = null;
  /** @internal */
  killSent = false;
  private outcome: "ok" | "error" | "killed" = "ok";
  private value: unknown = undefined;
  private joiners: WaitQueue | null = null;
  private promise: Promise<T> | null = null;
  private reported = false;
  /** @internal Its caller is gone (a killed offload): a failure is nobody's to report. */
  abandoned = false;
  private settle: ((h: PoolTasklet<T>) => void) | null = null;
  /** Thread id of the worker it ran on, once placed. */
  threadId: number | undefined = undefined;

  constructor(
    /** Unique per pool, counting from 1. */
    readonly id: number,
    /** The job function's export name (`offload` for an offloaded function). */
    readonly name: string,
    /** The message that runs the job on a worker: the pool's, not for users. */
    readonly msg: RunMessage,
    private readonly owner: JobOwner,
  ) {}

  /** True until the job ended (its cleanup included). */
  isRunning(): boolean {
    return this.state !== DONE;
  }

  /** Kills the job: a queued one never starts; a running tasklet is killed on its worker. */
  kill(): void {
    if (this.state !== DONE) this.owner.killJob(this as PoolTasklet<unknown>);
  }

  /**
   * Waits for the end; returns the value, or throws the error (its stack is
   * the remote one) or `KilledError`. Also a select case (`Waitable`).
   */
  join(): Operation<T> & Waitable<T> {
    return new PoolJoinOp(this);
  }

  /** The outcome as a promise, for ordinary code. */
  result(): Promise<T> {
    if (this.promise === null) {
      this.promise = new Promise<T>((resolve, reject) => {
        this.settle = (h) => {
          try {
            resolve(h.outcomeNow());
          } catch (e) {
            reject(e);
          }
        };
      });
      if (this.state === DONE) (this.settle as (h: PoolTasklet<T>) => void)(this);
    }
    return this.promise;
  }

  /** `pool tasklet #id name`, as dumps and reports print it. */
  describe(): string {
    return `pool tasklet #${this.id} ${this.name}`;
  }

  /** @internal The value, or throws the outcome's error. DONE only. */
  outcomeNow(): T {
    if (this.outcome === "ok") return this.value as T;
    if (this.outcome === "killed") throw new KilledError(`${this.describe()} was killed`);
    this.reported = false; // seen: not reported as unjoined
    throw this.value;
  }

  /** @internal Node `n` of a tasklet of this thread waits for the end; counted in its runtime's holds. */
  addJoiner(n: WaitNode): void {
    this.joiners ??= new WaitQueue();
    this.joiners.pushBack(n);
    crossWaitStarts(n.t);
  }

  /** @internal Whether the failure is still to be reported (nobody joined it); clears it. */
  takeReport(): boolean {
    const r = this.reported;
    this.reported = false;
    return r;
  }

  /** @internal Ends the job once (pool.ts). */
  finish(outcome: "ok" | "error" | "killed", value: unknown): void {
    if (this.state === DONE) return;
    this.state = DONE;
    this.slot = null;
    this.outcome = outcome;
    this.value = value;
    const q = this.joiners;
    if (q !== null) {
      this.joiners = null;
      for (let n = q.shift(); n !== null; n = q.shift()) {
        const t = n.t;
        crossWaitEnds(t);
        if (outcome === "ok") t.rt.wakeNode(n, value);
        else if (outcome === "error") t.rt.wakeNodeThrow(n, value);
        else t.rt.wakeNodeThrow(n, new KilledError(`${this.describe()} was killed`));
      }
    }
    if (outcome === "error" && q === null && this.settle === null && !this.abandoned) {
      this.reported = true;
      this.owner.unobserved(this as PoolTasklet<unknown>, value);
    }
    this.settle?.(this);
  }
}

class PoolJoinOp<T> extends Op<T> implements Blocker, Waitable<T> {
  constructor(private readonly h: PoolTasklet<T>) {
    super();
  }
  start(t: Tasklet): T | Suspend {
    if (this.h.state === DONE) return this.h.outcomeNow();
    this.h.addJoiner(t);
    t.rt.park(t, this);
    return SUSPEND;
  }
  withdraw(t: Tasklet): void {
    this.dequeue(t);
  }
  poll(): T | NotReady {
    return this.h.state === DONE ? this.h.outcomeNow() : NOT_READY;
  }
  enqueue(n: WaitNode): void {
    this.h.addJoiner(n);
  }
  dequeue(n: WaitNode): void {
    if (n.queue === null) return;
    n.unlink();
    crossWaitEnds(n.t);
  }
  describe(): string {
    return `join of ${this.h.describe()}`;
  }
}
