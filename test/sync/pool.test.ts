import assert from "node:assert/strict";
import { test } from "node:test";
import {
  KilledError,
  type Operation,
  run,
  schedule,
  sleep,
  spawn,
  type Tasklet,
  TaskletPool,
  TimeoutError,
  timeout,
} from "../../src/index.js";

function* work(log: string[], name: string, n: number): Operation<string> {
  log.push(`${name} start`);
  for (let i = 0; i < n; i++) yield* schedule();
  log.push(`${name} end`);
  return name;
}

test("TaskletPool(n) refuses a size that is not an integer >= 1", () => {
  assert.throws(() => new TaskletPool(0), RangeError);
  assert.throws(() => new TaskletPool(2.5), /size must be an integer/);
});

test("spawn blocks while n pool tasklets run and returns the tasklet; slots are served FIFO", async () => {
  const log: string[] = [];
  await run(function* () {
    const pool = new TaskletPool(2);
    let most = 0;
    const ts: Tasklet<string>[] = [];
    const spawners = ["a", "b", "c", "d", "e"].map((name, i) =>
      spawn(function* () {
        for (let k = 0; k < i; k++) yield* schedule(); // ask in order a, b, c, …
        const t = yield* pool.spawn(() => work(log, name, 3));
        most = Math.max(most, pool.running);
        ts.push(t);
      }),
    );
    for (const s of spawners) yield* s.join();
    for (const t of ts) yield* t.join();
    assert.equal(most, 2);
    assert.equal(pool.running, 0);
    assert.deepEqual(
      ts.map((t) => t.name.length > 0),
      [true, true, true, true, true],
    );
  });
  const starts = log.filter((l) => l.endsWith("start"));
  assert.deepEqual(starts, ["a start", "b start", "c start", "d start", "e start"]);
  // c starts only after a or b ended.
  assert.ok(log.indexOf("c start") > Math.min(log.indexOf("a end"), log.indexOf("b end")));
});

test("a slot is freed however its tasklet ends: error, kill, kill before it started", async () => {
  await run(
    function* () {
      const pool = new TaskletPool(1);
      const failing = yield* pool.spawn(function* (): Operation<void> {
        yield* schedule();
        throw new Error("boom");
      });
      try {
        yield* failing.join();
      } catch (e) {
        assert.equal((e as Error).message, "boom");
      }
      assert.equal(pool.running, 0);
      const killed = yield* pool.spawn(() => sleep(1000));
      killed.kill(); // not started yet: its body never runs
      const next = yield* pool.spawn(() => work([], "next", 1));
      assert.equal(yield* next.join(), "next");
      assert.equal(pool.running, 0);
    },
    { onUncaught: () => assert.fail("nothing should be uncaught") },
  );
});

test("a kill and a timeout withdraw a waiting spawn: nothing is spawned, no slot is lost", async () => {
  await run(function* () {
    const pool = new TaskletPool(1);
    const holder = yield* pool.spawn(() => sleep(20));
    let spawned = 0;
    const killed = spawn(function* () {
      yield* pool.spawn(function* () {
        spawned++;
      });
    });
    const timed = spawn(function* () {
      try {
        yield* timeout(
          2,
          pool.spawn(function* () {
            spawned++;
          }),
        );
        return "spawned";
      } catch (e) {
        return e instanceof TimeoutError ? "timed out" : String(e);
      }
    });
    yield* schedule();
    assert.equal(pool.waiters.length, 2);
    killed.kill();
    try {
      yield* killed.join();
    } catch (e) {
      assert.ok(e instanceof KilledError);
    }
    assert.equal(yield* timed.join(), "timed out");
    yield* holder.join();
    assert.equal(spawned, 0);
    assert.equal(pool.running, 0);
    assert.equal(pool.waiters.length, 0);
  });
});
