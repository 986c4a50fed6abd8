/**
 * Server: a node serving jobs from the cluster's work queue on a local
 * WorkerPool of `workers` threads.
 *
 * One lane per thread; a lane pulls one job (a JetStream pull request)
 * only when it has none, runs it on the pool, stores the outcome in the
 * outcome stream for the spawning process (publish.ts: retried, never
 * twice) and then acknowledges the job. So a node never holds more queued
 * work than it has idle threads (the design's idle-vcpu pull), and a job
 * leaves the work queue only once its outcome is stored.
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
import type { Consumer, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { KilledError } from "../core/errors.js";
import type { PoolTasklet } from "../threads/handle.js";
import { WorkerPool } from "../threads/pool.js";
import { toWire } from "../threads/protocol.js";
import { JOB_ENTRY, type JobCtx } from "./job-context.js";
import type { ResolvedClusterOptions } from "./options.js";
import { LEAVE_MS, publishDurably, transient, within } from "./publish.js";
import { decode, encode, type JobMessage, names, type Outcome, type Started } from "./wire.js";

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
/** How long a node tries to store an outcome; past it the job is handed back (it runs again elsewhere). */
const REPORT_GIVE_UP_MS = 60_000;

export class Server {
  private readonly pool: WorkerPool;
  private readonly running = new Map<string, Running>();
  private readonly killed = new Set<string>();
  private readonly n: ReturnType<typeof names>;
  private lanes: Promise<void>[] = [];
  private stopping = false;
  /** The drain ran out of time: outcomes still being stored give up (their jobs go back). */
  private abandoned = false;

  constructor(
    private readonly o: ResolvedClusterOptions,
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
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
    const ended = (outcome: Outcome["outcome"], more?: Pick<Outcome, "value" | "error">): Outcome => ({
      type: "result",
      id: job.id,
      node: this.o.name,
      delivery,
      outcome,
      ...more,
    });
    if (this.killed.has(job.id)) {
      // Forgotten only once reported: a job sent back for want of a store must still be dropped.
      const stored = await this.report(job, ended("killed"));
      if (stored) this.killed.delete(job.id);
      this.settle(m, stored);
      return;
    }
    if (delivery > job.maxDeliver) {
      if (await this.report(job, ended("lost"))) m.term("maxDeliver");
      else m.nak();
      return;
    }
    const started: Started = { type: "started", id: job.id, node: this.o.name, delivery };
    this.nc.publish(this.n.client(job.client), encode(started));
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
      this.settle(m, await this.report(job, ended("error", { error: toWire(e) })));
      return;
    }
    const r: Running = { job, h, m, handedBack: false, since: Date.now(), attempt: delivery };
    this.running.set(job.id, r);
    const alive = setInterval(() => m.working(), Math.max(50, this.ackWaitMs / 3));
    let out: Outcome;
    try {
      const value = await h.result();
      out = ended("ok", { value });
    } catch (e) {
      out = e instanceof KilledError ? ended("killed") : ended("error", { error: toWire(e) });
    } finally {
      this.running.delete(job.id);
    }
    if (r.handedBack) {
      clearInterval(alive);
      return;
    }
    // Still "working" while the outcome is stored: a slow server must not make the job run again.
    let stored: boolean;
    try {
      stored = await this.report(job, out);
    } finally {
      clearInterval(alive);
    }
    this.settle(m, stored);
  }

  /** The job leaves the queue once its outcome is stored; otherwise it goes back, to run again. */
  private settle(m: JsMsg, stored: boolean): void {
    if (stored) m.ack();
    else m.nak();
  }

  /**
   * Stores an outcome in the outcome stream, where it waits for the job's
   * submitter however long that one is away. False: it could not be stored.
   */
  private async report(job: JobMessage, out: Outcome): Promise<boolean> {
    const subject = this.n.out(job.client);
    const publish = (data: Uint8Array) =>
      publishDurably(this.js, subject, data, {
        msgID: `${job.id}.out`,
        timeoutMs: this.o.publishTimeoutMs,
        giveUpMs: REPORT_GIVE_UP_MS,
        abandoned: () => this.abandoned,
      });
    let data: Uint8Array;
    try {
      data = encode(out);
    } catch (e) {
      data = this.failed(job, out, `the value of ${job.exportName} is not structured-cloneable`, e);
    }
    try {
      await publish(data);
      return true;
    } catch (e) {
      if (out.outcome !== "ok" || transient(e)) return false;
      // The value itself cannot be stored (larger than the server's max_payload): the job fails, saying so.
      try {
        await publish(this.failed(job, out, `the value of ${job.exportName} cannot be sent`, e));
        return true;
      } catch {
        return false;
      }
    }
  }

  private failed(job: JobMessage, out: Outcome, why: string, e: unknown): Uint8Array {
    const error = toWire(new TypeError(`${why}: ${(e as Error).message}`));
    return encode({ ...out, id: job.id, outcome: "error", value: undefined, error } satisfies Outcome);
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
    this.abandoned = true;
    for (const r of this.running.values()) {
      r.handedBack = true;
      r.m.nak();
      r.h.kill();
    }
    // A lane waits on its pull until the server answers; with the server gone it is left behind
    // (closing the connection ends it).
    await within(LEAVE_MS, lanes);
    await this.pool.close();
  }
}
