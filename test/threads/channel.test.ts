import assert from "node:assert/strict";
import { test } from "node:test";
import { threadId } from "node:worker_threads";
import {
  ChannelClosedError,
  ChannelError,
  ChannelTimeoutError,
  KilledError,
  type Operation,
  run,
  schedule,
  sleep,
  spawn,
  TimeoutError,
  timeout,
} from "../../src/index.js";
import { ThreadChannel, WorkerPool } from "../../src/threads/index.js";
import { errorOf } from "../helpers.js";

const JOBS = new URL("./fixtures/jobs.js", import.meta.url);

function* drainLocal<T>(ch: ThreadChannel<T>): Operation<T[]> {
  const got: T[] = [];
  for (;;) {
    try {
      got.push(yield* ch.recv());
    } catch (e) {
      if (e instanceof ChannelClosedError) return got;
      throw e;
    }
  }
}

test("a buffered thread channel delivers FIFO; send blocks while it is full", async () => {
  await run(function* () {
    const ch = new ThreadChannel<number>(2);
    let sent = 0;
    const p = spawn(function* () {
      for (let i = 0; i < 5; i++) {
        yield* ch.send(i);
        sent++;
      }
    });
    yield* schedule();
    yield* schedule();
    assert.equal(sent, 2);
    assert.equal(ch.balance, 3);
    const got: number[] = [];
    for (let i = 0; i < 5; i++) got.push(yield* ch.recv());
    yield* p.join();
    assert.deepEqual(got, [0, 1, 2, 3, 4]);
  });
});

test("a rendezvous thread channel's send blocks until a receiver waits, and hands the value to it", async () => {
  await run(function* () {
    const ch = new ThreadChannel<string>(0);
    let done = false;
    const s = spawn(function* () {
      yield* ch.send("x");
      done = true;
    });
    for (let i = 0; i < 5; i++) yield* schedule();
    assert.equal(done, false);
    assert.equal(yield* ch.recv(), "x");
    yield* s.join();
    assert.equal(done, true);
  });
});

test("after close, values sent before are received, then recv throws ChannelClosedError and send ChannelError", async () => {
  await run(function* () {
    const ch = new ThreadChannel<number>(4);
    yield* ch.send(1);
    yield* ch.send(2);
    ch.close();
    ch.close();
    assert.equal(yield* ch.recv(), 1);
    assert.equal(yield* ch.recv(), 2);
    yield* errorOf(ch.recv(), ChannelClosedError);
    const e = yield* errorOf(ch.send(3));
    assert.ok(e instanceof ChannelError && !(e instanceof ChannelClosedError));
  });
});

test("close wakes blocked receivers with ChannelClosedError", async () => {
  await run(function* () {
    const ch = new ThreadChannel<number>(1);
    const r = spawn(() => errorOf(ch.recv()));
    yield* schedule();
    assert.equal(ch.balance, -1);
    ch.close();
    assert.ok((yield* r.join()) instanceof ChannelClosedError);
  });
});

test("numbers, bytes and cloneable values keep their value across a thread channel", async () => {
  const values: unknown[] = [
    7,
    -2147483648,
    2 ** 40,
    0.5,
    -0,
    Number.NaN,
    "text",
    new Uint8Array([1, 2, 3, 250]),
    { a: [1, { b: "c" }], d: null },
    new Map([[1, "one"]]),
  ];
  const pool = new WorkerPool({ size: 1 });
  try {
    await run(function* () {
      const inp = new ThreadChannel<unknown>(4, { bufferBytes: 256 });
      const out = new ThreadChannel<unknown>(4);
      const echo = pool.spawn<number>(JOBS, "echo", inp, out);
      const got: unknown[] = [];
      const reader = spawn(function* () {
        for (let i = 0; i < values.length * 20; i++) got.push(yield* out.recv());
      });
      for (let round = 0; round < 20; round++) for (const v of values) yield* inp.send(v);
      inp.close();
      assert.equal(yield* echo.join(), values.length * 20);
      yield* reader.join();
      for (let i = 0; i < got.length; i++) assert.deepEqual(got[i], values[i % values.length]);
      assert.ok(got[7] instanceof Uint8Array);
    });
  } finally {
    await pool.close();
  }
});

test("a value larger than the channel's ring is refused with a RangeError; bad options too", async () => {
  assert.throws(() => new ThreadChannel(-1), RangeError);
  assert.throws(() => new ThreadChannel(1, { bufferBytes: 100 }), RangeError);
  await run(function* () {
    const ch = new ThreadChannel<Uint8Array>(1, { bufferBytes: 64 });
    yield* errorOf(ch.send(new Uint8Array(100)), RangeError);
  });
});

test("a channel used by tasklets on three threads at once loses and duplicates no value", async () => {
  const N = 20_000;
  const pool = new WorkerPool({ size: 2 });
  try {
    await run(function* () {
      const ch = new ThreadChannel<number>(16);
      // Each producer holds its thread until both arrived, so the two sit on the two workers.
      const barrier = new Int32Array(new SharedArrayBuffer(4));
      const p1 = pool.spawn<number>(JOBS, "barrierThenProduce", ch, 0, N, barrier, 2);
      const p2 = pool.spawn<number>(JOBS, "barrierThenProduce", ch, N, 2 * N, barrier, 2);
      const c1 = pool.spawn<{ got: number[]; threadId: number }>(JOBS, "drainWhere", ch);
      const c2 = pool.spawn<{ got: number[]; threadId: number }>(JOBS, "drainWhere", ch);
      const local = spawn(() => drainLocal(ch));
      const mine = spawn(function* () {
        for (let i = 2 * N; i < 3 * N; i++) yield* ch.send(i);
      });
      const w1 = yield* p1.join();
      const w2 = yield* p2.join();
      yield* mine.join();
      ch.close();
      const r1 = yield* c1.join();
      const r2 = yield* c2.join();
      const r3 = yield* local.join();
      assert.equal(new Set([w1, w2, threadId]).size, 3, "producers ran on two workers and the main thread");
      const all = [...r1.got, ...r2.got, ...r3].sort((a, b) => a - b);
      assert.equal(all.length, 3 * N);
      for (let i = 0; i < 3 * N; i++) assert.equal(all[i], i);
      // Per-sender order is kept in every receiver.
      for (const got of [r1.got, r2.got, r3]) {
        const last = [-1, -1, -1];
        for (const v of got) {
          const k = Math.floor(v / N);
          assert.ok(v > (last[k] as number));
          last[k] = v;
        }
      }
    });
  } finally {
    await pool.close();
  }
});

test("a killed receiver waiting on a thread channel takes nothing: the next receiver gets the value", async () => {
  await run(function* () {
    const ch = new ThreadChannel<number>(1);
    const a = spawn(() => ch.recv());
    yield* schedule();
    a.kill();
    yield* schedule();
    yield* ch.send(5);
    assert.equal(yield* ch.recv(), 5);
  });
});

test("a cross-thread wait is no deadlock: recvTimeout ends with ChannelTimeoutError, a late value arrives", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    await run(function* () {
      const ch = new ThreadChannel<number>(0);
      yield* errorOf(ch.recvTimeout(20), ChannelTimeoutError);
      // Only the worker can wake main here: main must neither report a deadlock nor exit meanwhile.
      pool.spawn(JOBS, "produce", ch, 41, 42);
      yield* sleep(1);
      assert.equal(yield* ch.recv(), 41);
    });
  } finally {
    await pool.close();
  }
});

test("a rendezvous sender that times out or is killed while no receiver waits leaves nothing behind", async () => {
  await run(function* () {
    const ch = new ThreadChannel<number>(0);
    yield* errorOf(timeout(10, ch.send(1)), TimeoutError);
    const s = spawn(() => ch.send(2));
    yield* schedule();
    s.kill();
    yield* schedule();
    assert.equal(ch.balance, 0);
    const late = spawn(() => ch.send(3));
    assert.equal(yield* ch.recv(), 3, "neither 1 nor 2 was left in the channel");
    yield* late.join();
  });
});

test("a rendezvous receiver that withdraws after the hand-off leaves the value to the next receiver", async () => {
  await run(function* () {
    const ch = new ThreadChannel<number>(0);
    const r = spawn(() => ch.recv());
    yield* schedule();
    // The send completes at once (r waits), handing 9 over; r is killed before its thread serves it.
    yield* ch.send(9);
    r.kill();
    assert.equal(yield* ch.recv(), 9);
    yield* errorOf(r.join(), KilledError);
  });
});

test("tryRecv and trySend never block", async () => {
  await run(function* () {
    const ch = new ThreadChannel<number>(1);
    assert.deepEqual(ch.tryRecv(), { ok: false });
    assert.equal(ch.trySend(1), true);
    assert.equal(ch.trySend(2), false);
    assert.deepEqual(ch.tryRecv(), { ok: true, value: 1 });
    const r = new ThreadChannel<number>(0);
    assert.equal(r.trySend(1), false, "a rendezvous with no receiver waiting");
  });
});

test("a busy receiver on another thread does not need a wake-up per message: waits are batched", async () => {
  const N = 200_000;
  const pool = new WorkerPool({ size: 1 });
  try {
    await run(function* () {
      const ch = new ThreadChannel<number>(1024);
      const sink = pool.spawn<{ sum: number; n: number; waits: number }>(JOBS, "sumCountingWaits", ch);
      for (let i = 0; i < N; i++) yield* ch.send(i);
      ch.close();
      const r = yield* sink.join();
      assert.equal(r.n, N);
      assert.equal(r.sum, (N * (N - 1)) / 2);
      assert.ok(r.waits < N / 10, `the receiver waited ${r.waits} times for ${N} messages`);
    });
  } finally {
    await pool.close();
  }
});

test("receivers on two workers that keep timing out lose and duplicate no value", async () => {
  const N = 3000;
  const pool = new WorkerPool({ size: 2 });
  try {
    await run(function* () {
      for (const capacity of [0, 8]) {
        const ch = new ThreadChannel<number>(capacity);
        const cs = [0, 1].map(() => pool.spawn<{ got: number[]; timeouts: number }>(JOBS, "drainWithTimeouts", ch));
        for (let i = 0; i < N; i++) {
          yield* ch.send(i);
          if (i % 500 === 0) yield* sleep(3);
        }
        ch.close();
        const rs = [];
        for (const c of cs) rs.push(yield* c.join());
        const all = rs.flatMap((r) => r.got).sort((a, b) => a - b);
        assert.equal(all.length, N, `capacity ${capacity}`);
        for (let i = 0; i < N; i++) assert.equal(all[i], i);
        assert.ok(
          rs.some((r) => r.timeouts > 0),
          "some waits timed out and were withdrawn",
        );
      }
    });
  } finally {
    await pool.close();
  }
});
