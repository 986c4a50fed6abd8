import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { runtime } from "../../src/core/runtime.js";
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
