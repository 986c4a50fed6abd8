/**
 * The embedded cluster: one process, no broker. Jobs go to a local
 * WorkerPool (its shared queue and idle-worker pull are the cluster's, in
 * miniature); there is no node to lose, so `maxDeliver` never comes into
 * play.
 */

import { KilledError } from "../core/errors.js";
import { Channel } from "../sync/channel.js";
import type { PoolTasklet } from "../threads/handle.js";
import { type ArgsOf, WorkerPool } from "../threads/pool.js";
import { JobBook } from "./book.js";
import type { ClusterChannel } from "./channel.js";
import { ClusterJob, type JobBackend, type JobInfo, UnjoinedFailures } from "./job.js";
import {
  type ClusterSpawnOptions,
  checkChannelArgs,
  type ResolvedClusterOptions,
  resolveSpawnOptions,
} from "./options.js";
import type { Cluster, NodeInfo } from "./types.js";

export class EmbeddedCluster implements Cluster, JobBackend {
  readonly mode = "embedded" as const;
  readonly name: string;
  private readonly pool: WorkerPool;
  private readonly handles = new Map<ClusterJob<unknown>, PoolTasklet<unknown>>();
  private readonly book = new JobBook();
  private next = 1;
  private readonly unjoined: UnjoinedFailures;
  private readonly channels = new Map<string, ClusterChannel<unknown>>();

  constructor(private readonly options: ResolvedClusterOptions) {
    this.name = options.name;
    this.unjoined = new UnjoinedFailures(options.onUncaught);
    this.pool = new WorkerPool({ size: options.workers, name: `${options.name}-worker` });
  }

  spawn<T = unknown>(module: string | URL, exportName: string, ...args: unknown[]): ClusterJob<T> {
    return this.spawnWith<T>({}, module, exportName, ...args);
  }

  spawnWith<T = unknown>(
    options: ClusterSpawnOptions,
    module: string | URL,
    exportName: string,
    ...args: unknown[]
  ): ClusterJob<T> {
    resolveSpawnOptions(options, this.options);
    // The cluster's jobs are untyped on the wire: the pool's data form (T the result, args unknown[]).
    const h = this.pool.spawn<T>(module, exportName, ...(args as ArgsOf<T>)) as PoolTasklet<T>;
    const job = new ClusterJob<T>(`${this.name}.${this.next++}`, exportName, this);
    this.handles.set(job as ClusterJob<unknown>, h as PoolTasklet<unknown>);
    this.book.add(job as ClusterJob<unknown>);
    // The pool has no "started" event; a job counts as running on this node once submitted.
    job.started(this.name, 1);
    h.result().then(
      (v) => this.end(job as ClusterJob<unknown>, "ok", v),
      (e: unknown) => this.end(job as ClusterJob<unknown>, e instanceof KilledError ? "killed" : "error", e),
    );
    return job;
  }

  private end(job: ClusterJob<unknown>, outcome: "ok" | "error" | "killed", v: unknown): void {
    this.handles.delete(job);
    job.finish(outcome, v);
    this.book.done(job);
  }

  unobserved(job: ClusterJob<unknown>, error: unknown): void {
    this.unjoined.watch(job, error);
  }

  observed(job: ClusterJob<unknown>): void {
    this.unjoined.unwatch(job);
  }

  killJob(job: ClusterJob<unknown>): void {
    this.handles.get(job)?.kill();
  }

  /** Embedded: a local channel shared by name within this process (its tasklets on this thread). */
  channel<T>(name: string, capacity: number): ClusterChannel<T> {
    checkChannelArgs(name, capacity);
    let ch = this.channels.get(name);
    if (ch === undefined) {
      const local = new Channel<unknown>(capacity);
      ch = {
        name,
        capacity,
        send: (v) => local.send(v),
        recv: () => local.recv(),
        recvOrDone: () => local.recvOrDone(),
        tryRecv: () => local.tryRecv(),
        close: () => local.close(),
      };
      this.channels.set(name, ch);
    } else if (ch.capacity !== capacity) {
      throw new RangeError(`cluster.channel: ${name} is open here with capacity ${ch.capacity}, not ${capacity}`);
    }
    return ch as ClusterChannel<T>;
  }

  nodes(): Promise<NodeInfo[]> {
    const running = [...this.handles.keys()].map((j) => j.id);
    return Promise.resolve([{ name: this.name, workers: this.pool.size, running, seen: Date.now(), self: true }]);
  }

  jobs(): JobInfo[] {
    return this.book.list();
  }

  /** Closes the pool: queued jobs are dropped, running ones killed (embedded jobs cannot move elsewhere). */
  close(_drainMs?: number): Promise<void> {
    return this.pool.close();
  }
}
