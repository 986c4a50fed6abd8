import assert from "node:assert/strict";
import { test } from "node:test";
import { Event, KilledError, run, schedule, spawn, TimeoutError, timeout } from "../../src/index.js";

test("wait blocks until set, and set wakes every waiter in order", async () => {
  const woken: number[] = [];
  await run(function* () {
    const e = new Event();
    assert.equal(e.isSet(), false);
    const ws = [1, 2, 3].map((i) =>
      spawn(function* () {
        yield* e.wait();
        woken.push(i);
      }),
    );
    yield* schedule();
    assert.deepEqual(woken, []);
    e.set();
    assert.equal(e.isSet(), true);
    for (const w of ws) yield* w.join();
  });
  assert.deepEqual(woken, [1, 2, 3]);
});

test("a set event lets waits through at once until reset", async () => {
  await run(function* () {
    const e = new Event();
    e.set();
    yield* e.wait();
    yield* e.wait();
    e.reset();
    assert.equal(e.isSet(), false);
    const w = spawn(() => e.wait());
    yield* schedule();
    assert.equal(w.stateName, "blocked");
    e.set();
    yield* w.join();
  });
});

test("set from outside any tasklet wakes the waiters", async () => {
  const e = new Event();
  const p = run(function* () {
    yield* e.wait();
    return "woken";
  });
  await new Promise((r) => setImmediate(r));
  e.set();
  assert.equal(await p, "woken");
});

test("a kill and a timeout withdraw a wait cleanly", async () => {
  await run(function* () {
    const e = new Event();
    const killed = spawn(() => e.wait());
    const timed = spawn(function* () {
      try {
        yield* timeout(2, e.wait());
        return "set";
      } catch (err) {
        return err instanceof TimeoutError ? "timed out" : String(err);
      }
    });
    yield* schedule();
    killed.kill();
    try {
      yield* killed.join();
    } catch (err) {
      assert.ok(err instanceof KilledError);
    }
    assert.equal(yield* timed.join(), "timed out");
    assert.equal(e.waiters.length, 0);
  });
});
