import assert from "node:assert/strict";
import { test } from "node:test";
import {
  KilledError,
  type Operation,
  run,
  schedule,
  spawn,
  TaskletError,
  TimeoutError,
  timeout,
  WaitGroup,
} from "../../src/index.js";

function* worker(wg: WaitGroup, log: number[], i: number): Operation<void> {
  try {
    for (let k = 0; k < i; k++) yield* schedule();
    log.push(i);
  } finally {
    wg.done();
  }
}

test("wait returns once every added piece of work is done", async () => {
  const log: number[] = [];
  await run(function* () {
    const wg = new WaitGroup();
    for (let i = 1; i <= 4; i++) {
      wg.add(1);
      spawn(() => worker(wg, log, i));
    }
    yield* wg.wait();
    assert.equal(log.length, 4);
    assert.equal(wg.count, 0);
  });
});

test("wait on a zero counter returns at once; several waiters are all woken", async () => {
  await run(function* () {
    const wg = new WaitGroup();
    yield* wg.wait();
    wg.add(2);
    const woken: number[] = [];
    const ws = [1, 2, 3].map((i) =>
      spawn(function* () {
        yield* wg.wait();
        woken.push(i);
      }),
    );
    yield* schedule();
    wg.done();
    assert.deepEqual(woken, []);
    wg.done();
    for (const w of ws) yield* w.join();
    assert.deepEqual(woken, [1, 2, 3]);
  });
});

test("a negative counter is an error and leaves the counter unchanged", async () => {
  const wg = new WaitGroup();
  assert.throws(() => wg.done(), TaskletError);
  assert.throws(() => wg.add(1.5), RangeError);
  wg.add(1);
  assert.throws(() => wg.add(-2), /negative counter/);
  assert.equal(wg.count, 1);
});

test("a kill and a timeout withdraw a wait cleanly", async () => {
  await run(function* () {
    const wg = new WaitGroup();
    wg.add(1);
    const killed = spawn(() => wg.wait());
    const timed = spawn(function* () {
      try {
        yield* timeout(2, wg.wait());
        return "done";
      } catch (e) {
        return e instanceof TimeoutError ? "timed out" : String(e);
      }
    });
    yield* schedule();
    killed.kill();
    try {
      yield* killed.join();
    } catch (e) {
      assert.ok(e instanceof KilledError);
    }
    assert.equal(yield* timed.join(), "timed out");
    assert.equal(wg.waiters.length, 0);
    wg.done();
  });
});
