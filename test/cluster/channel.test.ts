// Cluster channels over a real nats-server: between two connections of this process (where both ends
// can be watched at every step) and between processes.
import assert from "node:assert/strict";
import { type ChildProcess, spawn as spawnProcess } from "node:child_process";
import { after as afterAll, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { connect } from "@nats-io/transport-node";
import { ChannelGapError, ChannelPeerLostError, type Cluster, joinCluster } from "../../src/cluster/index.js";
import type { NatsCluster } from "../../src/cluster/nats-cluster.js";
import { encode } from "../../src/cluster/wire.js";
import { after, ChannelClosedError, ChannelError, run, select, sleep, spawn } from "../../src/index.js";
import { errorOf } from "../helpers.js";
import { type NatsServer, natsMissing, startNats } from "./harness.js";

const PEER = fileURLToPath(new URL("./fixtures/peer.js", import.meta.url));
const missing = natsMissing();
if (missing !== null) console.log(`# cluster channel tests skipped: ${missing}`);
const skip = missing ?? false;
const CLUSTER = `c${process.pid}`;

let server: NatsServer;
let a: Cluster;
let b: Cluster;

before(async () => {
  if (missing !== null) return;
  server = await startNats();
  a = await joinCluster({ servers: server.url, cluster: CLUSTER, name: "a" });
  b = await joinCluster({ servers: server.url, cluster: CLUSTER, name: "b" });
});

afterAll(async () => {
  if (missing !== null) return;
  await a?.close(0);
  await b?.close(0);
  await server?.stop();
});

function peer(role: "send" | "recv", name: string, count: number, capacity: number) {
  const proc: ChildProcess = spawnProcess(
    process.execPath,
    [PEER, server.url, CLUSTER, role, name, String(count), String(capacity)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  proc.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | string>((r) => proc.once("exit", (code, sig) => r(code ?? (sig as string))));
  const waitFor = async (text: string) => {
    const deadline = Date.now() + 20_000;
    while (!out.includes(text)) {
      assert.ok(Date.now() < deadline && proc.exitCode === null, `peer never said "${text}": ${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { proc, exited, waitFor, output: () => out };
}

test("a sender is never more than capacity values ahead of the receivers, and values arrive in order", {
  skip,
}, async () => {
  const capacity = 16;
  await run(function* () {
    const tx = a.channel<number>("bounded", capacity);
    const rx = b.channel<number>("bounded", capacity);
    let sent = 0;
    let received = 0;
    let most = 0;
    // The receiver is slow (a pause every 100 values); the sender runs as fast as credit lets it.
    const sender = spawn(function* () {
      for (let i = 0; i < 3000; i++) {
        yield* tx.send(i);
        sent++;
        most = Math.max(most, sent - received);
      }
    });
    for (let i = 0; i < 3000; i++) {
      const v = yield* rx.recv();
      assert.equal(v, i);
      received++;
      assert.ok(sent - received <= capacity, `${sent} sent and ${received} received with capacity ${capacity}`);
      if (i % 100 === 99) yield* sleep(2);
    }
    yield* sender.join();
    assert.ok(most <= capacity, `the sender got ${most} ahead`);
    assert.ok(most >= capacity / 2, `the sender should use its window, got only ${most} ahead`);
  });
});

test("100 000 values from another process arrive once each, in order, then the close", { skip }, async () => {
  const p = peer("send", "bulk", 100_000, 256);
  try {
    await p.waitFor("ready");
    const { n, sum, ms } = await run(function* () {
      const rx = a.channel<number>("bulk", 256);
      let n = 0;
      let sum = 0;
      const t0 = performance.now();
      for (let r = yield* rx.recvOrDone(); !r.done; r = yield* rx.recvOrDone()) {
        assert.equal(r.value, n);
        n++;
        sum += r.value;
      }
      return { n, sum, ms: performance.now() - t0 };
    });
    assert.equal(n, 100_000);
    assert.equal(sum, (100_000 * 99_999) / 2);
    assert.equal(await p.exited, 0);
    console.log(
      `# 100 000 values across processes in ${ms.toFixed(0)} ms (${((n / ms) * 1000).toFixed(0)}/s); ${p.output().trim()}`,
    );
  } finally {
    p.proc.kill("SIGKILL");
  }
});

test("close: values sent before it are received, then recv throws ChannelClosedError and send throws ChannelError", {
  skip,
}, async () => {
  await run(function* () {
    const tx = a.channel<string>("closing", 4);
    const rx = b.channel<string>("closing", 4);
    assert.deepEqual(rx.tryRecv(), { ok: false, closed: false });
    yield* tx.send("x");
    yield* tx.send("y");
    tx.close();
    assert.equal(yield* rx.recv(), "x");
    assert.equal(yield* rx.recv(), "y");
    yield* errorOf(rx.recv(), ChannelClosedError);
    assert.deepEqual(yield* rx.recvOrDone(), { done: true, value: undefined });
    const e = yield* errorOf(tx.send("z"));
    assert.ok(e instanceof ChannelError && !(e instanceof ChannelClosedError), String(e));
  });
});

test("recv and send of a cluster channel are select cases; a send that loses to a timer sends nothing", {
  skip,
}, async () => {
  await run(function* () {
    const tx = a.channel<number>("selecting", 1);
    const rx = b.channel<number>("selecting", 1);
    const idle = yield* select(rx.recv(), after(30));
    assert.equal(idle.index, 1);
    const sent = yield* select(tx.send(7), after(5_000));
    assert.equal(sent.index, 0);
    // The window (1) is full until 7 is taken: a second send loses to the timer and sends nothing.
    const full = yield* select(tx.send(8), after(100));
    assert.equal(full.index, 1);
    const got = yield* select(rx.recv(), after(5_000));
    assert.deepEqual([got.index, got.value], [0, 7]);
    yield* tx.send(9);
    assert.equal(yield* rx.recv(), 9);
    assert.deepEqual(rx.tryRecv(), { ok: false, closed: false });
  });
});

test("a value missing from a sender's sequence fails the channel with ChannelGapError, after what arrived", {
  skip,
}, async () => {
  const nc = await connect({ servers: server.url });
  try {
    await run(function* () {
      const tx = a.channel<number>("gappy", 8);
      const rx = b.channel<number>("gappy", 8);
      rx.tryRecv(); // b becomes a receiver (a process takes that role at its first receive)
      yield* tx.send(1);
      assert.equal(yield* rx.recv(), 1);
      // A forged value #5 from a's endpoint: #2 to #4 never came.
      const sender = (a as NatsCluster).client;
      const receiver = (b as NatsCluster).client;
      nc.publish(`tasklet.${CLUSTER}.ch.gappy.r.${receiver}`, encode([sender, 5, [99], 0]));
      const e = yield* errorOf(rx.recv());
      assert.ok(e instanceof ChannelGapError, String(e));
      assert.match((e as Error).message, /expected value #2 and got #5/);
    });
  } finally {
    await nc.close();
  }
});

test("a receiving process lost with values in flight fails the waiting sender with ChannelPeerLostError", {
  skip,
}, async () => {
  const p = peer("recv", "lossy", 10, 4);
  try {
    await p.waitFor("ready");
    const e = await run(function* () {
      const tx = a.channel<number>("lossy", 4);
      for (let i = 0; i < 10; i++) yield* tx.send(i);
      while (!p.output().includes("took 10")) yield* sleep(10);
      for (let i = 0; i < 4; i++) yield* tx.send(i); // the window is full now: nobody takes them
      p.proc.kill("SIGKILL");
      const t0 = Date.now();
      const e = yield* errorOf(tx.send(99));
      return { e, ms: Date.now() - t0 };
    });
    assert.ok(e.e instanceof ChannelPeerLostError, String(e.e));
    assert.match((e.e as Error).message, /receiving node peer-recv-\d+ was lost/);
    assert.ok(e.ms < 10_000, `took ${e.ms} ms`);
  } finally {
    p.proc.kill("SIGKILL");
  }
});
