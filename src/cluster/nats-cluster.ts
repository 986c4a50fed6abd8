/**
 * The cluster over NATS: this process submits jobs to one JetStream
 * work-queue stream and, when it has `workers`, serves them (serve.ts).
 *
 * A job's life, seen from the process that spawned it:
 *   spawn: publish the job durably (publish.ts: retried with msgID = job
 *   id, so a retry is never a second job, and a late acknowledgement is
 *   never a failure) -> "queued"; a node that has an idle thread pulls it
 *   and says "started" (node, delivery) -> "running"; the node stores the
 *   job's outcome in the outcome stream, then acks the job; this process's
 *   durable consumer of its outcomes ends the handle (`finish` runs once:
 *   the outcome of a second delivery after a lost node is dropped) and
 *   acks the outcome. Nothing of a job's end travels outside a stream, so
 *   neither a lost node nor a submitter away for a while loses an outcome
 *   (at-least-once runs, exactly-once outcomes).
 *   kill: a broadcast on the kill subject (the node running it kills its
 *   tasklet; a node that pulls it later drops it) and, while queued, the
 *   job's message is deleted from the stream, which ends the handle at
 *   once. Every later "started" of a killed job repeats the broadcast.
 *
 * Invariants: a live job is in `book` until its `finish`; `seqs` holds the
 * stream sequence of each job whose publish was acknowledged and that is
 * not done.
 */

import { randomBytes } from "node:crypto";
import {
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { connect, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { addDumpSection } from "../core/dump-sections.js";
import { TaskletError } from "../core/errors.js";
import { moduleUrl } from "../threads/job-source.js";
import { fromWire } from "../threads/protocol.js";
import { JobBook } from "./book.js";
import { type ClusterChannel, NatsChannel } from "./channel.js";
import { renderNode } from "./dump-section.js";
import { NodeLostError } from "./errors.js";
import { ClusterJob, type JobBackend, type JobInfo, UnjoinedFailures } from "./job.js";
import {
  type ClusterSpawnOptions,
  checkChannelArgs,
  type ResolvedClusterOptions,
  resolveSpawnOptions,
} from "./options.js";
import { LEAVE_MS, publishDurably, within } from "./publish.js";
import { Server } from "./serve.js";
import type { Cluster, NodeInfo } from "./types.js";
import { decode, encode, type Heartbeat, type JobMessage, names, type Outcome, type Started } from "./wire.js";

const MS = 1_000_000; // nanoseconds in a millisecond (JetStream's durations)
/** How long a spawn's publish is retried: well inside JetStream's 2-minute duplicate window. */
const QUEUE_GIVE_UP_MS = 60_000;

/** Connects, makes sure the stream, consumer and bucket exist, and starts serving if `workers` > 0. */
export async function joinNats(o: ResolvedClusterOptions): Promise<NatsCluster> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: o.servers as string[],
      name: `tasklet ${o.name}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
  } catch (e) {
    throw new TaskletError(
      `joinCluster: cannot reach NATS at ${(o.servers as string[]).join(", ")}: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  try {
    const n = names(o.cluster);
    const jsm = await jetstreamManager(nc);
    await ensure(
      () => jsm.streams.info(n.stream),
      () =>
        jsm.streams.add({
          name: n.stream,
          subjects: [n.jobs],
          retention: "workqueue" as never,
          storage: "file" as never,
        }),
    );
    await ensure(
      () => jsm.streams.info(n.outcomes),
      () =>
        jsm.streams.add({
          name: n.outcomes,
          subjects: [n.outAll],
          retention: "workqueue" as never,
          storage: "file" as never,
          max_age: o.keepOutcomesMs * MS,
        }),
    );
    await ensure(
      () => jsm.consumers.info(n.stream, n.consumer),
      () =>
        jsm.consumers.add(n.stream, {
          durable_name: n.consumer,
          ack_policy: "explicit" as never,
          ack_wait: o.ackWaitMs * MS,
          max_deliver: -1,
          max_ack_pending: -1,
        }),
    );
    const kv = await new Kvm(nc).create(n.bucket, { ttl: o.heartbeatMs * 3, history: 1 });
    const c = new NatsCluster(o, nc, jsm, jetstream(nc), kv);
    await c.start();
    return c;
  } catch (e) {
    await nc.close();
    throw e;
  }
}

/** Creates a JetStream object unless it exists; two nodes starting at once may race, so look again. */
async function ensure(info: () => Promise<unknown>, add: () => Promise<unknown>): Promise<void> {
  try {
    await info();
    return;
  } catch {}
  try {
    await add();
  } catch (e) {
    try {
      await info();
    } catch {
      throw e;
    }
  }
}

export class NatsCluster implements Cluster, JobBackend {
  readonly mode = "nats" as const;
  readonly name: string;
  /** This process's id as a submitter: its inbox is named after it. */
  readonly client: string;
  private readonly n: ReturnType<typeof names>;
  private readonly book = new JobBook();
  private readonly seqs = new Map<string, Promise<number>>();
  private inbox: Subscription | null = null;
  private outcomes: ConsumerMessages | null = null;
  private server: Server | null = null;
  private beat: ReturnType<typeof setInterval> | null = null;
  private nextJob = 1;
  private readonly unjoined: UnjoinedFailures;
  private closing: Promise<void> | null = null;
  private undump: (() => void) | null = null;
  private readonly channels: NatsChannels;

  constructor(
    private readonly o: ResolvedClusterOptions,
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    private readonly kv: KV,
  ) {
    this.name = o.name;
    this.unjoined = new UnjoinedFailures(o.onUncaught);
    this.n = names(o.cluster);
    this.client = `${o.name}-${randomBytes(4).toString("hex")}`;
    this.channels = new NatsChannels(nc, kv, {
      node: o.name,
      id: this.client,
      cluster: o.cluster,
      heartbeatMs: o.heartbeatMs,
    });
  }

  /** @internal */
  async start(): Promise<void> {
    this.inbox = this.nc.subscribe(this.n.client(this.client), {
      callback: (err, m) => {
        if (err === null) this.onStarted(m);
      },
    });
    // This process's outcomes wait in the stream for this consumer, however long it is away
    // (up to keepOutcomesMs, after which the server forgets the consumer too).
    await this.jsm.consumers.add(this.n.outcomes, {
      durable_name: this.client,
      filter_subject: this.n.out(this.client),
      ack_policy: "explicit" as never,
      ack_wait: 30_000 * MS,
      max_ack_pending: -1,
      inactive_threshold: this.o.keepOutcomesMs * MS,
    });
    const feed = await this.js.consumers.get(this.n.outcomes, this.client);
    this.outcomes = await feed.consume({ callback: (m) => this.onOutcome(m) });
    if (this.o.workers > 0) {
      const consumer = await this.js.consumers.get(this.n.stream, this.n.consumer);
      const info = await consumer.info(true);
      this.server = new Server(
        this.o,
        this.nc,
        this.js,
        consumer,
        (info.config.ack_wait ?? this.o.ackWaitMs * MS) / MS,
      );
      this.server.start();
    }
    this.undump = addDumpSection(() =>
      renderNode({
        name: this.name,
        mode: "nats",
        cluster: this.o.cluster,
        workers: this.o.workers,
        running: this.server?.runningJobs() ?? [],
        waiting: [...this.book.liveJobs()].map((j) => j.info()),
      }),
    );
    await this.heartbeat();
    this.beat = setInterval(() => void this.heartbeat(), this.o.heartbeatMs);
    this.beat.unref();
    await this.nc.flush();
  }

  private async heartbeat(): Promise<void> {
    const hb: Heartbeat = {
      name: this.name,
      workers: this.o.workers,
      running: this.server?.runningIds() ?? [],
      seen: Date.now(),
    };
    try {
      await this.kv.put(this.name, JSON.stringify(hb));
    } catch {
      // A missed beat is what the TTL is for; the next one tries again.
    }
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
    if (this.closing !== null) throw new TaskletError("cluster.spawn: the cluster is closed");
    const { maxDeliver } = resolveSpawnOptions(options, this.o);
    const target = moduleUrl("cluster.spawn", module);
    if (typeof exportName !== "string" || exportName === "") {
      throw new TypeError(`cluster.spawn: exportName must be a non-empty string, got ${JSON.stringify(exportName)}`);
    }
    const id = `${this.client}.${this.nextJob++}`;
    const msg: JobMessage = { id, client: this.client, module: target, exportName, args, maxDeliver };
    let data: Uint8Array;
    try {
      data = encode(msg);
    } catch (e) {
      throw new TypeError(`cluster.spawn: args must be structured-cloneable data: ${(e as Error).message}`);
    }
    const job = new ClusterJob<T>(id, exportName, this, target);
    this.book.add(job as ClusterJob<unknown>);
    const seq = publishDurably(this.js, this.n.jobs, data, {
      msgID: id,
      timeoutMs: this.o.publishTimeoutMs,
      giveUpMs: QUEUE_GIVE_UP_MS,
      abandoned: () => job.state === "done",
    });
    this.seqs.set(id, seq);
    seq.catch((e: unknown) => {
      // A node that took it anyway (the server stored a try whose acknowledgement was lost) says so:
      // then its outcome ends the handle, not this.
      if (job.state !== "queued") return;
      if (job.killRequested) this.end(job as ClusterJob<unknown>, "killed", undefined);
      else
        this.end(
          job as ClusterJob<unknown>,
          "error",
          new TaskletError(`cluster.spawn: could not queue ${job.describe()}: ${(e as Error).message}`, { cause: e }),
        );
    });
    return job;
  }

  private end(job: ClusterJob<unknown>, outcome: "ok" | "error" | "killed", v: unknown): void {
    job.finish(outcome, v);
    this.seqs.delete(job.id);
    this.book.done(job);
  }

  private onStarted(m: Msg): void {
    let msg: Started;
    try {
      msg = decode<Started>(m.data);
    } catch {
      return;
    }
    const job = this.book.get(msg.id);
    if (job === undefined) return;
    job.started(msg.node, msg.delivery);
    if (job.killRequested) this.nc.publish(this.n.kill, msg.id);
  }

  private onOutcome(m: JsMsg): void {
    let msg: Outcome;
    try {
      msg = decode<Outcome>(m.data);
    } catch {
      m.term("not a tasklet outcome");
      return;
    }
    const job = this.book.get(msg.id);
    if (job !== undefined) this.settle(job, msg);
    // Acked once settled (or dropped: a second run's outcome); if the ack is lost, the outcome
    // comes again and finds the job done.
    m.ack();
  }

  private settle(job: ClusterJob<unknown>, msg: Outcome): void {
    // A "lost" report comes from the node that got the delivery too many: the lost one is the last started.
    if (msg.outcome !== "lost") {
      job.node = msg.node;
      job.deliveries = Math.max(job.deliveries, msg.delivery);
    }
    if (msg.outcome === "ok") this.end(job, "ok", msg.value);
    else if (msg.outcome === "killed") this.end(job, "killed", undefined);
    else if (msg.outcome === "error")
      this.end(job, "error", fromWire(msg.error as NonNullable<typeof msg.error>, `node ${msg.node}`));
    else {
      const last = job.node;
      const runs = msg.delivery - 1;
      this.end(
        job,
        "error",
        new NodeLostError(
          `${job.describe()}: node ${last ?? "(unknown)"} was lost while running it, and it may be delivered at most ${runs} time${runs === 1 ? "" : "s"} (maxDeliver)`,
          last,
          runs,
        ),
      );
    }
  }

  unobserved(job: ClusterJob<unknown>, error: unknown): void {
    this.unjoined.watch(job, error);
  }

  observed(job: ClusterJob<unknown>): void {
    this.unjoined.unwatch(job);
  }

  killJob(job: ClusterJob<unknown>): void {
    this.nc.publish(this.n.kill, job.id);
    const seq = this.seqs.get(job.id);
    if (job.state !== "queued" || seq === undefined) return;
    seq
      .then((s) => this.jsm.streams.deleteMessage(this.n.stream, s, false))
      .then(
        (deleted) => {
          // Deleted while queued: no node will run it. (A node that pulled it just before runs
          // it and says "started", which repeats the kill; its outcome is dropped.)
          if (deleted && job.state === "queued") this.end(job, "killed", undefined);
        },
        () => {
          // Already taken and acknowledged: the node's outcome ends the handle.
        },
      );
  }

  channel<T>(name: string, capacity: number): ClusterChannel<T> {
    if (this.closing !== null && !this.channels.has(name)) {
      checkChannelArgs(name, capacity);
      throw new TaskletError("cluster.channel: the cluster is closed");
    }
    return this.channels.open<T>(name, capacity);
  }

  async nodes(): Promise<NodeInfo[]> {
    const out: NodeInfo[] = [];
    // The bucket's keys from one stream-info request: the client's kv.keys() runs a consumer that
    // can wait forever when a heartbeat expires between its count and its reading (seen on a
    // loaded machine).
    const prefix = `$KV.${this.n.bucket}.`;
    const info = await this.jsm.streams.info(`KV_${this.n.bucket}`, { subjects_filter: `${prefix}>` });
    const keys = Object.keys(info.state.subjects ?? {}).map((s) => s.slice(prefix.length));
    for (const k of keys) {
      const e = await this.kv.get(k);
      if (e === null || e.operation !== "PUT" || e.value.length === 0) continue;
      const hb = JSON.parse(e.string()) as Heartbeat;
      out.push({ ...hb, self: hb.name === this.name });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  jobs(): JobInfo[] {
    return this.book.list();
  }

  /** Stops serving (draining: running jobs finish, up to `drainMs`, then are handed back), then leaves. */
  close(drainMs = 30_000): Promise<void> {
    this.closing ??= this.doClose(drainMs);
    return this.closing;
  }

  private async doClose(drainMs: number): Promise<void> {
    if (this.beat !== null) clearInterval(this.beat);
    await this.server?.drain(drainMs);
    this.undump?.();
    // Their outcomes could no longer reach this process: kill them (queued ones are deleted) and end the handles.
    for (const job of [...this.book.liveJobs()]) {
      job.kill();
      this.end(job, "killed", undefined);
    }
    this.channels.dispose();
    this.inbox?.unsubscribe();
    this.outcomes?.stop();
    // Bounded, as each step below: a server that is gone must not keep this process from leaving.
    // This process's outcomes have no reader anymore: its consumer and whatever waits for it go.
    await within(
      LEAVE_MS,
      Promise.all([
        this.kv.delete(this.name),
        this.jsm.consumers
          .delete(this.n.outcomes, this.client)
          .then(() => this.jsm.streams.purge(this.n.outcomes, { filter: this.n.out(this.client) })),
      ]),
    );
    await within(LEAVE_MS, this.nc.drain());
    // A drain refused or not done (no server to flush to): closing stops the reconnect attempts too.
    if (!this.nc.isClosed()) await this.nc.close();
  }
}

/** The cluster channels of one NATS connection, by name: a process's (NatsCluster) or a worker thread's for its jobs (job-nats.ts). */
export class NatsChannels {
  private readonly map = new Map<string, NatsChannel<unknown>>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly kv: KV,
    private readonly me: { node: string; id: string; cluster: string; heartbeatMs: number },
  ) {}

  has(name: string): boolean {
    return this.map.has(name);
  }

  /** The endpoint of channel `name` here (the same object for the same name). */
  open<T>(name: string, capacity: number): ClusterChannel<T> {
    checkChannelArgs(name, capacity);
    let ch = this.map.get(name);
    if (ch === undefined) {
      const { nc, kv } = this;
      ch = new NatsChannel<unknown>(name, capacity, {
        node: this.me.node,
        id: this.me.id,
        prefix: `tasklet.${this.me.cluster}.ch.${name}`,
        heartbeatMs: this.me.heartbeatMs,
        publish: (subject, data) => nc.publish(subject, data),
        subscribe: (subject, cb) =>
          nc.subscribe(subject, {
            callback: (err, m) => {
              if (err === null) cb(m.data);
            },
          }),
        alive: async (node) => {
          try {
            const e = await kv.get(node);
            return e !== null && e.operation === "PUT";
          } catch {
            return true; // the bucket is unreachable: no verdict
          }
        },
      });
      this.map.set(name, ch);
    } else if (ch.capacity !== capacity) {
      throw new RangeError(`cluster.channel: ${name} is open here with capacity ${ch.capacity}, not ${capacity}`);
    }
    return ch as ClusterChannel<T>;
  }

  dispose(): void {
    for (const ch of this.map.values()) ch.dispose();
  }
}
