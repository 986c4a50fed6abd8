// Seed 001's sentences, one by one, against createTaskletSystem() over the
// real runtime.
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { KilledError, NotJoinableError, run, TimeoutError, timeout } from "../../src/index.js";
import {
  ChannelError,
  ClosedError,
  createTaskletSystem,
  IOError,
  type IServerStreamSocket,
  type ITaskletSpawnable,
  type Operation,
  SimNetwork,
  TaskletError,
} from "../../src/system/index.js";

const sys = createTaskletSystem();

/** The seed's way: a class whose members are the arguments and whose func is the body. */
class Step implements ITaskletSpawnable<string> {
  constructor(
    private readonly log: string[],
    private readonly name: string,
    private readonly steps: number,
  ) {}
  *func(): Operation<string> {
    this.log.push(`${this.name} started`);
    for (let i = 0; i < this.steps; i++) yield* sys.schedule();
    this.log.push(`${this.name} ended`);
    return this.name;
  }
}

test("spawn: the new tasklet does not start until the current one yields (schedule)", async () => {
  const log: string[] = [];
  await run(function* () {
    const h = sys.spawn(new Step(log, "child", 0), true);
    log.push("spawned");
    assert.equal(h.isRunning(), true);
    yield* sys.schedule();
    log.push("parent resumed");
    assert.equal(yield* h.join(), "child");
    assert.equal(h.isRunning(), false);
  });
  assert.deepEqual(log, ["spawned", "child started", "child ended", "parent resumed"]);
});

test("spawn: not joinable by default (join throws NotJoinableError); joinable on request", async () => {
  await run(function* () {
    const h = sys.spawn(new Step([], "x", 0));
    assert.equal(h.isJoinable(), false);
    assert.throws(() => h.join(), NotJoinableError);
    const j = sys.spawn(new Step([], "y", 0), true);
    assert.equal(j.isJoinable(), true);
    assert.equal(yield* j.join(), "y");
  });
});

test("spawn: kill ends a tasklet blocked in msWait; join then throws KilledError", async () => {
  await run(function* () {
    let cleaned = false;
    const h = sys.spawn(
      {
        *func() {
          try {
            yield* sys.msWait(60_000);
          } finally {
            cleaned = true;
          }
        },
      },
      true,
    );
    yield* sys.schedule();
    assert.equal(h.isRunning(), true);
    h.kill();
    try {
      yield* h.join();
      assert.fail("join of a killed tasklet returned");
    } catch (e) {
      assert.ok(e instanceof KilledError);
    }
    assert.equal(cleaned, true);
    assert.equal(h.isRunning(), false);
  });
});

test("exitTasklet ends the tasklet from any depth; join returns its value; finally blocks run", async () => {
  const log: string[] = [];
  function* deep(n: number): Operation<void> {
    try {
      if (n === 0) yield* sys.exitTasklet("from the bottom");
      else yield* deep(n - 1);
      log.push("not reached");
    } finally {
      log.push(`unwound ${n}`);
    }
  }
  await run(function* () {
    const h = sys.spawn(
      {
        *func() {
          yield* deep(2);
          return "not reached";
        },
      },
      true,
    );
    assert.equal(yield* h.join(), "from the bottom");
  });
  assert.deepEqual(log, ["unwound 0", "unwound 1", "unwound 2"]);
});

test("msWait blocks the current tasklet only: others run meanwhile", async () => {
  const log: string[] = [];
  await run(function* () {
    const sleeper = sys.spawn(
      {
        *func() {
          yield* sys.msWait(20);
          log.push("sleeper woke");
        },
      },
      true,
    );
    const worker = sys.spawn(new Step(log, "worker", 3), true);
    yield* worker.join();
    yield* sleeper.join();
  });
  assert.deepEqual(log, ["worker started", "worker ended", "sleeper woke"]);
});

test("dispatch: the seed's example — t2's processing starts only after t1's ended", async () => {
  const log: string[] = [];
  class Processing implements ITaskletSpawnable<void> {
    constructor(private readonly by: string) {}
    *func(): Operation<void> {
      log.push(`processing started (${this.by})`);
      yield* sys.msWait(5);
      log.push(`processing ended (${this.by})`);
    }
  }
  await run(function* () {
    const dt = sys.createDispatchableTasklet();
    assert.equal(dt.isEmpty(), true);
    const t1 = sys.spawn(
      {
        *func() {
          yield* dt.dispatch(new Processing("t1"));
        },
      },
      true,
    );
    const t2 = sys.spawn(
      {
        *func() {
          yield* sys.msWait(1);
          yield* dt.dispatch(new Processing("t2"));
        },
      },
      true,
    );
    yield* t1.join();
    yield* t2.join();
    assert.equal(dt.isEmpty(), false);
    yield* dt.dispatch({ *func() {} }, true);
    assert.equal(dt.isEmpty(), true);
  });
  assert.deepEqual(log, [
    "processing started (t1)",
    "processing ended (t1)",
    "processing started (t2)",
    "processing ended (t2)",
  ]);
});

test("dispatch: waitEnd returns when the body ended, waitStart when it started, neither at once", async () => {
  const log: string[] = [];
  const body = (name: string): ITaskletSpawnable<void> => ({
    *func() {
      log.push(`${name} start`);
      yield* sys.msWait(2);
      log.push(`${name} end`);
    },
  });
  await run(function* () {
    const dt = sys.createDispatchableTasklet();
    yield* dt.dispatch(body("a"));
    log.push("a dispatched");
    yield* dt.dispatch(body("b"), false, true);
    log.push("b started");
    yield* dt.dispatch(body("c"), true);
    log.push("c ended");
  });
  assert.deepEqual(log, [
    "a dispatched",
    "a start",
    "a end",
    "b start",
    "b started",
    "b end",
    "c start",
    "c end",
    "c ended",
  ]);
});

test("bad arguments are refused at the call, naming the argument", async () => {
  await run(function* () {
    assert.throws(() => sys.msWait(-1), /msWait: msec/);
    assert.throws(() => sys.spawn({} as ITaskletSpawnable), /spawn: sp must be an object with a func\(\) method/);
    assert.throws(() => sys.spawn(new Step([], "x", 0), "yes" as unknown as boolean), /joinable must be a boolean/);
    assert.throws(() => sys.getServerStreamSocket(70_000), /port must be an integer/);
    assert.throws(() => sys.getClientStreamSocket("", 1), /destAddr/);
    assert.throws(() => sys.getServerDatagramSocket(1, ""), /dev must be/);
    assert.throws(() => sys.createDispatchableTasklet().dispatch(null as unknown as ITaskletSpawnable), /dispatch: sp/);
    assert.throws(() => createTaskletSystem({ network: {} as never }), /network must implement listen/);
  });
});

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
    assert.throws(() => conn.recv(buf, 0), /maxlen must be an integer in \[1/);
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
    try {
      yield* waiter.join();
      assert.fail("recvfrom on a closed socket returned");
    } catch (e) {
      assert.ok(e instanceof TaskletError && e.name === "ClosedError");
    }
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
    yield* assertTimesOut(timeout(5, conn.recv(buf)));
    yield* client.send(new Uint8Array([9]));
    assert.equal(yield* conn.recv(buf), 1);
    assert.equal(buf[0], 9);
    client.close();
    conn.close();
    server.close();
  });
});

function* assertTimesOut(op: Operation<unknown>): Operation<void> {
  try {
    yield* op;
    assert.fail("no timeout");
  } catch (e) {
    assert.ok(e instanceof TimeoutError, String(e));
  }
}

// ---- exec, read, write: real processes and files ------------------------------------------

test("execCommand gives stdout, stderr and the exit code, blocking only the calling tasklet", async () => {
  const log: string[] = [];
  await run(function* () {
    const other = sys.spawn(new Step(log, "other", 2), true);
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
      assert.throws(() => sys.read(rfd, buf, 0), /maxlen must be an integer in \[1/);
      assert.throws(() => sys.write(wfd, buf, 0), /count must be an integer in \[1/);
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

/** A listening socket on a free port of 127.0.0.1 (the seed's interface cannot report a port chosen by the kernel). */
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
    try {
      yield* sys.getClientStreamSocket("127.0.0.1", port);
      assert.fail("connected");
    } catch (e) {
      assert.ok(e instanceof IOError && e.code === "ECONNREFUSED", String(e));
    }
  });
});

// ---- channels ---------------------------------------------------------------------------------

test("channel send blocks the sender until the message was read", async () => {
  const log: string[] = [];
  await run(function* () {
    const ch = sys.getChannel<string>();
    const sender = sys.spawn(
      {
        *func() {
          log.push("send");
          yield* ch.send("m");
          log.push("sent");
        },
      },
      true,
    );
    yield* sys.msWait(5);
    log.push(`balance ${ch.getBalance()}`);
    log.push(`recv ${yield* ch.recv()}`);
    yield* sender.join();
  });
  assert.deepEqual(log, ["send", "balance 1", "recv m", "sent"]);
});

test("channel sendAsync neither blocks nor yields; getBalance counts waiting values (+) and waiting receivers (-)", async () => {
  await run(function* () {
    const ch = sys.getChannel<number>();
    let ran = false;
    sys.spawn({
      *func() {
        ran = true;
      },
    });
    ch.sendAsync(1);
    ch.sendAsync(2);
    assert.equal(ran, false, "sendAsync did not yield to the spawned tasklet");
    assert.equal(ch.getBalance(), 2);
    assert.equal(yield* ch.recv(), 1);
    assert.equal(yield* ch.recv(), 2);
    const receivers = [1, 2, 3].map(() =>
      sys.spawn(
        {
          *func() {
            return yield* ch.recv();
          },
        },
        true,
      ),
    );
    yield* sys.schedule();
    assert.equal(ch.getBalance(), -3);
    for (const r of receivers) r.kill();
    yield* sys.schedule();
    assert.equal(ch.getBalance(), 0, "killed receivers are no longer waiting");
  });
});

test("channel recv respects the order of waiting tasklets: the first to wait gets the first message", async () => {
  await run(function* () {
    const ch = sys.getChannel<string>();
    const got: string[] = [];
    const receivers = ["r1", "r2", "r3"].map((name) =>
      sys.spawn(
        {
          *func() {
            got.push(`${name}:${yield* ch.recv()}`);
          },
        },
        true,
      ),
    );
    yield* sys.schedule();
    for (const m of ["a", "b", "c"]) ch.sendAsync(m);
    for (const r of receivers) yield* r.join();
    assert.deepEqual(got, ["r1:a", "r2:b", "r3:c"]);
  });
});

test("channel recvWithTimeout throws ChannelError after the timeout, consuming nothing", async () => {
  await run(function* () {
    const ch = sys.getChannel<string>();
    try {
      yield* ch.recvWithTimeout(5);
      assert.fail("no timeout");
    } catch (e) {
      assert.ok(e instanceof ChannelError, String(e));
    }
    ch.sendAsync("late");
    assert.equal(yield* ch.recvWithTimeout(1000), "late");
    assert.throws(() => ch.recvWithTimeout(-1), /timeoutMsec/);
  });
});
