/**
 * tasklet/cluster: tasklets across processes and hosts on NATS (JetStream
 * work queue and outcome streams, key-value), or in this process with no broker.
 * See docs/cluster.md. The NATS client is loaded only when `servers` is
 * given: an embedded cluster (and the rest of tasklet) never loads it.
 */

import { EmbeddedCluster } from "./embedded.js";
import { type ClusterOptions, resolveOptions } from "./options.js";
import type { Cluster } from "./types.js";

export { ChannelGapError, ChannelPeerLostError, type ClusterChannel } from "./channel.js";
export { NodeLostError } from "./errors.js";
export { ClusterJob, type JobInfo, type JobState } from "./job.js";
export { type JobCluster, jobCluster } from "./job-context.js";
export type { ClusterOptions, ClusterSpawnOptions } from "./options.js";
export type { Cluster, NodeInfo } from "./types.js";

/**
 * Joins a cluster as this process's node. Without `servers`: an embedded
 * cluster over a local WorkerPool (no broker). With `servers`: connects to
 * NATS, creates the cluster's stream, consumer and heartbeat bucket if they
 * do not exist, and serves jobs on `workers` threads (default 0: submit only).
 * Rejects with a TaskletError naming the servers if none can be reached.
 *
 * @example
 * const cluster = await joinCluster({ servers: "nats://127.0.0.1:4222" });
 * await run(function* () {
 *   const job = cluster.spawn<number>(new URL("./jobs.js", import.meta.url), "fib", 30);
 *   console.log(yield* job.join());
 * });
 * await cluster.close();
 */
export async function joinCluster(options?: ClusterOptions): Promise<Cluster> {
  const o = resolveOptions(options);
  if (o.servers === null) return new EmbeddedCluster(o);
  const { joinNats } = await import("./nats-cluster.js");
  return joinNats(o);
}
