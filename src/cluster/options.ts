/**
 * joinCluster's options: their meaning, defaults and checks. `resolveOptions`
 * throws a TypeError/RangeError naming the option before anything starts.
 */

import { availableParallelism, hostname } from "node:os";
import type { UncaughtError } from "../core/errors.js";
import { runtime } from "../core/runtime.js";

/** Options of `joinCluster(options)`. */
export interface ClusterOptions {
  /**
   * NATS server URL(s), e.g. "nats://10.0.0.5:4222". Absent: an embedded
   * cluster in this process, over a local WorkerPool (no broker needed).
   */
  servers?: string | string[];
  /** This node's name (default `<hostname>-<pid>`); shown by `nodes()` and in errors. */
  name?: string;
  /**
   * Worker threads that serve jobs on this node. Embedded default:
   * `os.availableParallelism()`. With `servers` the default is 0: this
   * process only submits jobs (`tasklet node` serves them).
   */
  workers?: number;
  /**
   * The cluster's name (default "default"): its stream, subjects and buckets
   * are named after it, so several clusters can share one server.
   */
  cluster?: string;
  /**
   * How long a node may hold a job without a sign of life before the server
   * gives it to another node, in ms (JetStream's ack wait; default 5000). A
   * serving node signals progress every third of it, so only a lost node
   * (dead process, cut link) lets it run out. Set when the stream's consumer
   * is first created; later nodes use the existing one.
   */
  ackWaitMs?: number;
  /** Default for `spawnWith`'s `maxDeliver` (default 3). */
  maxDeliver?: number;
  /** How often a serving node writes its heartbeat, in ms (default 1000); it expires after 3 of them. */
  heartbeatMs?: number;
  /**
   * How long one publish to JetStream (a spawned job, a job's outcome)
   * waits for the server's acknowledgement before it is tried again with
   * the same message id, in ms (default 5000). A late acknowledgement is
   * never taken as a failure: the tries go on for up to a minute.
   */
  publishTimeoutMs?: number;
  /**
   * How long a job's outcome waits in the cluster's outcome stream for a
   * submitter that is away (its link cut, its server restarting), in ms
   * (default one hour). A submitter that comes back within it gets every
   * outcome of its jobs. Set when the stream is first created.
   */
  keepOutcomesMs?: number;
  /**
   * Called with the error of a job that failed and whose handle was
   * collected with nobody having joined it (`cause` is the error). By default
   * the process crashes, as for a local tasklet nobody joins.
   */
  onUncaught?: (error: UncaughtError) => void;
}

/** Per-job options of `spawnWith`. */
export interface ClusterSpawnOptions {
  /**
   * How many times the job may be delivered to a node (default: the
   * cluster's `maxDeliver`, 3). A job whose node is lost is delivered
   * again, up to this many times in all; past it, `join()` throws
   * `NodeLostError`. `maxDeliver: 1` means "never run twice": a lost node
   * fails the job with `NodeLostError` at once.
   */
  maxDeliver?: number;
}

export interface ResolvedClusterOptions {
  servers: string[] | null;
  name: string;
  workers: number;
  cluster: string;
  ackWaitMs: number;
  maxDeliver: number;
  heartbeatMs: number;
  publishTimeoutMs: number;
  keepOutcomesMs: number;
  onUncaught: (error: UncaughtError) => void;
}

const TOKEN = /^[A-Za-z0-9_-]+$/;

function positiveInt(what: string, v: unknown, min: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new RangeError(`joinCluster: options.${what} must be an integer >= ${min}, got ${String(v)}`);
  }
  return v;
}

/** Checks `options` and fills in the defaults. */
export function resolveOptions(options: ClusterOptions | undefined): ResolvedClusterOptions {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new TypeError(`joinCluster: options must be an object, got ${String(options)}`);
  }
  const o = options ?? {};
  let servers: string[] | null = null;
  if (o.servers !== undefined) {
    const list = Array.isArray(o.servers) ? o.servers : [o.servers];
    if (list.length === 0 || list.some((s) => typeof s !== "string" || s === "")) {
      throw new TypeError(
        `joinCluster: options.servers must be a URL string or a non-empty array of them ("nats://host:4222"), got ${JSON.stringify(o.servers)}`,
      );
    }
    servers = list;
  }
  const name = o.name ?? `${hostname()}-${process.pid}`;
  if (typeof name !== "string" || !TOKEN.test(name)) {
    throw new TypeError(`joinCluster: options.name must be letters, digits, '-' or '_', got ${JSON.stringify(name)}`);
  }
  const cluster = o.cluster ?? "default";
  if (typeof cluster !== "string" || !TOKEN.test(cluster)) {
    throw new TypeError(
      `joinCluster: options.cluster must be letters, digits, '-' or '_', got ${JSON.stringify(cluster)}`,
    );
  }
  const workers = positiveInt(
    "workers",
    o.workers ?? (servers === null ? availableParallelism() : 0),
    servers === null ? 1 : 0,
  );
  const ackWaitMs = positiveInt("ackWaitMs", o.ackWaitMs ?? 5000, 100);
  const maxDeliver = positiveInt("maxDeliver", o.maxDeliver ?? 3, 1);
  const heartbeatMs = positiveInt("heartbeatMs", o.heartbeatMs ?? 1000, 50);
  const publishTimeoutMs = positiveInt("publishTimeoutMs", o.publishTimeoutMs ?? 5000, 10);
  const keepOutcomesMs = positiveInt("keepOutcomesMs", o.keepOutcomesMs ?? 3_600_000, 1000);
  const onUncaught = o.onUncaught ?? ((e: UncaughtError) => runtime().host.fatal(e));
  if (typeof onUncaught !== "function") {
    throw new TypeError(`joinCluster: options.onUncaught must be a function, got ${typeof onUncaught}`);
  }
  return {
    servers,
    name,
    workers,
    cluster,
    ackWaitMs,
    maxDeliver,
    heartbeatMs,
    publishTimeoutMs,
    keepOutcomesMs,
    onUncaught,
  };
}

/** Checks spawnWith's options against the cluster's defaults. */
export function resolveSpawnOptions(
  options: ClusterSpawnOptions | undefined,
  defaults: ResolvedClusterOptions,
): { maxDeliver: number } {
  if (options === undefined) return { maxDeliver: defaults.maxDeliver };
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`spawnWith: options must be an object, got ${String(options)}`);
  }
  const maxDeliver = options.maxDeliver ?? defaults.maxDeliver;
  if (!Number.isInteger(maxDeliver) || maxDeliver < 1) {
    throw new RangeError(`spawnWith: options.maxDeliver must be an integer >= 1, got ${String(maxDeliver)}`);
  }
  return { maxDeliver };
}

/** Checks `cluster.channel(name, capacity)`'s arguments. */
export function checkChannelArgs(name: unknown, capacity: unknown): void {
  if (typeof name !== "string" || !TOKEN.test(name)) {
    throw new TypeError(`cluster.channel: name must be letters, digits, '-' or '_', got ${JSON.stringify(name)}`);
  }
  if (typeof capacity !== "number" || !Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`cluster.channel: capacity must be an integer >= 1, got ${String(capacity)}`);
  }
}
