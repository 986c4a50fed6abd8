/**
 * The Cluster interface both modes implement (embedded.ts, nats-cluster.ts).
 */

import type { ClusterChannel } from "./channel.js";
import type { ClusterJob, JobInfo } from "./job.js";
import type { ClusterSpawnOptions } from "./options.js";

/** A row of `cluster.nodes()`. */
export interface NodeInfo {
  /** The node's name (`ClusterOptions.name`, default `<hostname>-<pid>`). */
  name: string;
  /** Threads serving jobs (0 for a node that only submits). */
  workers: number;
  /** Ids of the jobs running on it when it last reported. */
  running: string[];
  /** When it last reported (ms since the epoch). */
  seen: number;
  /** This process's own node. */
  self: boolean;
}

/**
 * This process's node of a cluster (`joinCluster()`). Jobs are tasklets
 * named by module URL and export name, spawned on whichever node has an
 * idle worker thread; the module must be deployed at the same URL on every
 * node.
 */
export interface Cluster {
  /** This node's name. */
  readonly name: string;
  /** "embedded" (one process, no broker) or "nats". */
  readonly mode: "embedded" | "nats";
  /**
   * Spawns the generator function `exportName` of `module` with `args`
   * (structured-clone-able data) on a node of the cluster. Returns at once;
   * the job waits in the shared queue until a node has an idle thread.
   */
  spawn<T = unknown>(module: string | URL, exportName: string, ...args: unknown[]): ClusterJob<T>;
  /** `spawn` with per-job options (`maxDeliver`). */
  spawnWith<T = unknown>(
    options: ClusterSpawnOptions,
    module: string | URL,
    exportName: string,
    ...args: unknown[]
  ): ClusterJob<T>;
  /**
   * The channel `name` of the cluster: every process that opens the same
   * name shares it. A sender waits while it has `capacity` (>= 1) values not
   * yet taken by a receiver. The same object is returned for the same name.
   */
  channel<T>(name: string, capacity: number): ClusterChannel<T>;
  /** The nodes alive now (from their heartbeats; embedded: this one). */
  nodes(): Promise<NodeInfo[]>;
  /** The jobs this process spawned and has not forgotten: queued, running, and the last 1000 done. */
  jobs(): JobInfo[];
  /**
   * Leaves the cluster. A serving node drains: it pulls no more jobs, lets
   * running ones finish for up to `drainMs` (default 30 000), then hands the
   * rest back to the queue (another node runs them). Jobs this process
   * spawned and that have not ended are killed; their joins throw `KilledError`. Idempotent.
   */
  close(drainMs?: number): Promise<void>;
}
