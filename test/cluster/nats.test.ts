// The cluster over a real nats-server with three `tasklet node` processes and this process as the client.
// The tests share one server and the three nodes, and run in order: the last ones lose nodes on purpose.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type Cluster, type ClusterJob, joinCluster, NodeLostError } from "../../src/cluster/index.js";
import { call, KilledError, type Operation, run, sleep } from "../../src/index.js";
import { errorOf } from "../helpers.js";
import { killAll, type NatsServer, type NodeProcess, natsMissing, startNats, startNode } from "./harness.js";

const JOBS = new URL("./fixtures/jobs.js", import.meta.url);
const CLI = fileURLToPath(new URL("../../src/inspect/cli.js", import.meta.url));
const missing = natsMissing();
if (missing !== null) console.log(`# cluster NATS tests skipped: ${missing}`);
const skip = missing ?? false;

let server: NatsServer;
let nodes: NodeProcess[] = [];
let client: Cluster;
let dir: string;
const CLUSTER = `t${process.pid}`;

before(async () => {
  if (missing !== null) return;
  dir = mkdtempSync(join(tmpdir(), "tasklet-cluster-"));
  server = await startNats();
  nodes = await Promise.all(["n1", "n2", "n3"].map((n) => startNode(server.url, n, { cluster: CLUSTER })));
  client = await joinCluster({ servers: server.url, cluster: CLUSTER, name: "client" });
});

after(async () => {
  if (missing !== null) return;
  await client?.close(0);
  await killAll(nodes);
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Waits until the job says it runs on a node, and returns that node's process. */
function* whereItRuns(job: ClusterJob<unknown>): Operation<NodeProcess> {
  while (job.state !== "running") yield* sleep(5);
  const p = nodes.find((n) => n.name === job.node);
  assert.ok(p !== undefined, `no node process named ${job.node}`);
  return p;
}

test("nodes() lists the three serving nodes from their heartbeats", { skip }, async () => {
  const seen = await client.nodes();
  const serving = seen.filter((n) => n.workers > 0).map((n) => [n.name, n.workers]);
  assert.deepEqual(serving, [
    ["n1", 2],
    ["n2", 2],
    ["n3", 2],
  ]);
  assert.ok(seen.some((n) => n.name === "client" && n.self && n.workers === 0));
});

test("200 jobs from a client are all joined with the right values, spread over the three nodes", { skip }, async () => {
  const per = await run(function* () {
    const jobs = Array.from({ length: 200 }, (_, i) =>
      client.spawn<{ value: number; node: string }>(JOBS, "square", i),
    );
    const per = new Map<string, number>();
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i] as ClusterJob<{ value: number; node: string }>;
      const r = yield* job.join();
      assert.equal(r.value, i * i);
      assert.equal(job.node, r.node);
      assert.equal(job.deliveries, 1);
      per.set(r.node, (per.get(r.node) ?? 0) + 1);
    }
    return per;
  });
  assert.deepEqual([...per.keys()].sort(), ["n1", "n2", "n3"], `spread: ${JSON.stringify([...per])}`);
  for (const [node, n] of per) assert.ok(n >= 10, `${node} ran only ${n} of 200 jobs`);
});

test("join rethrows a remote error with its class, message and stack, naming the node", { skip }, async () => {
  const e = await run(function* () {
    return yield* errorOf(client.spawn(JOBS, "fail", "bad input").join());
  });
  assert.ok(e instanceof RangeError, String(e));
  assert.equal(e.message, "bad input");
  assert.match(e.stack ?? "", /fixtures\/jobs\.js/);
  assert.match(e.stack ?? "", /at <node n[123]>/);
});

test("kill of a running job runs its cleanup on its node, then join throws KilledError", { skip }, async () => {
  const path = join(dir, "running");
  const node = await run(function* () {
    const job = client.spawn(JOBS, "cleanupOnKill", path);
    while (!existsSync(path)) yield* sleep(5);
    job.kill();
    yield* errorOf(job.join(), KilledError);
    return job.node;
  });
  assert.equal(readFileSync(path, "utf8"), `cleaned up on ${node}`);
});

test("kill of a queued job cancels it: join throws KilledError and it never starts", { skip }, async () => {
  const path = join(dir, "queued");
  await run(function* () {
    // Six lanes (3 nodes x 2 workers) busy: nobody pulls the next job while they run.
    const busy = Array.from({ length: 6 }, (_, i) => client.spawn(JOBS, "slow", 800, `busy${i}`));
    for (const b of busy) yield* whereItRuns(b);
    const job = client.spawn(JOBS, "cleanupOnKill", path);
    yield* sleep(50);
    assert.equal(job.state, "queued");
    job.kill();
    yield* errorOf(job.join(), KilledError);
    for (const b of busy) yield* b.join();
    yield* sleep(300);
  });
  assert.equal(existsSync(path), false, "the killed job started");
});

test("a node SIGKILLed mid-job: the job is delivered to another node and joined once", { skip }, async () => {
  const { r, lost, job } = await run(function* () {
    const job = client.spawn<{ tag: string; node: string }>(JOBS, "slow", 1500, "survivor");
    const victim = yield* whereItRuns(job);
    victim.proc.kill("SIGKILL");
    yield* sleep(0);
    const r = yield* job.join();
    return { r, lost: victim.name, job };
  });
  assert.equal(r.tag, "survivor");
  assert.notEqual(r.node, lost);
  assert.equal(job.node, r.node);
  assert.equal(job.deliveries, 2);
  assert.equal(client.jobs().filter((j) => j.id === job.id).length, 1);
  // Its heartbeat expires: nodes() stops listing it (3 heartbeats of 1 s, plus the server's expiry pass).
  const deadline = Date.now() + 10_000;
  while ((await client.nodes()).some((n) => n.name === lost)) {
    assert.ok(Date.now() < deadline, `${lost} is still listed 10 s after its death`);
    await new Promise((res) => setTimeout(res, 200));
  }
});

test("with maxDeliver 1, a lost node fails join with NodeLostError naming that node", { skip }, async () => {
  const { e, lost } = await run(function* () {
    const job = client.spawnWith({ maxDeliver: 1 }, JOBS, "slow", 3000, "once");
    const victim = yield* whereItRuns(job);
    victim.proc.kill("SIGKILL");
    return { e: yield* errorOf(job.join()), lost: victim.name };
  });
  assert.ok(e instanceof NodeLostError, String(e));
  assert.equal(e.node, lost);
  assert.equal(e.deliveries, 1);
  assert.match(e.message, new RegExp(`node ${lost} was lost`));
});

test("SIGTERM drains a node: its running job finishes and is joined, then the node exits 0", { skip }, async () => {
  const live = nodes.filter((n) => n.proc.exitCode === null && n.proc.signalCode === null);
  assert.equal(live.length, 1);
  const last = live[0] as NodeProcess;
  const r = await run(function* () {
    const job = client.spawn<{ tag: string; node: string }>(JOBS, "slow", 800, "drained");
    yield* whereItRuns(job);
    last.proc.kill("SIGTERM");
    return yield* job.join();
  });
  assert.deepEqual(r, { tag: "drained", node: last.name });
  assert.equal(await last.exited, 0);
  assert.match(last.output(), /draining[\s\S]*drained/);
});

test("SIGTERM with a job longer than --drain-ms hands the job back: another node runs it and join gets its value", {
  skip,
}, async () => {
  const leaving = await startNode(server.url, "n4", { cluster: CLUSTER, workers: 1, drainMs: 300 });
  nodes.push(leaving);
  const { r, job } = await run(function* () {
    const job = client.spawn<{ tag: string; node: string }>(JOBS, "slow", 1500, "handed back");
    const where = yield* whereItRuns(job);
    assert.equal(where.name, "n4");
    const staying = yield* call(() => startNode(server.url, "n5", { cluster: CLUSTER, workers: 1 }));
    nodes.push(staying);
    leaving.proc.kill("SIGTERM");
    return { r: yield* job.join(), job };
  });
  assert.deepEqual(r, { tag: "handed back", node: "n5" });
  assert.equal(job.deliveries, 2);
  assert.equal(await leaving.exited, 0);
});

test("tasklet node without --servers exits 2 with the usage", { skip }, () => {
  const r = spawnSync(process.execPath, [CLI, "node", "--workers", "2"], { encoding: "utf8" });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /tasklet node: --servers is required/);
  assert.match(r.stderr, /usage: tasklet node --servers/);
});

test("a busy node never holds queued work: a job queued behind a busy node's only thread goes to a node that starts later", {
  skip,
}, async () => {
  for (const n of nodes) if (n.proc.exitCode === null && n.proc.signalCode === null) n.proc.kill("SIGTERM");
  await Promise.all(nodes.map((n) => n.exited));
  const busy = await startNode(server.url, "busy", { cluster: CLUSTER, workers: 1 });
  nodes.push(busy);
  await run(function* () {
    const long = client.spawn<{ tag: string; node: string }>(JOBS, "slow", 3000, "long");
    yield* whereItRuns(long);
    const next = client.spawn<{ value: number; node: string }>(JOBS, "square", 12);
    yield* sleep(300);
    assert.equal(next.state, "queued");
    const idle = yield* call(() => startNode(server.url, "idle", { cluster: CLUSTER, workers: 1 }));
    nodes.push(idle);
    assert.deepEqual(yield* next.join(), { value: 144, node: "idle" });
    assert.equal(long.isRunning(), true, "the queued job waited for the busy node's thread");
    assert.deepEqual(yield* long.join(), { tag: "long", node: "busy" });
  });
});
