// ThreadChannel has what Channel has where it can (recvOrDone, sendAsync, for await), and
// offload/pool.spawn check their arguments against the function's types.
import assert from "node:assert/strict";
import { test } from "node:test";
import { after, ChannelError, type Operation, run, select, sleep } from "../../src/index.js";
import { offload, ThreadChannel, WorkerPool } from "../../src/threads/index.js";
import type * as jobs from "./fixtures/jobs.js";

const JOBS = new URL("./fixtures/jobs.js", import.meta.url);

test("ThreadChannel.recvOrDone gives each value a worker sent, then done once the channel is closed", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    const got = await run(function* () {
      const ch = new ThreadChannel<number>(2);
      const p = pool.spawn<number>(JOBS, "produce", ch, 0, 5);
      spawnClose(ch, p.join());
      const out: number[] = [];
      for (let r = yield* ch.recvOrDone(); !r.done; r = yield* ch.recvOrDone()) out.push(r.value);
      return out;
    });
    assert.deepEqual(got, [0, 1, 2, 3, 4]);
  } finally {
    await pool.close();
  }
});

function spawnClose(ch: ThreadChannel<number>, end: Operation<unknown>): void {
  void run(function* () {
    yield* end;
    ch.close();
  });
}

test("a parked ThreadChannel.recvOrDone is woken with done by close, and is a select case", async () => {
  const ch = new ThreadChannel<number>();
  const r = await run(function* () {
    const timer = setTimeout(() => ch.close(), 5);
    try {
      return yield* select(ch.recvOrDone(), after(10_000));
    } finally {
      clearTimeout(timer);
    }
  });
  assert.deepEqual(r, { index: 0, value: { done: true, value: undefined } });
});

test("for await over a ThreadChannel from async code gets a worker's values in order and ends at close", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    const ch = new ThreadChannel<number>(1);
    const p = pool.spawn<number>(JOBS, "produce", ch, 10, 20);
    void p.result().then(() => ch.close());
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    assert.deepEqual(
      got,
      Array.from({ length: 10 }, (_, i) => 10 + i),
    );
  } finally {
    await pool.close();
  }
});

test("ThreadChannel.sendAsync from ordinary code never blocks, keeps order past capacity, and close waits for its values", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    const ch = new ThreadChannel<number>(1);
    for (let i = 0; i < 20; i++) ch.sendAsync(i); // capacity 1: most wait on this thread
    ch.close();
    assert.equal(ch.closed, true);
    assert.throws(() => ch.sendAsync(99), ChannelError);
    assert.throws(() => ch.send(99), ChannelError, "a send after close on this thread is refused");
    assert.throws(() => ch.trySend(99), ChannelError);
    const got = await pool.spawn<typeof jobs.drain>(JOBS, "drain", ch).result();
    assert.deepEqual(
      got,
      Array.from({ length: 20 }, (_, i) => i),
    );
  } finally {
    await pool.close();
  }
});

test("ThreadChannel.sendAsync refuses a value that cannot cross threads at the call", () => {
  const ch = new ThreadChannel<unknown>(1);
  assert.throws(() => ch.sendAsync(() => 1), /^TypeError: ThreadChannel\.sendAsync: v must be/);
});

test("offload of a function that uses an outer variable says the function is sent as source", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    const factor = 2;
    await assert.rejects(
      run(function* () {
        return yield* pool.offload((x: number) => x * factor, 21);
      }),
      (e: unknown) =>
        e instanceof ReferenceError &&
        /factor is not defined/.test(e.message) &&
        /sent to the worker as its source/.test(e.message) &&
        /as arguments/.test(e.message),
    );
  } finally {
    await pool.close();
  }
});

test("offload and pool.spawn type their arguments from the function (a wrong argument does not compile)", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    const n = await run(function* () {
      const doubled: number = yield* pool.offload((x: number) => x * 2, 21);
      const lengths: number = yield* pool.offload(async (s: string) => s.length, "four");
      return doubled + lengths;
    });
    assert.equal(n, 46);
    const typed = pool.spawn<typeof jobs.double>(JOBS, "double", 4);
    const r: { value: number; threadId: number } = await typed.result();
    assert.equal(r.value, 8);
    if (n < 0) {
      // Never run: the lines below must fail to compile (tsc fails if an expected error is gone).
      // @ts-expect-error "21" is not a number
      yield_(offload((x: number) => x * 2, "21"));
      // @ts-expect-error a missing argument
      yield_(pool.offload((x: number, y: number) => x + y, 1));
      // @ts-expect-error double takes a number
      pool.spawn<typeof jobs.double>(JOBS, "double", "4");
    }
  } finally {
    await pool.close();
  }
});

function yield_(_op: Operation<unknown>): void {}

test("a ThreadChannel closed by another thread while sendAsync values wait is reported, naming how many were dropped", async () => {
  const pool = new WorkerPool({ size: 1 });
  const ch = new ThreadChannel<number>(1);
  const errors: unknown[] = [];
  try {
    await run(
      function* () {
        ch.sendAsync(1); // written
        ch.sendAsync(2); // queued on this thread
        ch.sendAsync(3);
        yield* pool.spawn<typeof jobs.closeIt>(JOBS, "closeIt", ch).join();
        yield* sleep(5);
      },
      { onUncaught: (e) => errors.push(e.cause) },
    );
  } finally {
    await pool.close();
  }
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof ChannelError);
  assert.match(errors[0].message, /2 value\(s\) queued on this thread were not sent/);
});
