/**
 * A NATS job's way to its cluster's channels (job-context.ts): one
 * connection per worker thread and cluster, opened at the first
 * jobCluster() on that thread and kept for the thread's life; its channels
 * are endpoints like those of any process that joined, named after the
 * serving node (whose heartbeat stands for them in the lost-peer check).
 */

import { randomBytes } from "node:crypto";
import { threadId } from "node:worker_threads";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import type { JobCluster, JobCtx } from "./job-context.js";
import { NatsChannels } from "./nats-cluster.js";
import { names } from "./wire.js";

const open = new Map<string, Promise<NatsChannels>>();

async function connectThread(ctx: JobCtx): Promise<NatsChannels> {
  const nc = await connect({
    servers: ctx.servers as string[],
    name: `tasklet ${ctx.node} jobs on thread ${threadId}`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  });
  const kv = await new Kvm(nc).open(names(ctx.cluster).bucket);
  return new NatsChannels(nc, kv, {
    node: ctx.node,
    id: `${ctx.node}-t${threadId}-${randomBytes(4).toString("hex")}`,
    cluster: ctx.cluster,
    heartbeatMs: ctx.heartbeatMs,
  });
}

export async function natsJobCluster(ctx: JobCtx): Promise<JobCluster> {
  const key = `${ctx.cluster}@${(ctx.servers as string[]).join(",")}`;
  let p = open.get(key);
  if (p === undefined) {
    p = connectThread(ctx);
    open.set(key, p);
    p.catch(() => open.delete(key));
  }
  const channels = await p;
  return { jobId: ctx.id, node: ctx.node, channel: (name, capacity) => channels.open(name, capacity) };
}
