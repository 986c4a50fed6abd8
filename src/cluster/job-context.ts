/**
 * Inside a cluster job: `yield* jobCluster()` gives the job its id, its
 * node's name and the cluster's channels, on the worker thread that runs
 * it (which has no `Cluster` of its own).
 *
 * Every cluster job runs through `runJob` (serve.ts and embedded.ts spawn
 * it on their pools): it loads the job's module, keeps the job's context
 * in task-local storage (so tasklets the job spawns see it too) and runs
 * the job's generator in its own tasklet. The context says how to reach
 * the channels:
 *   NATS: the servers and the cluster's name; the worker thread opens one
 *   connection of its own at the first jobCluster() (job-nats.ts) and its
 *   channels are endpoints of the cluster's channels like any process's,
 *   with the serving node's name for the lost-peer check;
 *   embedded: the spawner's channels at spawn time, which are
 *   ThreadChannels (shared memory) passed with the job.
 */

import { call } from "../core/call.js";
import { TaskletError } from "../core/errors.js";
import { TaskletLocal } from "../core/local.js";
import type { Operation } from "../core/op.js";
import { toIterator } from "../core/spawn.js";
import type { ThreadChannel } from "../threads/channel.js";
import type { ClusterChannel } from "./channel.js";
import { checkChannelArgs } from "./options.js";

/** What a job's thread is told about its cluster; it crosses to the worker with the job. */
export interface JobCtx {
  id: string;
  node: string;
  mode: "embedded" | "nats";
  /** NATS: how to reach the cluster. */
  servers: string[] | null;
  cluster: string;
  heartbeatMs: number;
  /** Embedded: the spawner's channels when it spawned the job, by name. */
  channels: Record<string, { ch: ThreadChannel<unknown>; capacity: number }>;
}

/** The cluster as a job sees it (`yield* jobCluster()`). */
export interface JobCluster {
  /** The job's id (the id of its handle in the spawning process). */
  readonly jobId: string;
  /** The node running the job. */
  readonly node: string;
  /**
   * The cluster channel `name`, as `cluster.channel(name, capacity)` gives it
   * in a process that joined the cluster. In an embedded cluster, only the
   * channels its spawner had opened before spawning it.
   */
  channel<T>(name: string, capacity: number): ClusterChannel<T>;
}

const context = new TaskletLocal<JobCtx | null>(null);

/** The module of `runJob`, which serve.ts and embedded.ts spawn for every job. */
export const JOB_ENTRY = import.meta.url;

/** This thread's job modules once loaded: a job of a loaded module starts without a wait. */
const modules = new Map<string, Record<string, unknown>>();

/** Runs `exportName` of `module` with `args` as the job `ctx.id`, its context set. */
export function* runJob(ctx: JobCtx, module: string, exportName: string, args: unknown[]): Operation<unknown> {
  let mod = modules.get(module);
  if (mod === undefined) {
    mod = (yield* call(() => import(module))) as Record<string, unknown>;
    modules.set(module, mod);
  }
  const f = mod[exportName];
  if (typeof f !== "function") {
    throw new TypeError(`${module} has no function export named ${JSON.stringify(exportName)} (got ${typeof f})`);
  }
  context.set(ctx);
  const it = toIterator(`spawn ${exportName}`, () => (f as (...a: unknown[]) => Operation<unknown>)(...args));
  return yield* { [Symbol.iterator]: () => it };
}

/**
 * Inside a cluster job: its id, its node, and the cluster's channels.
 * Throws a TaskletError outside a job. On NATS, the first call on a worker
 * thread connects it to the servers (later calls reuse the connection).
 *
 * @example
 * export function* squares(from: number, count: number) {
 *   const out = (yield* jobCluster()).channel<number>("squares", 64);
 *   for (let i = from; i < from + count; i++) yield* out.send(i * i);
 * }
 */
export function* jobCluster(): Operation<JobCluster> {
  const ctx = context.get();
  if (ctx === null) {
    throw new TaskletError("jobCluster: not inside a cluster job (call it in a job spawned with cluster.spawn)");
  }
  if (ctx.mode === "nats") {
    const { natsJobCluster } = yield* call(() => import("./job-nats.js"));
    return yield* call(() => natsJobCluster(ctx));
  }
  return {
    jobId: ctx.id,
    node: ctx.node,
    channel: <T>(name: string, capacity: number): ClusterChannel<T> => {
      checkChannelArgs(name, capacity);
      const open = ctx.channels[name];
      if (open === undefined) {
        throw new TaskletError(
          `cluster.channel: ${name} was not open in the spawning process when job ${ctx.id} was spawned (in an embedded cluster a job reaches the channels its spawner opened before spawning it)`,
        );
      }
      if (open.capacity !== capacity) {
        throw new RangeError(`cluster.channel: ${name} is open with capacity ${open.capacity}, not ${capacity}`);
      }
      return asClusterChannel<T>(name, capacity, open.ch as ThreadChannel<T>);
    },
  };
}

const wrapped = new WeakMap<ThreadChannel<unknown>, ClusterChannel<unknown>>();

/** A ThreadChannel with the ClusterChannel surface (the embedded cluster's channels); one wrapper per channel and thread. */
export function asClusterChannel<T>(name: string, capacity: number, ch: ThreadChannel<T>): ClusterChannel<T> {
  let w = wrapped.get(ch as ThreadChannel<unknown>);
  if (w === undefined) {
    w = {
      name,
      capacity,
      send: (v) => ch.send(v as T),
      recv: () => ch.recv(),
      recvOrDone: () => ch.recvOrDone(),
      tryRecv: () => {
        const r = ch.tryRecv();
        return r.ok ? r : { ok: false, closed: ch.closed };
      },
      close: () => ch.close(),
    };
    wrapped.set(ch as ThreadChannel<unknown>, w);
  }
  return w as ClusterChannel<T>;
}
