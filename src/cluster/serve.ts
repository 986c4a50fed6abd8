/**
 * Server: a node serving jobs from the cluster's work queue on a local
 * WorkerPool of `workers` threads.
 *
 * One lane per thread; a lane pulls one job (a JetStream pull request)
 * only when it has none, runs it on the pool, reports the outcome to the
 * spawning process and then acknowledges the job. So a node never holds
 * more queued work than it has idle threads (the design's idle-vcpu pull),
 * and a job leaves the stream only once its outcome was delivered.
 *
 * While a job runs, `working()` every third of the ack wait tells the
 * server it is alive; a lost node stops doing so, and after the ack wait
 * the server delivers the job to another node. A delivery past the job's
 * `maxDeliver` is not run: it is reported as "lost" and terminated.
 *
 * Invariants: `running` holds exactly the jobs started on this node whose
 * outcome is not reported yet; `killed` holds kill broadcasts for jobs not
 * (yet) running here, so a late pull of a killed job drops it.
 */

// A node's timers (pull retries, the drain's bound) are wall-clock, as JetStream's ack wait is:
// they never run under the testing layer's virtual time, so the host's timers are used directly.
import { setTimeout as delay } from "node:timers/promises";
import type { Consumer, JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { KilledError } from "../core/errors.js";
import type { PoolTasklet } from "../threads/handle.js";
import { WorkerPool } from "../threads/pool.js";
import { toWire } from "../threads/protocol.js";
import { JOB_ENTRY, type JobCtx } from "./job-context.js";
import type { ResolvedClusterOptions } from "./options.js";
import { decode, encode, type JobMessage, names, type ToClient } from "./wire.js";

interface Running {
  job: JobMessage;
  h: PoolTasklet<unknown>;
  m: JsMsg;
  /** Drain ran out of time: the job went back to the queue; its outcome here is not reported. */
  handedBack: boolean;
  /** When it started here (ms since the epoch), and which delivery of the job this is. */
  since: number;
  attempt: number;
}

/** A job running on this node, for dumps. */
export interface RunningJob {
  id: string;
  module: string;
  exportName: string;
  since: number;
  attempt: number;
}

const KILLED_KEEP = 10_000;
const REPORT_TRIES = 3;

export class Server {
  private readonly pool: WorkerPool;
  private readonly running = new Map<string, Running>();
  private readonly killed = new Set<string>();
  private readonly n: ReturnType<typeof names>;
  private lanes: Promise<void>[] = [];
  private stopping = false;

  constructor(
    private readonly o: ResolvedClusterOptions,
    private readonly nc: NatsConnection,
    private readonly consumer: Consumer,
    private readonly ackWaitMs: number,
  ) {
    this.n = names(o.cluster);
    this.pool = new WorkerPool({ size: o.workers, name: `${o.name}-worker` });
  }

  start(): void {
    this.nc.subscribe(this.n.kill, {
      callback: (err, m) => {
        if (err === null) this.onKill(m.string());
      },
    });
    for (let i = 0; i < this.o.workers; i++) this.lanes.push(this.lane());
  }

  runningIds(): string[] {
    return [...this.running.keys()];
  }

  runningJobs(): RunningJob[] {
    return [...this.running.values()].map(({ job, since, attempt }) => ({
      id: job.id,
      module: job.module,
      exportName: job.exportName,
      since,
      attempt,
    }));
  }

  private onKill(id: string): void {
    const r = this.running.get(id);
    if (r !== undefined) {
      r.h.kill();
      return;
    }
    this.killed.add(id);
    if (this.killed.size > KILLED_KEEP) this.killed.delete(this.killed.values().next().value as string);
  }

  private async lane(): Promise<void> {
    while (!this.stopping) {
      let m: JsMsg | null;
      try {
        m = await this.consumer.next({ expires: 1000 });
      } catch {
        if (this.stopping) break;
        await delay(250);
        continue;
      }
      if (m === null) continue;
      if (this.stopping) {
        m.nak();
        break;
      }
      await this.serve(m);
    }
  }

  private async serve(m: JsMsg): Promise<void> {
    let job: JobMessage;
    try {
      job = decode<JobMessage>(m.data);
    } catch {
      m.term("not a tasklet job");
      return;
    }
    const delivery = m.info.deliveryCount;
    if (this.killed.delete(job.id)) {
      await this.report(job, { type: "result", id: job.id, node: this.o.name, delivery, outcome: "killed" });
      m.ack();
      return;
    }
    if (delivery > job.maxDeliver) {
      await this.report(job, { type: "result", id: job.id, node: this.o.name, delivery, outcome: "lost" });
      m.term("maxDeliver");
      return;
    }
    this.nc.publish(this.n.client(job.client), encode({ type: "started", id: job.id, node: this.o.name, delivery }));
    let h: PoolTasklet<unknown>;
    try {
      const ctx: JobCtx = {
        id: job.id,
        node: this.o.name,
        mode: "nats",
        servers: this.o.servers,
        cluster: this.o.cluster,
        heartbeatMs: this.o.heartbeatMs,
        channels: {},
      };
      h = this.pool.spawn(JOB_ENTRY, "runJob", ctx, job.module, job.exportName, job.args);
    } catch (e) {
      await this.report(job, {
        type: "result",
        id: job.id,
        node: this.o.name,
        delivery,
        outcome: "error",
        error: toWire(e),
      });
      m.ack();
      return;
    }
    const r: Running = { job, h, m, handedBack: false, since: Date.now(), attempt: delivery };
    this.running.set(job.id, r);
    const alive = setInterval(() => m.working(), Math.max(50, this.ackWaitMs / 3));
    let out: ToClient;
    try {
      const value = await h.result();
      out = { type: "result", id: job.id, node: this.o.name, delivery, outcome: "ok", value };
    } catch (e) {
      out =
        e instanceof KilledError
          ? { type: "result", id: job.id, node: this.o.name, delivery, outcome: "killed" }
          : { type: "result", id: job.id, node: this.o.name, delivery, outcome: "error", error: toWire(e) };
    } finally {
      this.running.delete(job.id);
    }
    if (r.handedBack) {
      clearInterval(alive);
      return;
    }
    // Still "working" while the outcome travels: a slow client must not make the job run again.
    try {
      await this.report(job, out);
    } finally {
      clearInterval(alive);
    }
    m.ack();
  }

  /** Sends an outcome to the job's client and waits for its receipt; gives up if the client is gone. */
  private async report(job: JobMessage, out: ToClient): Promise<void> {
    let data: Uint8Array;
    try {
      data = encode(out);
    } catch (e) {
      const error = toWire(
        new TypeError(`the value of ${job.exportName} is not structured-cloneable: ${(e as Error).message}`),
      );
      data = encode({ ...out, outcome: "error", value: undefined, error });
    }
    for (let i = 0; i < REPORT_TRIES; i++) {
      try {
        await this.nc.request(this.n.client(job.client), data, { timeout: 5000 });
        return;
      } catch (e) {
        // No responders: the spawning process is gone, nobody wants the outcome.
        if ((e as Error).name === "NoRespondersError" || String((e as Error).message).includes("no responders")) return;
      }
    }
  }

  /**
   * Stops pulling; running jobs may finish for `drainMs`, after which they
   * are handed back to the queue (another node runs them) and killed here.
   */
  async drain(drainMs: number): Promise<void> {
    this.stopping = true;
    const lanes = Promise.all(this.lanes);
    const late = new AbortController();
    await Promise.race([lanes, delay(drainMs, undefined, { signal: late.signal }).catch(() => {})]);
    late.abort();
    for (const r of this.running.values()) {
      r.handedBack = true;
      r.m.nak();
      r.h.kill();
    }
    await lanes;
    await this.pool.close();
  }
}
