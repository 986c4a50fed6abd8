import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { joinCluster } from "../../src/cluster/index.js";
import { parseNodeArgs } from "../../src/cluster/node.js";
import { after, KilledError, run, select, sleep, type UncaughtError } from "../../src/index.js";
import { errorOf } from "../helpers.js";

const JOBS = new URL("./fixtures/jobs.js", import.meta.url);

test("an embedded cluster (no servers) runs a spawned job on a local worker and join returns its value", async () => {
  const cluster = await joinCluster({ workers: 2, name: "solo" });
  try {
    assert.equal(cluster.mode, "embedded");
    const r = await run(function* () {
      const jobs = [1, 2, 3].map((i) => cluster.spawn<{ value: number }>(JOBS, "square", i));
      const out: number[] = [];
      for (const j of jobs) out.push((yield* j.join()).value);
      return { out, node: jobs[0]?.node };
    });
    assert.deepEqual(r.out, [1, 4, 9]);
    assert.equal(r.node, "solo");
    const nodes = await cluster.nodes();
    assert.deepEqual(
      nodes.map((n) => [n.name, n.workers, n.self]),
      [["solo", 2, true]],
    );
    assert.deepEqual(
      cluster.jobs().map((j) => [j.name, j.state, j.outcome]),
      [
        ["square", "done", "ok"],
        ["square", "done", "ok"],
        ["square", "done", "ok"],
      ],
    );
  } finally {
    await cluster.close();
  }
});

test("an embedded job's error reaches join with its class, message and remote stack", async () => {
  const cluster = await joinCluster({ workers: 1 });
  try {
    const e = await run(function* () {
      try {
        yield* cluster.spawn(JOBS, "fail", "bad input").join();
      } catch (e) {
        return e;
      }
      return null;
    });
    assert.ok(e instanceof RangeError);
    assert.equal(e.message, "bad input");
    assert.match(e.stack ?? "", /fixtures\/jobs\.js/);
  } finally {
    await cluster.close();
  }
});

test("embedded kill: a queued job never starts, a running job's cleanup runs; both joins throw KilledError", async () => {
  const cluster = await joinCluster({ workers: 1 });
  const dir = mkdtempSync(join(tmpdir(), "tasklet-cluster-"));
  try {
    const running = join(dir, "running");
    const queued = join(dir, "queued");
    await run(function* () {
      // The only thread spins (a CPU-bound job never leaves its thread idle), so b waits in the queue.
      const busy = cluster.spawn(JOBS, "spin", 300);
      const b = cluster.spawn(JOBS, "cleanupOnKill", queued);
      b.kill();
      yield* busy.join();
      const a = cluster.spawn(JOBS, "cleanupOnKill", running);
      while (!existsSync(running)) yield* sleep(5);
      a.kill();
      for (const j of [a, b]) {
        yield* errorOf(j.join(), KilledError);
      }
    });
    assert.equal(readFileSync(running, "utf8"), "cleaned up on local");
    assert.equal(existsSync(queued), false);
  } finally {
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("joinCluster names the bad option and what it got", async () => {
  await assert.rejects(joinCluster({ workers: 0 }), /joinCluster: options\.workers must be an integer >= 1, got 0/);
  await assert.rejects(joinCluster({ servers: [] }), /joinCluster: options\.servers must be a URL string/);
  await assert.rejects(joinCluster({ name: "a b" }), /joinCluster: options\.name must be letters/);
});

test("importing tasklet and an embedded cluster never loads the NATS client", () => {
  // A resolve hook that fails any import of @nats-io: the embedded cluster must not trip it; a NATS one must.
  const hook = `export async function resolve(s, c, next) { if (s.startsWith("@nats-io/")) throw new Error("NATS LOADED " + s); return next(s, c); }`;
  const register = `import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
  const index = fileURLToPath(new URL("../../src/index.js", import.meta.url));
  const cluster = fileURLToPath(new URL("../../src/cluster/index.js", import.meta.url));
  const script = (servers: string) =>
    `await import(${JSON.stringify(index)}); const { joinCluster } = await import(${JSON.stringify(cluster)});` +
    `try { const c = await joinCluster({ workers: 1${servers} }); await c.close(); console.log("ok"); } catch (e) { console.log(e.message); }`;
  const go = (servers: string) =>
    spawnSync(
      process.execPath,
      [
        "--import",
        `data:text/javascript,${encodeURIComponent(register)}`,
        "--input-type=module",
        "-e",
        script(servers),
      ],
      {
        encoding: "utf8",
      },
    );
  const embedded = go("");
  assert.equal(embedded.stdout.trim(), "ok", embedded.stderr);
  const nats = go(`, servers: "nats://127.0.0.1:1"`);
  assert.match(nats.stdout, /NATS LOADED @nats-io/);
});

test("an embedded cluster channel is shared by name in the process and keeps the channel's close rule", async () => {
  const cluster = await joinCluster({ workers: 1 });
  try {
    await run(function* () {
      const tx = cluster.channel<number>("c", 2);
      assert.equal(cluster.channel<number>("c", 2), tx);
      assert.throws(() => cluster.channel("c", 3), /cluster\.channel: c is open here with capacity 2, not 3/);
      assert.throws(() => cluster.channel("c", 0), /capacity must be an integer >= 1, got 0/);
      yield* tx.send(1);
      yield* tx.send(2);
      tx.close();
      const rx = cluster.channel<number>("c", 2);
      assert.equal(yield* rx.recv(), 1);
      assert.deepEqual(yield* rx.recvOrDone(), { done: false, value: 2 });
      assert.deepEqual(yield* rx.recvOrDone(), { done: true, value: undefined });
    });
  } finally {
    await cluster.close();
  }
});

test("a cluster job's join is a select case: a timer wins while the job runs, then the join wins with its value", async () => {
  const cluster = await joinCluster({ workers: 1 });
  try {
    await run(function* () {
      const job = cluster.spawn<{ tag: string }>(JOBS, "slow", 300, "late");
      const first = yield* select(job.join(), after(20));
      assert.equal(first.index, 1);
      const second = yield* select(job.join(), after(10_000));
      assert.equal(second.index, 0);
      assert.equal((second.value as { tag: string }).tag, "late");
    });
  } finally {
    await cluster.close();
  }
});

test("the error of a cluster job that nobody joins is reported at the runtime's next idle, while its handle lives; a later join still gets it", async () => {
  const reports: UncaughtError[] = [];
  const cluster = await joinCluster({ workers: 1, onUncaught: (e) => reports.push(e) });
  try {
    await assert.rejects(cluster.spawn(JOBS, "fail", "seen").result(), /seen/);
    const job = cluster.spawn(JOBS, "fail", "nobody looked");
    while (job.isRunning()) await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 50 && reports.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(reports.length, 1);
    assert.match(reports[0]?.message ?? "", /fail \(cluster job \S+\): RangeError: nobody looked/);
    await assert.rejects(job.result(), /nobody looked/);
    assert.equal(reports.length, 1);
  } finally {
    await cluster.close();
  }
});

test("tasklet node takes joinCluster's publishTimeoutMs and keepOutcomesMs as flags, and names a bad value", () => {
  const a = parseNodeArgs(["--servers", "nats://h:4222", "--publish-timeout-ms", "250", "--keep-outcomes-ms=5000"]);
  assert.equal(a.publishTimeoutMs, 250);
  assert.equal(a.keepOutcomesMs, 5000);
  assert.equal(parseNodeArgs(["--servers", "nats://h:4222"]).publishTimeoutMs, undefined);
  assert.throws(
    () => parseNodeArgs(["--servers", "nats://h:4222", "--publish-timeout-ms", "5"]),
    /--publish-timeout-ms must be a whole number >= 10, got 5/,
  );
  assert.throws(
    () => parseNodeArgs(["--servers", "nats://h:4222", "--keep-outcomes-ms", "1h"]),
    /--keep-outcomes-ms must be a whole number >= 1000, got 1h/,
  );
});
