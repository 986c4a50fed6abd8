// dump() of a process that joined a cluster: the node's section lists the jobs it runs and the
// jobs it spawned and waits on (embedded, NATS in this process, and a `tasklet node` on SIGQUIT).
import assert from "node:assert/strict";
import { test } from "node:test";
import { joinCluster } from "../../src/cluster/index.js";
import { dump, type Operation, run, sleep } from "../../src/index.js";
import { killAll, natsMissing, startNats, startNode } from "./harness.js";

const JOBS = new URL("./fixtures/jobs.js", import.meta.url);
const missing = natsMissing();
if (missing !== null) console.log(`# cluster dump NATS tests skipped: ${missing}`);

function* until(what: string, ok: () => boolean): Operation<void> {
  for (let i = 0; !ok(); i++) {
    if (i > 1000) assert.fail(`waited 10 s for ${what}`);
    yield* sleep(10);
  }
}

test("dump() of a process with an embedded cluster names its node and lists the jobs it runs and waits on; leaving removes them", async () => {
  const cluster = await joinCluster({ workers: 1, name: "dumper" });
  try {
    await run(function* () {
      const a = cluster.spawn(JOBS, "slow", 10_000, "a");
      const b = cluster.spawn(JOBS, "slow", 10_000, "b");
      const text = dump();
      assert.match(text, /^cluster node dumper \(embedded, 1 worker\)$/m);
      assert.match(text, /^ {2}runs 2 jobs:$/m);
      assert.match(text, /^ {4}dumper\.1 \S*fixtures\/jobs\.js#slow, started \d+ ms ago, attempt 1$/m);
      assert.match(text, /^ {2}waits on 2 jobs it spawned:$/m);
      assert.match(
        text,
        /^ {4}dumper\.2 \S*fixtures\/jobs\.js#slow, running on dumper, started \d+ ms ago, attempt 1$/m,
      );
      a.kill();
      b.kill();
      yield* until("the kills", () => !a.isRunning() && !b.isRunning());
      const after = dump();
      assert.match(after, /^ {2}runs no job$/m);
      assert.match(after, /^ {2}waits on no job it spawned$/m);
    });
  } finally {
    await cluster.close();
  }
  assert.doesNotMatch(dump(), /cluster node dumper/);
});

test("dump() of a NATS node lists the job it runs (id, module#export, started, attempt) and the jobs it spawned, queued or running where", {
  skip: missing ?? false,
}, async () => {
  const server = await startNats();
  const cluster = await joinCluster({ servers: server.url, cluster: `d${process.pid}`, name: "dn", workers: 1 });
  try {
    await run(function* () {
      const first = cluster.spawn(JOBS, "slow", 10_000, "first");
      yield* until("the first job to start", () => first.state === "running");
      const second = cluster.spawn(JOBS, "slow", 10_000, "second");
      const text = dump();
      assert.match(text, /^cluster node dn \(nats, cluster "d\d+", 1 worker\)$/m);
      assert.match(text, /^ {2}runs 1 job:$/m);
      const id = first.id.replace(/\./g, "\\.");
      assert.match(text, new RegExp(`^ {4}${id} \\S*fixtures/jobs\\.js#slow, started \\d+ ms ago, attempt 1$`, "m"));
      assert.match(text, /^ {2}waits on 2 jobs it spawned:$/m);
      assert.match(text, new RegExp(`^ {4}${id} \\S*#slow, running on dn, started \\d+ ms ago, attempt 1$`, "m"));
      const queued = second.id.replace(/\./g, "\\.");
      assert.match(text, new RegExp(`^ {4}${queued} \\S*#slow, queued for \\d+ ms$`, "m"));
      first.kill();
      second.kill();
      yield* until("the kills", () => !first.isRunning() && !second.isRunning());
      yield* until("the node to finish the killed job", () => /^ {2}runs no job$/m.test(dump()));
      assert.match(dump(), /^ {2}waits on no job it spawned$/m);
    });
  } finally {
    await cluster.close(0);
    await server.stop();
  }
  assert.doesNotMatch(dump(), /cluster node dn/);
});

test("SIGQUIT to a `tasklet node` prints its dump, which lists the job it runs", {
  skip: missing ?? false,
}, async () => {
  const server = await startNats();
  const cluster = `q${process.pid}`;
  const node = await startNode(server.url, "quitter", { cluster, workers: 1 });
  const client = await joinCluster({ servers: server.url, cluster, name: "asker" });
  try {
    await run(function* () {
      const job = client.spawn(JOBS, "slow", 10_000, "x");
      yield* until("the job to start", () => job.state === "running");
      node.proc.kill("SIGQUIT");
      const id = job.id.replace(/\./g, "\\.");
      const line = new RegExp(`^ {4}${id} \\S*fixtures/jobs\\.js#slow, started \\d+ ms ago, attempt 1$`, "m");
      yield* until("the node's dump", () => line.test(node.output()));
      assert.match(node.output(), /SIGQUIT: tasklet dump/);
      assert.match(node.output(), /^cluster node quitter \(nats, cluster "q\d+", 1 worker\)$/m);
      assert.equal(node.proc.exitCode, null, "SIGQUIT must not end the node");
      job.kill();
    });
  } finally {
    await client.close(0);
    await killAll([node]);
    await server.stop();
  }
});
