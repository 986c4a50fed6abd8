import assert from "node:assert/strict";
import { test } from "node:test";
import { threadId } from "node:worker_threads";
import { DeadlockError, KilledError, run, sleep, type UncaughtError } from "../../src/index.js";
import { ThreadChannel, WorkerError, WorkerPool } from "../../src/threads/index.js";
import { errorOf } from "../helpers.js";

const JOBS = new URL("./fixtures/jobs.js", import.meta.url);

test("a tasklet spawned on the pool runs on a worker thread and join returns its value", async () => {
  const pool = new WorkerPool({ size: 2 });
  try {
    const r = await run(function* () {
      const t = pool.spawn<{ value: number; threadId: number }>(JOBS, "double", 21);
      return yield* t.join();
    });
    assert.equal(r.value, 42);
    assert.notEqual(r.threadId, threadId);
  } finally {
    await pool.close();
  }
});

test("join rethrows the tasklet's error with its class, message and remote stack", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    await run(function* () {
      const t = pool.spawn(JOBS, "fail", "bad input");
      const e = yield* errorOf(t.join(), RangeError);
      assert.equal(e.message, "bad input");
      assert.match(e.stack ?? "", /fixtures\/jobs\.js/);
      assert.match(e.stack ?? "", /tasklet-pool-1/);
    });
  } finally {
    await pool.close();
  }
});

test("kill reaches across threads: the tasklet's cleanup runs on its worker, then join throws KilledError", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    await run(function* () {
      const started = new ThreadChannel<number>(1);
      const done = new ThreadChannel<number>(1);
      const t = pool.spawn(JOBS, "cleanupOnKill", started, done);
      const where = yield* started.recv();
      assert.notEqual(where, threadId);
      t.kill();
      assert.equal(yield* done.recv(), where);
      yield* errorOf(t.join(), KilledError);
    });
  } finally {
    await pool.close();
  }
});

test("a deadlock on a worker's runtime fails its tasklet with DeadlockError; the main thread's join is no deadlock", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    await run(function* () {
      const e = yield* errorOf(pool.spawn(JOBS, "deadlocked").join());
      assert.ok(e instanceof DeadlockError, String(e));
      assert.match((e as Error).message, /all tasklets are asleep/);
    });
  } finally {
    await pool.close();
  }
});

test("a worker whose tasklets are blocked takes more work: M:N on one thread", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    await run(function* () {
      const ch = new ThreadChannel<number>(0);
      // With one thread, the producer can only run beside the blocked consumer.
      const consumer = pool.spawn<number[]>(JOBS, "drain", ch);
      const producer = pool.spawn<number>(JOBS, "produce", ch, 0, 100);
      const where = yield* producer.join();
      ch.close();
      assert.deepEqual(
        yield* consumer.join(),
        Array.from({ length: 100 }, (_, i) => i),
      );
      assert.equal(consumer.threadId, where);
    });
  } finally {
    await pool.close();
  }
});

test("a busy worker never holds queued work that another could run", async () => {
  const pool = new WorkerPool({ size: 2 });
  const flag = new Int32Array(new SharedArrayBuffer(8));
  try {
    await run(function* () {
      // `busy` holds its thread until `quick` runs: only the other worker can run it.
      const busy = pool.spawn<number>(JOBS, "holdThreadUntil", flag, 0);
      const quick = pool.spawn<number>(JOBS, "setFlagTasklet", flag, 0);
      const where = yield* quick.join();
      assert.notEqual(where, yield* busy.join());
    });
  } finally {
    Atomics.store(flag, 0, 1);
    await pool.close();
  }
});

test("queued work waits in the pool and runs as workers free up; spawn starts threads lazily", async () => {
  const pool = new WorkerPool({ size: 2 });
  try {
    assert.equal(pool.stats.threads, 0);
    const r = await run(function* () {
      const ts = Array.from({ length: 8 }, () => pool.spawn<number>(JOBS, "spin", 20));
      assert.ok(pool.stats.queued > 0);
      const where = new Set<number>();
      for (const t of ts) where.add(yield* t.join());
      return where;
    });
    assert.ok(r.size >= 1 && r.size <= 2, "no more threads than size");
    assert.equal(pool.stats.queued, 0);
  } finally {
    await pool.close();
  }
});

test("bad input is refused at the call with a TypeError or RangeError naming it", async () => {
  assert.throws(() => new WorkerPool({ size: 0 }), /options\.size/);
  assert.throws(() => new WorkerPool({ size: 2, maxSize: 1 }), /options\.maxSize/);
  assert.throws(() => new WorkerPool({ idleMs: -1 }), /options\.idleMs/);
  const pool = new WorkerPool({ size: 1 });
  try {
    assert.throws(() => pool.spawn("./fixtures/jobs.js", "double", 1), TypeError);
    assert.throws(() => pool.spawn(JOBS, "double", () => 1), /structured-cloneable/);
    await run(function* () {
      const e1 = yield* errorOf(pool.spawn(JOBS, "notAGenerator").join());
      assert.ok(e1 instanceof TypeError);
      const e2 = yield* errorOf(pool.spawn(JOBS, "noSuchExport").join());
      assert.ok(e2 instanceof TypeError);
      assert.match((e2 as Error).message, /noSuchExport/);
      const e3 = yield* errorOf(pool.spawn(JOBS, "returnsFunction").join());
      assert.match((e3 as Error).message, /could not be cloned/);
    });
  } finally {
    await pool.close();
  }
});

test("a worker that exits fails the tasklets that were on it with a WorkerError naming it, and is replaced", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    await run(function* () {
      const bystander = pool.spawn(JOBS, "sleeper", 60_000);
      const t = pool.spawn(JOBS, "exitWorker", 3);
      const e = yield* errorOf(t.join());
      assert.ok(e instanceof WorkerError);
      assert.match(e.message, /worker tasklet-pool-1 \(thread \d+\) exited with code 3/);
      const e2 = yield* errorOf(bystander.join());
      assert.ok(e2 instanceof WorkerError);
      const again = yield* pool.spawn<number>(JOBS, "whereAmI").join();
      assert.notEqual(again, t.threadId);
    });
  } finally {
    await pool.close();
  }
});

test("an error thrown outside any tasklet on a worker fails its tasklets with a WorkerError that carries it", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    await run(function* () {
      const e = yield* errorOf(pool.spawn(JOBS, "throwOutside", "lost in a timer").join());
      assert.ok(e instanceof WorkerError);
      assert.match(e.message, /lost in a timer/);
      assert.equal(((yield* pool.spawn<{ value: number }>(JOBS, "double", 2).join()) as { value: number }).value, 4);
    });
  } finally {
    await pool.close();
  }
});

test("an unjoined tasklet's error on a worker crashes that worker: its tasklets fail with a WorkerError naming the tasklet", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    await run(function* () {
      const e = yield* errorOf(pool.spawn(JOBS, "unjoinedChildFails", "child broke").join());
      assert.ok(e instanceof WorkerError);
      assert.match(e.message, /doomed-child: Error: child broke/);
    });
  } finally {
    await pool.close();
  }
});

test("close kills running tasklets (their cleanup runs on their worker) and drops queued ones", async () => {
  const pool = new WorkerPool({ size: 1 });
  const started = new ThreadChannel<number>(1);
  const done = new ThreadChannel<number>(1);
  const t = pool.spawn(JOBS, "cleanupOnKill", started, done);
  await run(function* () {
    yield* started.recv();
  });
  const spinning = pool.spawn(JOBS, "spin", 200);
  const queued = pool.spawn(JOBS, "whereAmI");
  await pool.close();
  assert.equal(t.isRunning(), false);
  await assert.rejects(t.result(), KilledError);
  await assert.rejects(queued.result(), KilledError);
  assert.equal(spinning.isRunning(), false);
  assert.deepEqual(done.tryRecv().ok, true, "the cleanup ran to its end before close returned");
  assert.equal(pool.stats.threads, 0);
  assert.throws(() => pool.spawn(JOBS, "whereAmI"), /closed/);
});

test("the error of a pool tasklet that nobody joins is reported when its handle is collected", async () => {
  const reports: UncaughtError[] = [];
  const pool = new WorkerPool({ size: 1, onUncaught: (e) => reports.push(e) });
  try {
    const joined = pool.spawn(JOBS, "fail", "seen");
    await assert.rejects(joined.result(), /seen/);
    await (async () => {
      const t = pool.spawn(JOBS, "fail", "nobody looked");
      while (t.isRunning()) await new Promise((r) => setTimeout(r, 5));
    })();
    for (let i = 0; i < 50 && reports.length === 0; i++) {
      (globalThis as { gc?: () => void }).gc?.();
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(reports.length, 1);
    assert.match(reports[0]?.message ?? "", /fail \(on a pool worker\): RangeError: nobody looked/);
  } finally {
    await pool.close();
  }
});

test("a pool tasklet's failure that nobody joins is reported at the next idle, not only when its handle is collected", async () => {
  const reports: UncaughtError[] = [];
  const pool = new WorkerPool({ size: 1, onUncaught: (e) => reports.push(e) });
  try {
    const seen = await run(function* () {
      const t = pool.spawn(JOBS, "fail", "nobody joins me");
      yield* pool.spawn(JOBS, "double", 1).join(); // one worker: the failing job ran first
      for (let i = 0; i < 100 && reports.length === 0; i++) yield* sleep(10);
      assert.equal(reports.length, 1, "reported while the handle is still referenced");
      assert.match(reports[0]?.message ?? "", /nobody joins me/);
      return yield* errorOf(t.join()); // a later join still gets the error
    });
    assert.ok(seen instanceof RangeError, String(seen));
  } finally {
    await pool.close();
  }
});
