// Channels inside jobs: a job reaches its cluster's channels with `yield* jobCluster()` (embedded and NATS),
// and the spawner receives every value the jobs send, once each.
import assert from "node:assert/strict";
import { test } from "node:test";
import { jobCluster, joinCluster } from "../../src/cluster/index.js";
import { type Operation, run, TaskletError } from "../../src/index.js";
import { killAll, natsMissing, startNats, startNode } from "./harness.js";

const JOBS = new URL("./fixtures/jobs.js", import.meta.url);
const missing = natsMissing();
if (missing !== null) console.log(`# job channel NATS tests skipped: ${missing}`);

/** The error `op` throws (fails if it returns). */
function* errorOf(op: Operation<unknown>): Operation<unknown> {
  try {
    yield* op;
  } catch (e) {
    return e;
  }
  assert.fail("the operation should throw");
}

/** Asserts that `got` holds 0..n-1, each once. */
function eachOnce(got: number[], n: number): void {
  assert.equal(got.length, n);
  const sorted = [...got].sort((a, b) => a - b);
  for (let i = 0; i < n; i++)
    if (sorted[i] !== i) assert.fail(`value ${i} missing or duplicated (at ${i}: ${sorted[i]})`);
}

test("embedded: jobs send on a cluster channel their spawner opened, and the spawner receives every value once", async () => {
  const cluster = await joinCluster({ workers: 2, name: "emb" });
  try {
    await run(function* () {
      const ch = cluster.channel<number>("fromjobs", 8);
      const jobs = [0, 1, 2].map((k) =>
        cluster.spawn<{ node: string; jobId: string }>(JOBS, "sendRange", "fromjobs", 8, k * 1000, 1000),
      );
      const got: number[] = [];
      for (let i = 0; i < 3000; i++) got.push(yield* ch.recv());
      eachOnce(got, 3000);
      for (const j of jobs) assert.deepEqual(yield* j.join(), { node: "emb", jobId: j.id });
      assert.deepEqual(ch.tryRecv(), { ok: false, closed: false });
    });
  } finally {
    await cluster.close();
  }
});

test("embedded: a job reaches only the channels its spawner had opened, with their capacity; outside a job jobCluster throws", async () => {
  const cluster = await joinCluster({ workers: 1, name: "emb2" });
  try {
    await run(function* () {
      cluster.channel<number>("known", 4);
      assert.equal(yield* cluster.spawn(JOBS, "openChannel", "known", 4).join(), "known");
      const unknown = yield* errorOf(cluster.spawn(JOBS, "openChannel", "unknown", 4).join());
      assert.ok(unknown instanceof TaskletError, String(unknown));
      assert.match(
        unknown.message,
        /cluster\.channel: unknown was not open in the spawning process when job emb2\.\d+ was spawned/,
      );
      const wrong = yield* errorOf(cluster.spawn(JOBS, "openChannel", "known", 5).join());
      assert.ok(wrong instanceof RangeError, String(wrong));
      assert.match(wrong.message, /cluster\.channel: known is open with capacity 4, not 5/);
      try {
        yield* jobCluster();
        assert.fail("jobCluster outside a job should throw");
      } catch (e) {
        assert.ok(e instanceof TaskletError, String(e));
        assert.match(e.message, /jobCluster: not inside a cluster job/);
      }
    });
  } finally {
    await cluster.close();
  }
});

test("NATS: jobs on two node processes send 10 000 values on a cluster channel and the spawner receives each once", {
  skip: missing ?? false,
}, async () => {
  const server = await startNats();
  const name = `jc${process.pid}`;
  const nodes = await Promise.all(["j1", "j2"].map((n) => startNode(server.url, n, { cluster: name, workers: 2 })));
  const client = await joinCluster({ servers: server.url, cluster: name, name: "spawner" });
  try {
    await run(function* () {
      const ch = client.channel<number>("fromjobs", 16);
      const jobs = [0, 1, 2, 3].map((k) =>
        client.spawn<{ node: string; jobId: string }>(JOBS, "sendRange", "fromjobs", 16, k * 2500, 2500),
      );
      const got: number[] = [];
      for (let i = 0; i < 10_000; i++) got.push(yield* ch.recv());
      eachOnce(got, 10_000);
      for (const j of jobs) {
        const r = yield* j.join();
        assert.equal(r.jobId, j.id);
        assert.equal(r.node, j.node);
        assert.ok(["j1", "j2"].includes(r.node), r.node);
      }
    });
    // Nothing more arrives: no value was sent twice.
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(client.channel<number>("fromjobs", 16).tryRecv(), { ok: false, closed: false });
  } finally {
    await client.close(0);
    await killAll(nodes);
    await server.stop();
  }
});
