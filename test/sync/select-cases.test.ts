// select (src/sync/select.ts) with a case of every kind that offers one:
// each primitive's case wins over a blocked channel receive, and loses to a
// channel receive without taking anything (the lock stays free, the permit
// stays there, the byte stays readable). Every case goes through the same
// protocol (core/wait.ts) and, for a single wait, the same WaitOp
// (core/wait-op.ts); these tests are what keeps them interchangeable.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runtime } from "../../src/core/runtime.js";
import type { Waitable } from "../../src/core/wait.js";
import {
  after,
  channel,
  current,
  defaultCase,
  Event,
  Mutex,
  type Operation,
  post,
  run,
  Semaphore,
  schedule,
  select,
  spawn,
  TaskletPool,
  timeout,
  until,
  WaitGroup,
} from "../../src/index.js";
import { bindUdp, connect, listen } from "../../src/io/index.js";
import { spawnProcess } from "../../src/io/process.js";
import { signalWaitable } from "../../src/io/signal.js";
import { closeAfterEach, GIVE_UP_MS, settle } from "../helpers.js";

const HOST = "127.0.0.1";

const track = closeAfterEach();

/**
 * Selects `c` against a channel receive that a sender completes while both
 * cases wait: the receive must win, and `c` must be withdrawn.
 */
function* losesToRecv(c: Waitable<unknown>): Operation<void> {
  const ch = channel<string>();
  spawn(function* () {
    yield* ch.send("other");
  });
  const r = yield* timeout(GIVE_UP_MS, select(c, ch.recv()));
  assert.deepEqual(r, { index: 1, value: "other" });
}

/**
 * Selects `c` against a receive on an empty channel while `ready()` (run by
 * another tasklet) makes `c` ready: `c` must win with a value that `check`
 * accepts, and the losing receive must take nothing (a value sent later is
 * still there).
 */
function* winsOverRecv<T>(c: Waitable<T>, ready: () => void, check: (v: T) => void = () => {}): Operation<void> {
  const ch = channel<string>();
  spawn(function* () {
    ready();
  });
  const r = yield* timeout(GIVE_UP_MS, select(c, ch.recv()));
  assert.equal(r.index, 0);
  check(r.value as T);
  ch.sendAsync("later");
  assert.deepEqual(ch.tryRecv(), { ok: true, value: "later" }, "the losing receive took nothing");
}

test("Mutex.lockCase(): when it loses, the lock released later stays free; when it wins, the selecting tasklet holds the lock", async () => {
  await run(function* () {
    const m = new Mutex();
    const holder = spawn(function* () {
      yield* m.lock();
      yield* schedule();
      yield* schedule();
      m.unlock();
    });
    yield* schedule();
    yield* losesToRecv(m.lockCase());
    yield* holder.join();
    assert.equal(m.owner, null, "the lock was not handed to the withdrawn case");
    assert.equal(m.tryLock(), true);
    m.unlock();
    const gate = channel<void>();
    spawn(function* () {
      yield* m.lock();
      yield* gate.recv();
      m.unlock();
    });
    yield* schedule();
    yield* winsOverRecv(m.lockCase(), () => gate.sendAsync(undefined));
    assert.equal(m.owner, current());
    m.unlock();
  });
});

test("Semaphore.acquireCase(): when it loses, a permit released later is still there; when it wins, it took one", async () => {
  await run(function* () {
    const s = new Semaphore(1);
    assert.equal(s.tryAcquire(), true, "this tasklet holds the only permit");
    yield* losesToRecv(s.acquireCase());
    s.release();
    assert.equal(s.available, 1, "the withdrawn case took no permit");
    assert.equal(s.tryAcquire(), true);
    yield* winsOverRecv(s.acquireCase(), () => s.release());
    assert.equal(s.available, 0);
  });
});

test("Event.waitCase() loses to a receive, and wins when the event is set", async () => {
  await run(function* () {
    const e = new Event();
    yield* losesToRecv(e.waitCase());
    yield* winsOverRecv(e.waitCase(), () => e.set());
    assert.equal(e.isSet(), true, "waiting consumes nothing");
  });
});

test("WaitGroup.waitCase() loses to a receive, and wins when the count reaches zero", async () => {
  await run(function* () {
    const g = new WaitGroup();
    g.add(1);
    yield* losesToRecv(g.waitCase());
    yield* winsOverRecv(g.waitCase(), () => g.done());
  });
});

test("TaskletPool.spawnCase(): when it loses, nothing is spawned and the slot stays free; when it wins, it spawned", async () => {
  await run(function* () {
    const pool = new TaskletPool(1);
    const gate = channel<void>();
    const ran: string[] = [];
    yield* pool.spawn(function* () {
      yield* gate.recv();
    });
    yield* losesToRecv(
      pool.spawnCase(function* () {
        ran.push("lost");
      }),
    );
    gate.sendAsync(undefined);
    yield* settle();
    assert.equal(pool.running, 0, "the withdrawn case took no slot");
    assert.equal(ran.length, 0, "the withdrawn case spawned nothing");
    yield* pool.spawn(function* () {
      yield* gate.recv();
    });
    yield* winsOverRecv(
      pool.spawnCase(function* () {
        ran.push("won");
        return 7;
      }),
      () => gate.sendAsync(undefined),
      (t) => assert.equal(typeof t.join, "function"),
    );
    yield* settle();
    assert.deepEqual(ran, ["won"]);
  });
});

test("PostedCall.resultCase() loses to a receive (the result is kept for later), and wins when the call runs", async () => {
  await run(function* () {
    const gate = channel<void>();
    const target = spawn(function* () {
      yield* gate.recv();
      yield* gate.recv();
      yield* gate.recv();
    });
    yield* schedule();
    const c = post(target, () => 41);
    yield* losesToRecv(c.resultCase());
    gate.sendAsync(undefined);
    yield* settle();
    assert.equal(c.isDone(), true);
    assert.equal(yield* c.result(), 41, "the withdrawn case took nothing");
    const d = post(target, () => 42);
    yield* winsOverRecv(
      d.resultCase(),
      () => gate.sendAsync(undefined),
      (v) => assert.equal(v, 42),
    );
    gate.sendAsync(undefined);
    yield* target.join();
  });
});

test("join() as a case loses to a receive, and wins with the tasklet's value when it ends", async () => {
  await run(function* () {
    const gate = channel<void>();
    const t = spawn(function* () {
      yield* gate.recv();
      return "end";
    });
    yield* losesToRecv(t.join());
    yield* winsOverRecv(
      t.join(),
      () => gate.sendAsync(undefined),
      (v) => assert.equal(v, "end"),
    );
    assert.equal(yield* t.join(), "end");
  });
});

test("after() loses to a receive and leaves no timer; it wins over an empty channel", async () => {
  await run(function* () {
    yield* losesToRecv(after(GIVE_UP_MS));
    const ch = channel<string>();
    const r = yield* select(ch.recv(), after(1));
    assert.equal(r.index, 1);
    ch.sendAsync("later");
    assert.deepEqual(ch.tryRecv(), { ok: true, value: "later" });
  });
  // run() resolved although a 5 s after() was selected: its timer was removed.
});

test("defaultCase() fires only when no other case is ready, and then every other case is untouched", async () => {
  await run(function* () {
    const free = new Mutex();
    assert.equal((yield* select(free.lockCase(), defaultCase())).index, 0, "a free lock beats the default");
    assert.equal(free.owner, current());
    const m = new Mutex();
    const s = new Semaphore(1);
    assert.equal(s.tryAcquire(), true, "this tasklet holds the only permit");
    const ch = channel<number>();
    const gate = channel<void>();
    spawn(function* () {
      yield* m.lock();
      yield* gate.recv();
      m.unlock();
    });
    yield* schedule();
    const r = yield* select(m.lockCase(), s.acquireCase(), ch.recv(), defaultCase());
    assert.equal(r.index, 3);
    gate.sendAsync(undefined);
    yield* settle();
    assert.equal(m.tryLock(), true, "the lock was not handed to the select");
    s.release();
    assert.equal(s.available, 1);
    ch.sendAsync(5);
    assert.deepEqual(ch.tryRecv(), { ok: true, value: 5 });
  });
});

test("TCP recv and accept as cases: the one that loses leaves its byte and its connection for later", async () => {
  await run(function* () {
    const holds = runtime().holds;
    const server = track(yield* listen({ port: 0, host: HOST }));
    const client = track(yield* connect({ host: HOST, port: server.address.port }));
    const conn = track(yield* server.accept());
    const buf = Buffer.alloc(8);
    yield* losesToRecv(conn.recv(buf));
    yield* losesToRecv(server.accept());
    assert.equal(runtime().holds, holds, "the withdrawn io cases gave their holds back");
    yield* client.send("x");
    const late = track(yield* connect({ host: HOST, port: server.address.port }));
    assert.equal(yield* timeout(GIVE_UP_MS, conn.recv(buf)), 1);
    assert.equal(buf.toString("utf8", 0, 1), "x", "the byte was still readable");
    const accepted = track(yield* timeout(GIVE_UP_MS, server.accept()));
    assert.equal(accepted.peerPort, late.myPort, "the connection was still queued");
  });
});

test("TCP recv wins over a receive when bytes come; UDP recvfrom loses and the datagram waits for the next recvfrom", async () => {
  await run(function* () {
    const server = track(yield* listen({ port: 0, host: HOST }));
    const client = track(yield* connect({ host: HOST, port: server.address.port }));
    const conn = track(yield* server.accept());
    const buf = Buffer.alloc(8);
    const ch = channel<string>();
    spawn(function* () {
      yield* client.send("hi");
    });
    const r = yield* timeout(GIVE_UP_MS, select(conn.recv(buf), ch.recv()));
    assert.equal(r.index, 0);
    assert.equal(buf.toString("utf8", 0, r.value as number), "hi");

    const a = track(yield* bindUdp({ port: 0, address: HOST }));
    const s = track(yield* bindUdp({ port: 0, address: HOST }));
    yield* losesToRecv(a.recvfrom(buf));
    yield* s.sendto("dgram", HOST, a.address.port);
    const d = yield* timeout(GIVE_UP_MS, a.recvfrom(buf));
    assert.equal(buf.toString("utf8", 0, d.n), "dgram");
    yield* s.sendto("again", HOST, a.address.port);
    const w = yield* timeout(GIVE_UP_MS, select(a.recvfrom(buf), channel<void>().recv()));
    assert.equal(w.index, 0);
    assert.equal(buf.toString("utf8", 0, (w.value as { n: number }).n), "again");
  });
});

test("a process's exit and a signal as cases: each loses to a receive, then wins in its turn", async () => {
  await run(function* () {
    const holds = runtime().holds;
    const p = spawnProcess(["sleep", "30"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    try {
      yield* losesToRecv(p.exited);
      yield* losesToRecv(signalWaitable("SIGURG"));
      assert.equal(runtime().holds, holds, "the withdrawn cases gave their holds back");
      assert.equal(process.listenerCount("SIGURG"), 0, "the withdrawn signal case let go of its handler");
      yield* winsOverRecv(
        signalWaitable("SIGURG"),
        () => process.kill(process.pid, "SIGURG"),
        (sig) => assert.equal(sig, "SIGURG"),
      );
      yield* winsOverRecv(
        p.exited,
        () => p.kill(),
        (code) => assert.equal(code, 128 + 9),
      );
      assert.equal(runtime().holds, holds);
    } finally {
      p.kill();
    }
  });
});

test("a child's stdout recv as a case: when it loses, the bytes written later are still read; it wins when they come", async () => {
  await run(function* () {
    const p = spawnProcess(["cat"], { stderr: "ignore" });
    try {
      const out = p.stdout as NonNullable<typeof p.stdout>;
      const input = p.stdin as NonNullable<typeof p.stdin>;
      const buf = Buffer.alloc(8);
      yield* losesToRecv(out.recv(buf));
      yield* input.send(Buffer.from("a"));
      assert.equal(yield* timeout(GIVE_UP_MS, out.recv(buf)), 1);
      assert.equal(buf.toString("utf8", 0, 1), "a", "the withdrawn case took nothing");
      yield* input.send(Buffer.from("b"));
      const r = yield* timeout(GIVE_UP_MS, select(out.recv(buf), channel<void>().recv()));
      assert.equal(r.index, 0);
      assert.equal(buf.toString("utf8", 0, r.value as number), "b");
    } finally {
      p.kill();
    }
  });
});

test("until(promise): when it loses, the promise's value is still its result afterwards and no hold is left; when it wins, it gives the value", async () => {
  await run(function* () {
    let resolve: (v: string) => void = () => {};
    const p = new Promise<string>((r) => {
      resolve = r;
    });
    const u = until(p);
    yield* losesToRecv(u);
    assert.equal(runtime().holds, 0, "the withdrawn case gave its hold back");
    let later: (v: string) => void = () => {};
    const q = new Promise<string>((r) => {
      later = r;
    });
    yield* winsOverRecv(
      until(q),
      () => later("won"),
      (v) => assert.equal(v, "won"),
    );
    resolve("kept");
    assert.equal(yield* u, "kept");
    assert.equal(runtime().holds, 0);
  });
});
