import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { runtime } from "../../src/core/runtime.js";
import type { Tasklet } from "../../src/core/tasklet.js";
import type { Blocker } from "../../src/core/wait.js";
import { current, now, type Operation, run, schedule, sleep, spawn, TimeoutError, timeout } from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";
import { timersOf } from "../../src/time/timers.js";
import { errorOf } from "../helpers.js";

/** How late a real timer may fire on a loaded machine before a test calls it wrong. */
const TIME_PRECISION_MS = 250;

test("sleepers wake in deadline order, ties in the order set, each at its deadline", async () => {
  const log: string[] = [];
  await runTest(function* () {
    const ts = [
      spawn(napper(log, "b", 20)),
      spawn(napper(log, "a", 10)),
      spawn(napper(log, "c1", 30)),
      spawn(napper(log, "c2", 30)),
    ];
    for (const t of ts) yield* t.join();
    assert.equal(now(), 30);
  });
  assert.deepEqual(log, ["a@10", "b@20", "c1@30", "c2@30"]);
});

test("on the real clock, a sleep waits at least its time and not much more", async () => {
  await run(function* () {
    const start = now();
    yield* sleep(30);
    const took = now() - start;
    assert.ok(took >= 30, `took ${took} ms`);
    assert.ok(took < 30 + TIME_PRECISION_MS, `took ${took} ms`);
  });
});

function* napper(log: string[], name: string, ms: number): Operation<void> {
  yield* sleep(ms);
  log.push(`${name}@${now()}`);
}

test("a killed sleep withdraws its timer", async () => {
  await run(function* () {
    const timers = timersOf(runtime());
    const before = timers.size;
    const t = spawn(sleep(60_000));
    yield* schedule();
    assert.equal(timers.size, before + 1);
    t.kill();
    assert.equal(timers.size, before, "the timer left the heap at the kill");
  });
});

test("a sleeper killed behind earlier timers and sleeping again in its cleanup wakes once, at its new deadline", async () => {
  const log: string[] = [];
  await runTest(function* () {
    const timers = timersOf(current()?.rt ?? runtime());
    const early = spawn(napper(log, "early", 5)); // keeps the killed sleeper's slot off the top
    const t = spawn(function* () {
      try {
        yield* sleep(50);
        log.push("not killed");
      } finally {
        yield* sleep(20);
        log.push(`cleanup@${now()}`);
      }
    });
    yield* sleep(1);
    t.kill();
    yield* early.join();
    try {
      yield* t.join();
    } catch {
      log.push("killed");
    }
    yield* sleep(100);
    assert.equal(timers.size, 0);
  });
  assert.deepEqual(log, ["early@5", "cleanup@21", "killed"]);
});

test("many sleepers killed at once leave no armed timer, and the heap keeps its order for the rest", async () => {
  const log: string[] = [];
  await runTest(function* () {
    const timers = timersOf(current()?.rt ?? runtime());
    const ts = Array.from({ length: 1000 }, (_, i) => spawn(sleep(1000 + i)));
    const kept = [spawn(napper(log, "x", 1500)), spawn(napper(log, "y", 1200)), spawn(napper(log, "z", 1200))];
    yield* sleep(1);
    assert.equal(timers.size, 1003);
    for (const t of ts) t.kill();
    assert.equal(timers.size, 3);
    for (const t of kept) yield* t.join();
    assert.equal(timers.size, 0);
  });
  assert.deepEqual(log, ["y@1200", "z@1200", "x@1500"]);
});

test("one sleep op shared by tasklets sleeping at once wakes each at its own deadline", async () => {
  const log: string[] = [];
  await runTest(function* () {
    const op = sleep(10);
    const a = spawn(function* () {
      yield* op;
      log.push(`a@${now()}`);
    });
    yield* sleep(3);
    const b = spawn(function* () {
      yield* op;
      yield* op;
      log.push(`b@${now()}`);
    });
    yield* a.join();
    yield* b.join();
  });
  assert.deepEqual(log, ["a@10", "b@23"]);
});

test("a sleeping tasklet describes its time left, as sleeps begin and end around it", async () => {
  await runTest(function* () {
    const waits = (t: Tasklet) => (t.blocker as Blocker).describe(t);
    const a = spawn(sleep(100));
    const b = spawn(sleep(40));
    yield* sleep(10);
    assert.equal(waits(a), "sleep(100) (90 ms left)");
    const c = spawn(sleep(50));
    yield* sleep(35); // b wakes meanwhile
    assert.equal(waits(a), "sleep(100) (55 ms left)");
    assert.equal(waits(c), "sleep(50) (15 ms left)");
    c.kill();
    const d = spawn(sleep(5));
    yield* schedule();
    assert.equal(waits(d), "sleep(5) (5 ms left)");
    assert.equal(waits(a), "sleep(100) (55 ms left)");
    yield* b.join();
    yield* a.join();
  });
});

test("a killed sleep(60000) does not hold the process", () => {
  const script = `
    import { run, spawn, schedule, sleep } from ${JSON.stringify(new URL("../../src/index.js", import.meta.url).href)};
    await run(function* () { const t = spawn(sleep(60000)); yield* schedule(); t.kill(); });
    console.log("root done");
  `;
  const started = Date.now();
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
  assert.equal(r.stdout.trim(), "root done", r.stderr);
  assert.equal(r.status, 0);
  assert.ok(Date.now() - started < 15_000, "exited long before the sleep's 60 s");
});

test("timeout throws TimeoutError at its deadline, stops the op and runs its cleanup", async () => {
  const log: string[] = [];
  await runTest(function* () {
    yield* errorOf(timeout(20, guarded(log)), TimeoutError);
    assert.equal(now(), 20);
    assert.deepEqual(log, ["op start", "op cleanup"]);
    assert.equal(timersOf(current().rt).size, 0, "no timer left behind");
  });
});

function* guarded(log: string[]): Operation<void> {
  log.push("op start");
  try {
    yield* sleep(10_000);
  } catch {
    log.push("a catch in the op must not see the timeout");
  } finally {
    log.push("op cleanup");
  }
}

test("timeout returns the op's value when it finishes in time, and nested timeouts each fire their own", async () => {
  await runTest(function* () {
    const v = yield* timeout(
      1000,
      (function* () {
        yield* sleep(5);
        return "in time";
      })(),
    );
    assert.equal(v, "in time");
    // The inner timeout is shorter: it fires, and its TimeoutError propagates out through the outer.
    const caught: string[] = [];
    try {
      yield* timeout(1000, timeout(10, sleep(5000)));
    } catch (e) {
      assert.ok(e instanceof TimeoutError, String(e));
      caught.push((e as Error).message);
    }
    // The outer is shorter: the inner's op is stopped, and the outer's TimeoutError arrives.
    const log: string[] = [];
    try {
      yield* timeout(10, timeout(1000, guarded(log)));
    } catch (e) {
      assert.ok(e instanceof TimeoutError, String(e));
      caught.push((e as Error).message);
    }
    assert.deepEqual(caught, ["timed out after 10 ms", "timed out after 10 ms"]);
    assert.deepEqual(log, ["op start", "op cleanup"]);
  });
});

test("bad durations are refused at the call", () => {
  assert.throws(() => sleep(-1), /sleep: ms must be a number >= 0 \(Infinity for never\), got the number -1/);
  assert.throws(() => sleep(Number.NaN), /got the number NaN/);
});
