// A submitter's faults on a real network: its link to the server cut while a job runs, and the
// server's acknowledgements arriving late. Between the client and a real nats-server sits a real
// TCP proxy (proxy.ts) that the tests cut or stall; one `tasklet node` process serves the jobs.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { type ClusterJob, joinCluster } from "../../src/cluster/index.js";
import { type Operation, run, select, sleep, after as timer } from "../../src/index.js";
import { pollUntilAsync } from "../helpers.js";
import { killAll, type NatsServer, type NodeProcess, natsMissing, startNats, startNode } from "./harness.js";
import { startProxy, type TcpProxy } from "./proxy.js";

const JOBS = new URL("./fixtures/jobs.js", import.meta.url);
const missing = natsMissing();
if (missing !== null) console.log(`# cluster fault tests skipped: ${missing}`);
const skip = missing ?? false;
const CLUSTER = `f${process.pid}`;

let server: NatsServer;
let node: NodeProcess;
let proxy: TcpProxy;
let dir: string;

before(async () => {
  if (missing !== null) return;
  dir = mkdtempSync(join(tmpdir(), "tasklet-faults-"));
  server = await startNats();
  node = await startNode(server.url, "n1", { cluster: CLUSTER, workers: 1 });
  proxy = await startProxy(server.url);
});

after(async () => {
  if (missing !== null) return;
  await proxy?.close();
  if (node !== undefined) await killAll([node]);
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** join, or a failure naming what it waited for after `ms` (a lost outcome must fail the test, not hang it). */
function* joinWithin<T>(job: ClusterJob<T>, ms: number): Operation<T> {
  const r = yield* select(job.join(), timer(ms));
  if (r.index === 1) assert.fail(`${job.describe()} was not joined within ${ms} ms (state ${job.state})`);
  return r.value as T;
}

/** Polls every 20 ms for up to 10 s (test/helpers.ts). */
const until = (what: string, cond: () => boolean | Promise<boolean>) =>
  pollUntilAsync(what, cond, { limitMs: 10_000, everyMs: 20 });

const ran = (path: string) => () => readFileSync(path, { encoding: "utf8", flag: "a+" }).length > 0;

/** How many jobs the serving nodes hold unacknowledged, and how many wait: both 0 once a job's end was acked. */
async function streamIdle(): Promise<boolean> {
  const nc = await connect({ servers: server.url });
  try {
    const jsm = await jetstreamManager(nc);
    const ci = await jsm.consumers.info(`TASKLET_${CLUSTER}`, "nodes");
    return ci.num_ack_pending === 0 && ci.num_pending === 0;
  } finally {
    await nc.close();
  }
}

test("an outcome reported while its submitter was cut off reaches join once the link is back", { skip }, async () => {
  const path = join(dir, "cut");
  const client = await joinCluster({ servers: proxy.url, cluster: CLUSTER, name: "cutoff" });
  try {
    const job = client.spawn<string>(JOBS, "recordRun", path, 800, "kept");
    await run(function* () {
      while (job.state !== "running") yield* sleep(5);
    });
    proxy.cut();
    // The job ends and its node acknowledges it to the stream while the submitter is away.
    await until("the job ran", ran(path));
    await until("its node acknowledged it", streamIdle);
    proxy.restore();
    const v = await run(() => joinWithin(job, 15_000));
    assert.equal(v, "kept");
    assert.equal(job.outcome, "ok");
    assert.equal(readFileSync(path, "utf8"), "n1\n", "the job ran once");
  } finally {
    proxy.restore();
    await client.close(0);
  }
});

test("a spawn whose publish acknowledgement comes late is retried, not failed: the job runs once", {
  skip,
}, async () => {
  const path = join(dir, "late-ack");
  const client = await joinCluster({ servers: proxy.url, cluster: CLUSTER, name: "lateack", publishTimeoutMs: 300 });
  try {
    proxy.stall();
    const job = client.spawn<number>(JOBS, "recordRun", path, 0, 49);
    // The server stores the job and the node runs it; only the acknowledgements are held back,
    // for several of the submitter's publish timeouts.
    await until("the job ran", ran(path));
    await new Promise((r) => setTimeout(r, 1200));
    assert.notEqual(job.outcome, "error", "a late acknowledgement was taken as a failure");
    proxy.resume();
    const v = await run(() => joinWithin(job, 15_000));
    assert.equal(v, 49);
    assert.equal(readFileSync(path, "utf8"), "n1\n", "the retried publish was queued as a second job");
  } finally {
    proxy.resume();
    await client.close(0);
  }
});

test("joinCluster rejects a publishTimeoutMs below 10 ms, naming it", async () => {
  await assert.rejects(
    () => joinCluster({ servers: "nats://127.0.0.1:1", publishTimeoutMs: 0 }),
    /joinCluster: options\.publishTimeoutMs must be an integer >= 10, got 0/,
  );
});

test("a node whose server is gone still ends on SIGTERM, within its drain bound", { skip }, async () => {
  const lonely = await startNats();
  const orphan = await startNode(lonely.url, "orphan", { cluster: CLUSTER, workers: 1, drainMs: 1000 });
  try {
    await lonely.stop();
    orphan.proc.kill("SIGTERM");
    const code = await Promise.race([orphan.exited, new Promise((r) => setTimeout(() => r("still running"), 20_000))]);
    assert.equal(code, 0, orphan.output());
    assert.match(orphan.output(), /draining[\s\S]*drained/);
  } finally {
    await killAll([orphan]);
  }
});
