import assert from "node:assert/strict";
import { test } from "node:test";
import { threadId } from "node:worker_threads";
import { run, schedule, sleep, spawn } from "../../src/index.js";
import { offload, WorkerPool } from "../../src/threads/index.js";
import { errorOf, pollUntil } from "../helpers.js";

const JOBS = new URL("./fixtures/jobs.js", import.meta.url);
/** How pollUntil watches the pool: a look every 10 ms, for at most 10 s (threads start slowly on a loaded machine). */
const SLOW = { everyMs: 10, limitMs: 10_000 };

test("offload runs a self-contained function on another thread and returns its value", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    const [sum, where] = await run(function* () {
      const s = yield* pool.offload((a: number, b: number) => a + b, 1, 2);
      const w = yield* pool.offload(async () => (await import("node:worker_threads")).threadId);
      return [s, w];
    });
    assert.equal(sum, 3);
    assert.notEqual(where, threadId);
  } finally {
    await pool.close();
  }
});

test("offload calls a module's export, awaits an async one, and rethrows its error", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    await run(function* () {
      assert.equal(yield* pool.offload<number>(JOBS, "slowSquare", 7), 49);
      const e = yield* errorOf(
        pool.offload(() => {
          throw new TypeError("nope");
        }),
      );
      assert.ok(e instanceof TypeError);
      assert.equal((e as Error).message, "nope");
      assert.throws(() => pool.offload(JOBS, 42 as unknown as string), /export name/);
      assert.throws(() => pool.offload(Math.max), /native or bound/);
    });
  } finally {
    await pool.close();
  }
});

test("offload blocks the calling tasklet only: another tasklet of the thread releases the blocked call", async () => {
  const pool = new WorkerPool({ size: 1 });
  const flag = new Int32Array(new SharedArrayBuffer(8));
  try {
    await run(function* () {
      const releaser = spawn(function* () {
        yield* sleep(20);
        Atomics.store(flag, 0, 1);
        Atomics.notify(flag, 0);
      });
      const where = yield* pool.offload<number>(JOBS, "blockUntil", flag, 0);
      assert.notEqual(where, threadId);
      yield* releaser.join();
    });
  } finally {
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    await pool.close();
  }
});

test("when every worker is blocked in offloaded calls and work waits, the pool grows instead of deadlocking, then shrinks back", async () => {
  const pool = new WorkerPool({ size: 1, maxSize: 3, idleMs: 50 });
  const flag = new Int32Array(new SharedArrayBuffer(8));
  try {
    await run(function* () {
      // The first call waits for the second: with one thread and no growth, this never ends.
      const first = spawn(() => pool.offload<number>(JOBS, "blockUntil", flag, 0));
      yield* schedule();
      const setter = yield* pool.offload<number>(JOBS, "setFlag", flag, 0);
      const blocked = yield* first.join();
      assert.notEqual(blocked, setter);
      assert.equal(pool.stats.threads, 2);
      yield* pollUntil("the extra thread ends after idleMs", () => pool.stats.threads === 1, SLOW);
    });
  } finally {
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    await pool.close();
  }
});

test("growth stops at maxSize: past it, calls wait in the queue until a thread frees", async () => {
  const pool = new WorkerPool({ size: 1, maxSize: 2, idleMs: 50 });
  const flag = new Int32Array(new SharedArrayBuffer(16));
  try {
    await run(function* () {
      const calls = [0, 1, 2].map((i) => spawn(() => pool.offload<number>(JOBS, "blockUntil", flag, i)));
      yield* pollUntil("two offloads run", () => pool.stats.running === 2, SLOW);
      assert.equal(pool.stats.threads, 2);
      assert.equal(pool.stats.queued, 1);
      for (const i of [0, 1, 2]) {
        Atomics.store(flag, i, 1);
        Atomics.notify(flag, i);
      }
      for (const c of calls) yield* c.join();
      assert.ok(pool.stats.threads <= 2);
    });
  } finally {
    for (const i of [0, 1, 2]) Atomics.store(flag, i, 1);
    await pool.close();
  }
});

test("a kill of the caller withdraws an offloaded call that has not started", async () => {
  const pool = new WorkerPool({ size: 1, maxSize: 1 });
  const flag = new Int32Array(new SharedArrayBuffer(8));
  try {
    await run(function* () {
      const holder = spawn(() => pool.offload<number>(JOBS, "blockUntil", flag, 0));
      yield* pollUntil("one offload runs", () => pool.stats.running === 1, SLOW);
      const waiting = spawn(() => pool.offload<number>(JOBS, "slowSquare", 3));
      yield* schedule();
      assert.equal(pool.stats.queued, 1);
      waiting.kill();
      yield* schedule();
      assert.equal(pool.stats.queued, 0);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      yield* holder.join();
    });
  } finally {
    Atomics.store(flag, 0, 1);
    await pool.close();
  }
});

test("a call whose caller was killed runs to its end and its failure is reported to nobody", async () => {
  const reports: unknown[] = [];
  const pool = new WorkerPool({ size: 1, onUncaught: (e) => reports.push(e) });
  const flag = new Int32Array(new SharedArrayBuffer(8));
  try {
    await run(function* () {
      const caller = spawn(() => pool.offload(JOBS, "blockThenThrow", flag, 0));
      yield* pollUntil("one offload runs", () => pool.stats.running === 1, SLOW);
      caller.kill();
      yield* schedule();
      assert.equal(caller.isRunning(), false, "the caller ends at once; the call goes on");
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      yield* pollUntil("no offload runs", () => pool.stats.running === 0, SLOW);
    });
    for (let i = 0; i < 5; i++) {
      (globalThis as { gc?: () => void }).gc?.();
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(reports, []);
  } finally {
    Atomics.store(flag, 0, 1);
    await pool.close();
  }
});

test("offload() without a pool uses the thread's default pool, which does not keep the process alive", async () => {
  const n = await run(function* () {
    return yield* offload((x: number) => x * 3, 14);
  });
  assert.equal(n, 42);
});
