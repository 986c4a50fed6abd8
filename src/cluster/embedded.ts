/**
 * The embedded cluster: one process, no broker. Jobs go to a local
 * WorkerPool (its shared queue and idle-worker pull are the cluster's, in
 * miniature); there is no node to lose, so `maxDeliver` never comes into
 * play.
 */

import { addDumpSection } from "../core/dump-sections.js";
import { KilledError } from "../core/errors.js";
import { ThreadChannel } from "../threads/channel.js";
import type { PoolTasklet } from "../threads/handle.js";
import { moduleUrl } from "../threads/job-source.js";
import { type ArgsOf, WorkerPool } from "../threads/pool.js";
import { JobBook } from "./book.js";
import type { ClusterChannel } from "./channel.js";
import { renderNode } from "./dump-section.js";
import { ClusterJob, type JobBackend, type JobInfo, UnjoinedFailures } from "./job.js";
import { asClusterChannel, JOB_ENTRY, type JobCtx } from "./job-context.js";
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
  private readonly channels = new Map<string, { ch: ThreadChannel<unknown>; capacity: number }>();
  private readonly undump: () => void;

  constructor(private readonly options: ResolvedClusterOptions) {
    this.name = options.name;
    this.unjoined = new UnjoinedFailures(options.onUncaught);
    this.pool = new WorkerPool({ size: options.workers, name: `${options.name}-worker` });
    // dump() lists the jobs: this process both runs them (on its pool, queued there or running) and waits on them.
    this.undump = addDumpSection(() => {
      const live = [...this.handles.keys()].map((j) => j.info());
      const running = live.map((j) => ({
        id: j.id,
        module: j.module,
        exportName: j.name,
        since: j.startedAt ?? j.submittedAt,
        attempt: 1,
      }));
      return renderNode({
        name: this.name,
        mode: "embedded",
        cluster: null,
        workers: this.pool.size,
        running,
        waiting: live,
      });
    });
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
    const target = moduleUrl("cluster.spawn", module);
    if (typeof exportName !== "string" || exportName === "") {
      throw new TypeError(`cluster.spawn: exportName must be a non-empty string, got ${JSON.stringify(exportName)}`);
    }
    const id = `${this.name}.${this.next++}`;
    const ctx: JobCtx = {
      id,
      node: this.name,
      mode: "embedded",
      servers: null,
      cluster: this.options.cluster,
      heartbeatMs: this.options.heartbeatMs,
      channels: Object.fromEntries(this.channels),
    };
    // The job runs through runJob, which gives it its context (jobCluster()); args cross as the pool's data.
    const h = this.pool.spawn<T>(JOB_ENTRY, "runJob", ...([ctx, target, exportName, args] as unknown as ArgsOf<T>));
    const job = new ClusterJob<T>(id, exportName, this, target);
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

  /**
   * Embedded: a channel shared by name within this process: a ThreadChannel,
   * so that the jobs spawned after it was opened reach it too (jobCluster()).
   */
  channel<T>(name: string, capacity: number): ClusterChannel<T> {
    checkChannelArgs(name, capacity);
    let open = this.channels.get(name);
    if (open === undefined) {
      // Values are copies, as across processes; a ring of 1 MiB takes a value as big as NATS's default max payload.
      open = { ch: new ThreadChannel<unknown>(capacity, { bufferBytes: 1 << 20 }), capacity };
      this.channels.set(name, open);
    } else if (open.capacity !== capacity) {
      throw new RangeError(`cluster.channel: ${name} is open here with capacity ${open.capacity}, not ${capacity}`);
    }
    return asClusterChannel<T>(name, capacity, open.ch as ThreadChannel<T>);
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
    this.undump();
    return this.pool.close();
  }
}
