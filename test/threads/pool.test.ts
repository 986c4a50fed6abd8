import assert from "node:assert/strict";
import { test } from "node:test";
import { threadId } from "node:worker_threads";
import { KilledError, type Operation, run } from "../../src/index.js";
import { ThreadChannel, WorkerPool } from "../../src/threads/index.js";

/** The error `op` throws (fails if it returns). */
function* errorOf(op: Operation<unknown>): Operation<unknown> {
  try {
    yield* op;
  } catch (e) {
    return e;
  }
  assert.fail("the operation should throw");
}

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
      try {
        yield* t.join();
        assert.fail("join should throw");
      } catch (e) {
        assert.ok(e instanceof RangeError);
        assert.equal(e.message, "bad input");
        assert.match(e.stack ?? "", /fixtures\/jobs\.js/);
        assert.match(e.stack ?? "", /tasklet-pool-1/);
      }
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
      assert.ok((yield* errorOf(t.join())) instanceof KilledError);
    });
  } finally {
    await pool.close();
  }
});
