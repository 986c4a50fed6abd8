import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  KilledError,
  run,
  Semaphore,
  schedule,
  spawn,
  type Tasklet,
  TimeoutError,
  timeout,
  withPermit,
} from "../../src/index.js";
import { yields } from "../helpers.js";
import { guardedProgram, runGuarded } from "./helpers.js";

test("Semaphore(n) rejects a count that is not an integer >= 0", () => {
  assert.throws(() => new Semaphore(-1), RangeError);
  assert.throws(() => new Semaphore(1.5), /permits must be an integer/);
});

test("a semaphore lets n holders in and serves the others FIFO", async () => {
  const order: number[] = [];
  await run(function* () {
    const s = new Semaphore(2);
    let inside = 0;
    let most = 0;
    const ts: Tasklet[] = [];
    for (let i = 0; i < 6; i++) {
      ts.push(
        spawn(() =>
          withPermit(s, function* () {
            order.push(i);
            inside++;
            most = Math.max(most, inside);
            yield* yields(2);
            inside--;
          }),
        ),
      );
    }
    for (const t of ts) yield* t.join();
    assert.equal(most, 2);
    assert.equal(s.available, 2);
  });
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
});

test("tryAcquire takes a free permit and never blocks", async () => {
  await run(function* () {
    const s = new Semaphore(1);
    assert.equal(s.tryAcquire(), true);
    assert.equal(s.tryAcquire(), false);
    s.release();
    assert.equal(s.available, 1);
  });
});

test("a kill or a timeout withdraws a waiter without taking a permit", async () => {
  await run(function* () {
    const s = new Semaphore(1);
    yield* s.acquire();
    const killed = spawn(() => s.acquire());
    const timed = spawn(function* () {
      try {
        yield* timeout(2, s.acquire());
        return "acquired";
      } catch (e) {
        return e instanceof TimeoutError ? "timed out" : String(e);
      }
    });
    yield* schedule();
    assert.equal(s.waiters.length, 2);
    killed.kill();
    assert.equal(yield* timed.join(), "timed out");
    assert.equal(s.waiters.length, 0);
    s.release();
    assert.equal(s.available, 1);
  });
});

test("a waiter killed after a permit was handed to it releases it in withPermit's cleanup", async () => {
  await run(function* () {
    const s = new Semaphore(1);
    yield* s.acquire();
    const victim = spawn(() => withPermit(s, () => yields(1)));
    yield* schedule();
    s.release(); // handed to victim
    assert.equal(s.available, 0);
    victim.kill();
    try {
      yield* victim.join();
    } catch (e) {
      assert.ok(e instanceof KilledError);
    }
    assert.equal(s.available, 1);
  });
});

test("semaphore property: random acquirers with kills and timeouts never exceed n holders nor lose a permit", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 3 }),
      fc.array(guardedProgram, { minLength: 1, maxLength: 7 }),
      async (n, programs) => {
        const s = new Semaphore(n);
        let most = 0;
        await run(() =>
          runGuarded(
            programs,
            (body) => withPermit(s, body),
            (holders) => {
              most = Math.max(most, holders);
            },
          ),
        );
        assert.ok(most <= n, `${most} holders at once with ${n} permits`);
        assert.equal(s.available, n);
        assert.equal(s.waiters.length, 0);
      },
    ),
    { numRuns: 60 },
  );
});
