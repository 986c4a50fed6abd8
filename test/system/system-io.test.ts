// The ntkd tasklet interface's sentences on I/O against createTaskletSystem(): sockets (over a
// simulated network, and real TCP on loopback), execCommand with real
// processes, read/write on real files.
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { run, TimeoutError, timeout } from "../../src/index.js";
import {
  ClosedError,
  createTaskletSystem,
  IOError,
  type IServerStreamSocket,
  type Operation,
  SimNetwork,
  TaskletError,
} from "../../src/system/index.js";
import { errorOf } from "../helpers.js";

const sys = createTaskletSystem();

/** A tasklet that logs its start and end around `steps` schedules. */
function stepper(log: string[], name: string, steps: number) {
  return {
    *func(): Operation<void> {
      log.push(`${name} started`);
      for (let i = 0; i < steps; i++) yield* sys.schedule();
      log.push(`${name} ended`);
    },
  };
}

// ---- sockets, over a simulated network -------------------------------------------------

function simPair(): {
  net: SimNetwork;
  a: ReturnType<typeof createTaskletSystem>;
  b: ReturnType<typeof createTaskletSystem>;
} {
  const net = new SimNetwork();
  const a = createTaskletSystem({ network: net.host("a").addDevice("eth0", "lan", "10.0.0.1") });
  const b = createTaskletSystem({ network: net.host("b").addDevice("eth0", "lan", "10.0.0.2") });
  return { net, a, b };
}

test("stream recv returns a positive count, and ClosedError once the peer closed (zero bytes)", async () => {
  const { a, b } = simPair();
  await run(function* () {
    const server = yield* b.getServerStreamSocket(7000);
    const client = yield* a.getClientStreamSocket("10.0.0.2", 7000);
    const conn = yield* server.accept();
    assert.equal(conn.peerAddress, "10.0.0.1");
    assert.equal(conn.myAddress, "10.0.0.2");
    yield* client.send(new TextEncoder().encode("hello"));
    client.close();
    const buf = new Uint8Array(3);
    let got = "";
    for (;;) {
      let n: number;
      try {
        n = yield* conn.recv(buf);
      } catch (e) {
        assert.ok(e instanceof Error && e.name === "ClosedError", String(e));
        break;
      }
      assert.ok(n >= 1 && n <= 3);
      got += new TextDecoder().decode(buf.subarray(0, n));
    }
    assert.equal(got, "hello");
    assert.throws(() => conn.recv(buf, 0), /maxlen must be an integer in 1\.\.b\.length \(\d+\), got the number 0/);
    conn.close();
    server.close();
  });
});

test("recvfrom gives { n, rmtIp, rmtPort } of a broadcast received on the device", async () => {
  const { a, b } = simPair();
  await run(function* () {
    const rx = yield* b.getServerDatagramSocket(6000, "eth0");
    const tx = yield* a.getClientDatagramSocket(6000, "eth0");
    assert.equal(yield* tx.sendto(new Uint8Array([1, 2, 3])), 3);
    const buf = new Uint8Array(16);
    const r = yield* rx.recvfrom(buf);
    assert.equal(r.n, 3);
    assert.equal(r.rmtIp, "10.0.0.1");
    assert.ok(Number.isInteger(r.rmtPort) && r.rmtPort > 0);
    assert.deepEqual([...buf.subarray(0, 3)], [1, 2, 3]);
    // A socket closed while a tasklet waits in recvfrom wakes it with ClosedError.
    const waiter = a.spawn(
      {
        *func() {
          return yield* rx.recvfrom(buf);
        },
      },
      true,
    );
    yield* a.schedule();
    rx.close();
    const e = yield* errorOf(waiter.join());
    assert.ok(e instanceof TaskletError && e.name === "ClosedError");
    tx.close();
  });
});

test("a recv withdrawn by a timeout consumes nothing: the bytes go to the next recv", async () => {
  const { a, b } = simPair();
  await run(function* () {
    const server = yield* b.getServerStreamSocket(7001);
    const client = yield* a.getClientStreamSocket("10.0.0.2", 7001);
    const conn = yield* server.accept();
    const buf = new Uint8Array(8);
    yield* errorOf(timeout(5, conn.recv(buf)), TimeoutError);
    yield* client.send(new Uint8Array([9]));
    assert.equal(yield* conn.recv(buf), 1);
    assert.equal(buf[0], 9);
    client.close();
    conn.close();
    server.close();
  });
});

// ---- exec, read, write: real processes and files ------------------------------------------

test("execCommand gives stdout, stderr and the exit code, blocking only the calling tasklet", async () => {
  const log: string[] = [];
  await run(function* () {
    const other = sys.spawn(stepper(log, "other", 2), true);
    const r = yield* sys.execCommand("echo out; echo err >&2; exit 3");
    log.push("exec done");
    yield* other.join();
    assert.deepEqual(r, { stdout: "out\n", stderr: "err\n", exitStatus: 3 });
  });
  assert.deepEqual(log, ["other started", "other ended", "exec done"]);
});

test("execCommand: a process ended by a signal has exitStatus 128 + the signal number", async () => {
  await run(function* () {
    assert.equal((yield* sys.execCommand("kill -TERM $$")).exitStatus, 128 + 15);
    assert.equal((yield* sys.execCommand("kill -KILL $$")).exitStatus, 128 + 9);
  });
});

test("read returns positive counts from a descriptor and throws ClosedError at end of file; write returns the count", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tasklet-system-"));
  const path = join(dir, "f");
  const wfd = openSync(path, "w");
  const rfd = openSync(path, "r");
  try {
    await run(function* () {
      const data = new TextEncoder().encode("0123456789");
      assert.equal(yield* sys.write(wfd, data), 10);
      assert.equal(yield* sys.write(wfd, data, 4), 4);
      const buf = new Uint8Array(16);
      const counts: number[] = [];
      let text = "";
      for (;;) {
        let n: number;
        try {
          n = yield* sys.read(rfd, buf, 3);
        } catch (e) {
          assert.ok(e instanceof ClosedError, String(e));
          break;
        }
        counts.push(n);
        text += new TextDecoder().decode(buf.subarray(0, n));
      }
      assert.equal(text, "01234567890123");
      assert.ok(
        counts.every((n) => n >= 1 && n <= 3),
        String(counts),
      );
      assert.throws(
        () => sys.read(rfd, buf, 0),
        /maxlen must be an integer in 1\.\.b\.length \(\d+\), got the number 0/,
      );
      assert.throws(
        () => sys.write(wfd, buf, 0),
        /count must be an integer in 1\.\.b\.length \(\d+\), got the number 0/,
      );
      assert.throws(() => sys.read(-1, buf), /fd must be an integer >= 0/);
    });
    assert.equal(readFileSync(path, "utf8"), "01234567890123");
  } finally {
    closeSync(wfd);
    closeSync(rfd);
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- real sockets: TCP on loopback ---------------------------------------------------------

/** A listening socket on a free port of 127.0.0.1 (the ntkd tasklet interface cannot report a port chosen by the kernel). */
function* listenSomewhere(): Operation<{ server: IServerStreamSocket; port: number }> {
  for (let tries = 0; ; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    try {
      return { server: yield* sys.getServerStreamSocket(port, "127.0.0.1"), port };
    } catch (e) {
      if (!(e instanceof IOError && e.code === "EADDRINUSE") || tries > 20) throw e;
    }
  }
}

test("real TCP on loopback: addresses, positive recv counts, send blocking only its tasklet, ClosedError after the peer closed", async () => {
  await run(function* () {
    const { server, port } = yield* listenSomewhere();
    const accepted = sys.spawn(
      {
        *func() {
          return yield* server.accept();
        },
      },
      true,
    );
    const client = yield* sys.getClientStreamSocket("127.0.0.1", port, "127.0.0.1");
    const conn = yield* accepted.join();
    assert.equal(conn.peerAddress, "127.0.0.1");
    assert.equal(conn.myAddress, "127.0.0.1");
    assert.equal(client.peerAddress, "127.0.0.1");
    const big = new Uint8Array(1 << 20).map((_, i) => i & 0xff);
    const writer = sys.spawn(
      {
        *func() {
          yield* client.send(big);
          yield* client.send(big, 10);
          client.close();
        },
      },
      true,
    );
    const buf = new Uint8Array(4096);
    let total = 0;
    let ok = true;
    for (;;) {
      let n: number;
      try {
        n = yield* conn.recv(buf, 1000);
      } catch (e) {
        assert.ok(e instanceof ClosedError, String(e));
        break;
      }
      assert.ok(n >= 1 && n <= 1000);
      for (let i = 0; i < n; i++) if (buf[i] !== ((total + i) % (1 << 20)) % 256) ok = false;
      total += n;
    }
    yield* writer.join();
    assert.equal(total, (1 << 20) + 10);
    assert.ok(ok, "bytes arrive in order");
    conn.close();
    server.close();
  });
});

test("real TCP: connecting to a port nobody listens on throws IOError ECONNREFUSED", async () => {
  await run(function* () {
    const { server, port } = yield* listenSomewhere();
    server.close();
    const e = yield* errorOf(sys.getClientStreamSocket("127.0.0.1", port));
    assert.ok(e instanceof IOError && e.code === "ECONNREFUSED", String(e));
  });
});
