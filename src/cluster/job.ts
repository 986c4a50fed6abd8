/**
 * ClusterJob: the handle of a job spawned on a cluster, in the process that
 * spawned it (both modes).
 *
 * State (written by the cluster's backend through `started`/`finish` only):
 *   "queued" (waiting in the shared queue) --started--> "running" (on
 *   `node`; a redelivery after a lost node starts it again, maybe
 *   elsewhere) --finish--> "done". `finish` runs once: the first outcome
 *   wins and later ones (a duplicate run's result) are dropped.
 * `join()` is a WaitOp (a select case too): joiners wait on a HeldQueue (the
 * outcome comes from outside the runtime, so each counts in its runtime's
 * holds) and `finish` wakes them all. `result()` is a promise settled by
 * `finish`; it always has a handler, so an outcome nobody joins is not an
 * unhandled rejection.
 */

import { KilledError, UncaughtError } from "../core/errors.js";
import type { Operation } from "../core/op.js";
import { runtime } from "../core/runtime.js";
import { NOT_READY, type NotReady, type Waitable, type WaitNode } from "../core/wait.js";
import { WaitOp } from "../core/wait-op.js";
import { HeldQueue } from "../io/held-queue.js";

/** Where a cluster job is: waiting for a node, running on one, or ended (see `outcome`). */
export type JobState = "queued" | "running" | "done";

/** What a backend does for a handle. */
export interface JobBackend {
  killJob(job: ClusterJob<unknown>): void;
  /** The job failed and nobody has looked at its outcome yet: report it if the handle is collected unseen. */
  unobserved(job: ClusterJob<unknown>, error: unknown): void;
  /** A late join or result() looked at that failure. */
  observed(job: ClusterJob<unknown>): void;
}

/**
 * Reports the failures of cluster jobs that nobody joined or asked for the
 * result of, by the runtime's rule for a tasklet nobody joins (Node's rule
 * for unhandled rejections, docs/reliability.md): when this thread's
 * runtime next goes idle, unless a join or result() took it meanwhile. A
 * later join still gets the error.
 */
export class UnjoinedFailures {
  private readonly pending = new Map<ClusterJob<unknown>, { error: unknown; n: number }>();
  private n = 0;
  constructor(private readonly onUncaught: (e: UncaughtError) => void) {}
  watch(job: ClusterJob<unknown>, error: unknown): void {
    this.pending.set(job, { error, n: ++this.n });
    runtime().atNextIdle(() => {
      const p = this.pending.get(job);
      if (p === undefined) return;
      this.pending.delete(job);
      this.onUncaught(new UncaughtError(p.error, p.n, `${job.name} (cluster job ${job.id})`));
    });
  }
  unwatch(job: ClusterJob<unknown>): void {
    this.pending.delete(job);
  }
}

/** A row of `cluster.jobs()`. */
export interface JobInfo {
  /** The job's id (`ClusterJob.id`). */
  id: string;
  /** The job's name (`ClusterJob.name`). */
  name: string;
  /** Queued, running or done. */
  state: JobState;
  /** The node it runs (or ran) on; null while queued. */
  node: string | null;
  /** Deliveries to nodes so far (more than 1 after a lost node). */
  deliveries: number;
  /** How it ended: returned, threw, was killed; null until done. */
  outcome: "ok" | "error" | "killed" | null;
  /** The module URL of its generator function (`name` is the export). */
  module: string;
  /** When it was spawned (ms since the epoch). */
  submittedAt: number;
  /** When its last delivery started on a node (ms since the epoch); null while queued. */
  startedAt: number | null;
}

/**
 * A job spawned on a cluster: `join()` waits for its end in the calling
 * tasklet and returns its value, or throws its error (class name, message
 * and the remote stack, followed by `at <node NAME>`), `KilledError` after
 * `kill()`, or `NodeLostError`. `kill()` of a queued job cancels it; of a
 * running one kills its tasklet on its node, where its cleanup runs.
 *
 * @example
 * const job = cluster.spawn<number>(jobs, "fib", 30);
 * console.log(yield* job.join(), "computed on", job.node);
 * @hideconstructor
 */
export class ClusterJob<T = unknown> {
  /** Queued, running or done (written by the cluster as the job moves). */
  state: JobState = "queued";
  /** The node it runs on, once started (the last one, after a redelivery). */
  node: string | null = null;
  /** Deliveries to nodes so far (more than 1 after a lost node). */
  deliveries = 0;
  /** How it ended: returned, threw, was killed; null until done. */
  outcome: "ok" | "error" | "killed" | null = null;
  /** When it was spawned (ms since the epoch). */
  readonly submittedAt = Date.now();
  /** When its last delivery started (ms since the epoch); null while queued. */
  startedAt: number | null = null;
  /** @internal kill() was called. */
  killRequested = false;
  private readonly done: Promise<T>;
  private value: unknown = undefined;
  private joiners: HeldQueue | null = null;
  private joinOp: ClusterJoinOp<T> | null = null;
  /** Someone joined or asked for the result: a failure is theirs, not to report. */
  private seen = false;
  private reported = false;
  private resolve!: (v: unknown) => void;
  private reject!: (e: unknown) => void;

  constructor(
    /** Unique across the cluster. */
    readonly id: string,
    /** The job function it runs: its export name in the jobs module. */
    readonly name: string,
    private readonly backend: JobBackend,
    /** The module URL of its generator function. */
    readonly module: string,
  ) {
    this.done = new Promise<T>((res, rej) => {
      this.resolve = res as (v: unknown) => void;
      this.reject = rej;
    });
    this.done.catch(() => {});
  }

  /** True until the job ended. */
  isRunning(): boolean {
    return this.state !== "done";
  }

  /** Waits for the end in the calling tasklet: the value, or the job's error rethrown. Also a select case. */
  join(): Operation<T> & Waitable<T> {
    this.joinOp ??= new ClusterJoinOp(this);
    return this.joinOp;
  }

  /** The outcome as a promise, for ordinary code. */
  result(): Promise<T> {
    this.look();
    return this.done;
  }

  private look(): void {
    this.seen = true;
    if (this.reported) {
      this.reported = false;
      this.backend.observed(this as ClusterJob<unknown>);
    }
  }

  /** Cancels a queued job; kills a running one on its node (its cleanup runs there). Idempotent. */
  kill(): void {
    if (this.state === "done" || this.killRequested) return;
    this.killRequested = true;
    this.backend.killJob(this as ClusterJob<unknown>);
  }

  /** A snapshot of the job as a row of `cluster.jobs()`. */
  info(): JobInfo {
    return {
      id: this.id,
      name: this.name,
      state: this.state,
      node: this.node,
      deliveries: this.deliveries,
      outcome: this.outcome,
      module: this.module,
      submittedAt: this.submittedAt,
      startedAt: this.startedAt,
    };
  }

  /** `cluster job <id> <name>`, as dumps and reports print it. */
  describe(): string {
    return `cluster job ${this.id} ${this.name}`;
  }

  /** @internal A node started it (again, after a redelivery). */
  started(node: string, delivery: number): void {
    if (this.state === "done") return;
    if (this.state === "queued" || delivery > this.deliveries) this.startedAt = Date.now();
    this.state = "running";
    this.node = node;
    this.deliveries = Math.max(this.deliveries, delivery);
  }

  /** @internal Ends the job once; later outcomes are dropped. Returns whether this one won. */
  finish(outcome: "ok" | "error" | "killed", value: unknown): boolean {
    if (this.state === "done") return false;
    this.state = "done";
    this.outcome = outcome;
    this.value = value;
    if (outcome === "ok") this.resolve(value);
    else this.reject(this.error());
    const q = this.joiners;
    if (outcome === "error" && !this.seen && (q === null || q.length === 0)) {
      this.reported = true;
      this.backend.unobserved(this as ClusterJob<unknown>, value);
    }
    if (q !== null) {
      this.joiners = null;
      for (let n = q.shift(); n !== null; n = q.shift()) {
        const rt = n.t.rt;
        if (outcome === "ok") rt.wakeNode(n, value);
        else rt.wakeNodeThrow(n, this.error());
      }
    }
    return true;
  }

  private error(): unknown {
    return this.outcome === "killed" ? new KilledError(`${this.describe()} was killed`) : this.value;
  }

  /** @internal ClusterJoinOp: the outcome now, or NOT_READY. */
  poll(): T | NotReady {
    this.look();
    if (this.state !== "done") return NOT_READY;
    if (this.outcome === "ok") return this.value as T;
    throw this.error();
  }

  /** @internal */
  addJoiner(n: WaitNode): void {
    this.look();
    this.joiners ??= new HeldQueue();
    this.joiners.push(n);
  }

  /** @internal */
  removeJoiner(n: WaitNode): void {
    this.joiners?.remove(n);
  }
}

class ClusterJoinOp<T> extends WaitOp<T> {
  constructor(private readonly job: ClusterJob<T>) {
    super();
  }
  poll(): T | NotReady {
    return this.job.poll();
  }
  enqueue(n: WaitNode): void {
    this.job.addJoiner(n);
  }
  override dequeue(n: WaitNode): void {
    this.job.removeJoiner(n);
  }
  describe(): string {
    return `join of ${this.job.describe()}`;
  }
}
