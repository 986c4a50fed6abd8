// The simulated network: topology, errors of the socket factories, the knobs
// a test turns (drops, seeded losses, links and devices down).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Xoshiro128 } from "../../src/core/prng.js";
import { ClosedError, IOError, type Operation, TimeoutError, timeout } from "../../src/index.js";
import { createTaskletSystem, type ITasklet, SimNetwork } from "../../src/system/index.js";
import { runTest } from "../../src/testing/index.js";
import { errorOf } from "../helpers.js";

function lan(seed = 1): { net: SimNetwork; sys: ITasklet[] } {
  const net = new SimNetwork({ seed });
  const sys = ["a", "b", "c"].map((h, i) =>
    createTaskletSystem({ network: net.host(h).addDevice("eth0", "lan", `10.0.0.${i + 1}`) }),
  );
  return { net, sys };
}

/** Sends `count` datagrams from sys[0] and counts how many sys[1] got. */
function* countDelivered(net: SimNetwork, sys: ITasklet[], count: number, port: number): Operation<number> {
  const before = net.stats.delivered;
  const rx = yield* (sys[1] as ITasklet).getServerDatagramSocket(port, "eth0");
  const tx = yield* (sys[0] as ITasklet).getClientDatagramSocket(port, "eth0");
  for (let i = 0; i < count; i++) yield* tx.sendto(new Uint8Array([i]));
  // Datagrams are delivered within the send: what was not lost waits on rx.
  const got = net.stats.delivered - before;
  rx.close();
  tx.close();
  return got;
}

test("socket factories throw the system's errors: EADDRINUSE, ENODEV, ECONNREFUSED, EHOSTUNREACH, EADDRNOTAVAIL", async () => {
  const { net, sys } = lan();
  const [a, b] = sys as [ITasklet, ITasklet];
  net.host("far").addDevice("eth0", "other", "10.9.9.9");
  await runTest(function* () {
    const s = yield* a.getServerStreamSocket(80);
    assert.equal((yield* errorOf(a.getServerStreamSocket(80), IOError)).code, "EADDRINUSE");
    const u = yield* a.getServerDatagramSocket(53, "eth0");
    assert.equal((yield* errorOf(a.getServerDatagramSocket(53, "eth0"), IOError)).code, "EADDRINUSE");
    assert.equal((yield* errorOf(a.getServerDatagramSocket(53, "wlan0"), IOError)).code, "ENODEV");
    assert.equal((yield* errorOf(a.getClientDatagramSocket(53, "wlan0"), IOError)).code, "ENODEV");
    assert.equal((yield* errorOf(b.getClientStreamSocket("10.0.0.1", 81), IOError)).code, "ECONNREFUSED");
    assert.equal((yield* errorOf(b.getClientStreamSocket("10.9.9.9", 80), IOError)).code, "EHOSTUNREACH");
    assert.equal((yield* errorOf(b.getClientStreamSocket("10.0.0.1", 80, "10.0.0.1"), IOError)).code, "EADDRNOTAVAIL");
    s.close();
    u.close();
    // Closing frees the port and the (device, port) pair.
    (yield* a.getServerStreamSocket(80)).close();
    (yield* a.getServerDatagramSocket(53, "eth0")).close();
  });
});

test("a broadcast reaches every socket on the link, the sender's host included, and no other link", async () => {
  const { net, sys } = lan();
  const far = createTaskletSystem({ network: net.host("far").addDevice("eth0", "other", "10.9.9.9") });
  await runTest(function* () {
    const rxs = [];
    for (const s of [...sys, far]) rxs.push(yield* s.getServerDatagramSocket(9, "eth0"));
    const tx = yield* (sys[1] as ITasklet).getClientDatagramSocket(9, "eth0");
    yield* tx.sendto(new TextEncoder().encode("hi"));
    assert.equal(net.stats.delivered, 3);
    const buf = new Uint8Array(1);
    for (const rx of rxs.slice(0, 3)) {
      const r = yield* rx.recvfrom(buf);
      assert.equal(r.n, 1, "a datagram longer than maxlen is truncated, as UDP does");
      assert.equal(r.rmtIp, "10.0.0.2");
    }
    const farGot = (rxs[3] as (typeof rxs)[0]).recvfrom(buf);
    yield* errorOf(timeout(5, farGot), TimeoutError);
    for (const rx of rxs) rx.close();
    tx.close();
  });
});

test("dropNext, dropFrom, a link or a device down lose datagrams; up again, they flow", async () => {
  const { net, sys } = lan();
  await runTest(function* () {
    net.dropNext(3);
    assert.equal(yield* countDelivered(net, sys, 5, 1), 2);
    net.dropNext(1, "lan");
    assert.equal(yield* countDelivered(net, sys, 5, 1), 4);
    net.dropFrom("b", 5); // b is not the sender here
    assert.equal(yield* countDelivered(net, sys, 5, 1), 5);
    net.setLinkUp("lan", false);
    assert.equal(yield* countDelivered(net, sys, 5, 1), 0);
    net.setLinkUp("lan", true);
    net.setDeviceUp("b", "eth0", false);
    assert.equal(yield* countDelivered(net, sys, 5, 1), 0);
    net.setDeviceUp("b", "eth0", true);
    assert.equal(yield* countDelivered(net, sys, 5, 1), 5);
  });
  assert.throws(() => net.dropNext(-1), RangeError);
  assert.throws(() => net.setLinkUp("nope", false), /no link named nope/);
  assert.throws(() => (net.dropProbability = 2), /dropProbability/);
});

test("losses drawn with a drop probability are the same for the same seed, and differ for another", async () => {
  const pattern = (seed: number): Promise<string> =>
    runTest(function* () {
      const { net, sys } = lan(seed);
      net.dropProbability = 0.5;
      const rx = yield* (sys[1] as ITasklet).getServerDatagramSocket(2, "eth0");
      const tx = yield* (sys[0] as ITasklet).getClientDatagramSocket(2, "eth0");
      for (let i = 0; i < 64; i++) yield* tx.sendto(new Uint8Array([i]));
      const got: number[] = [];
      const buf = new Uint8Array(1);
      for (let i = 0; i < net.stats.delivered; i++) {
        yield* rx.recvfrom(buf);
        got.push(buf[0] as number);
      }
      return got.join(",");
    });
  const p1 = await pattern(42);
  assert.equal(await pattern(42), p1);
  assert.notEqual(await pattern(43), p1);
  const n = p1.split(",").length;
  assert.ok(n > 10 && n < 54, `${n} of 64 delivered with p = 0.5`);
});

test("the losses are the package's seeded generator's draws: datagram i is lost when the i-th draw of Xoshiro128(seed) is below the drop probability", async () => {
  const seed = 42;
  const p = 0.5;
  const got = await runTest(function* () {
    const { net, sys } = lan(seed);
    net.dropProbability = p;
    const rx = yield* (sys[1] as ITasklet).getServerDatagramSocket(2, "eth0");
    const tx = yield* (sys[0] as ITasklet).getClientDatagramSocket(2, "eth0");
    for (let i = 0; i < 64; i++) yield* tx.sendto(new Uint8Array([i]));
    const out: number[] = [];
    const buf = new Uint8Array(1);
    for (let i = 0; i < net.stats.delivered; i++) {
      yield* rx.recvfrom(buf);
      out.push(buf[0] as number);
    }
    return out;
  });
  const g = new Xoshiro128(seed);
  const kept = Array.from({ length: 64 }, (_, i) => i).filter(() => g.random() >= p);
  assert.deepEqual(got, kept);
});

test("a simulated stream delivers every byte once, in order, whatever the sizes of sends and recvs (property)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 20 }),
      fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }),
      async (chunks, sizes) => {
        const { sys } = lan();
        const [a, b] = sys as [ITasklet, ITasklet];
        const got = await runTest(function* () {
          const server = yield* b.getServerStreamSocket(1);
          const client = yield* a.getClientStreamSocket("10.0.0.2", 1);
          const conn = yield* server.accept();
          const writer = a.spawn(
            {
              *func() {
                for (const c of chunks) {
                  yield* client.send(c);
                  yield* a.schedule();
                }
                client.close();
              },
            },
            true,
          );
          const out: number[] = [];
          for (let i = 0; ; i++) {
            const buf = new Uint8Array(sizes[i % sizes.length] as number);
            try {
              const n = yield* conn.recv(buf);
              assert.ok(n >= 1 && n <= buf.length);
              out.push(...buf.subarray(0, n));
            } catch (e) {
              assert.equal((e as Error).name, "ClosedError");
              break;
            }
          }
          yield* writer.join();
          server.close();
          return out;
        });
        assert.deepEqual(
          got,
          chunks.flatMap((c) => [...c]),
        );
      },
    ),
    { numRuns: 100 },
  );
});

test("a send to a peer that closed is a ClosedError with code EPIPE, as on a real socket", async () => {
  const { sys } = lan();
  const [a, b] = sys as [ITasklet, ITasklet];
  const e = await runTest(function* () {
    const server = yield* b.getServerStreamSocket(1);
    const client = yield* a.getClientStreamSocket("10.0.0.2", 1);
    const conn = yield* server.accept();
    conn.close();
    server.close();
    try {
      yield* client.send(new Uint8Array([1]));
      return null;
    } catch (err) {
      return err;
    } finally {
      client.close();
    }
  });
  assert.ok(e instanceof ClosedError, String(e));
  assert.equal((e as ClosedError).code, "EPIPE");
});
