import assert from "node:assert/strict";
import { test } from "node:test";
import {
  callIn,
  current,
  Event,
  KilledError,
  type Operation,
  post,
  run,
  schedule,
  spawn,
  TaskletError,
  TaskletLocal,
  TimeoutError,
  timeout,
} from "../../src/index.js";
import { errorOf } from "../helpers.js";

const who = new TaskletLocal("nobody");

function* spin(n: number, log: string[]): Operation<void> {
  who.set("target");
  for (let i = 0; i < n; i++) {
    log.push(`step ${i}`);
    yield* schedule();
  }
}

test("a posted call runs inside the target, at its next operation, and result() returns its value", async () => {
  const log: string[] = [];
  await run(function* () {
    const target = spawn(() => spin(3, log));
    yield* schedule(); // target ran step 0 and is suspended in schedule()
    const c = post(target, (t) => {
      log.push("call");
      assert.equal(current(), t);
      return who.get();
    });
    log.push("posted");
    assert.equal(c.isDone(), false);
    assert.equal(yield* c.result(), "target");
    yield* target.join();
  });
  assert.deepEqual(log, ["step 0", "posted", "step 1", "call", "step 2"]);
});

test("calls to one target run in posting order, and posting never blocks the poster", async () => {
  const order: number[] = [];
  await run(function* () {
    const target = spawn(() => spin(3, []));
    const calls = [1, 2, 3].map((i) => post(target, () => order.push(i)));
    assert.deepEqual(order, []); // nothing ran while we posted
    for (const c of calls) yield* c.result();
    yield* target.join();
  });
  assert.deepEqual(order, [1, 2, 3]);
});

test("a call posted to a blocked target runs when its wait ends, before its next operation", async () => {
  const log: string[] = [];
  await run(function* () {
    const e = new Event();
    const target = spawn(function* () {
      yield* e.wait();
      log.push("woken");
      yield* schedule();
      log.push("after op");
    });
    yield* schedule();
    const c = post(target, () => log.push("call"));
    yield* schedule();
    assert.equal(c.isDone(), false);
    e.set();
    yield* c.result();
    yield* target.join();
  });
  assert.deepEqual(log, ["woken", "call", "after op"]);
});

test("calls still pending when the target ends run at its end", async () => {
  await run(function* () {
    const target = spawn(function* () {
      yield* schedule();
      return "done"; // no further op: the call runs at the end
    });
    yield* schedule();
    const c = post(target, (t) => t.isRunning());
    assert.equal(yield* c.result(), true);
    const killed = spawn(() => spin(100, []));
    const c2 = post(killed, () => "ran at the end");
    killed.kill(); // killed before it started: the call runs as it ends
    assert.equal(yield* c2.result(), "ran at the end");
  });
});

test("posting to an ended tasklet fails the call; an error of the function is rethrown by result()", async () => {
  await run(function* () {
    const t = spawn(() => spin(0, []));
    yield* t.join();
    const late = post(t, () => 1);
    assert.equal(late.isDone(), true);
    assert.match((yield* errorOf(late.result(), TaskletError)).message, /has ended/);
    const target = spawn(() => spin(2, []));
    const c = post(target, () => {
      throw new Error("inside");
    });
    assert.equal((yield* errorOf(c.result(), Error)).message, "inside");
  });
});

test("a kill or timeout of a caller withdraws its wait; callIn cancels a call that has not run", async () => {
  await run(function* () {
    const e = new Event();
    let ran = 0;
    const target = spawn(function* () {
      yield* e.wait();
      yield* schedule();
    });
    yield* schedule();
    const waiter = spawn(() => callIn(target, () => ran++));
    const timed = spawn(function* () {
      try {
        yield* timeout(
          2,
          callIn(target, () => ran++),
        );
        return "ran";
      } catch (err) {
        return err instanceof TimeoutError ? "timed out" : String(err);
      }
    });
    yield* schedule();
    waiter.kill();
    try {
      yield* waiter.join();
    } catch (err) {
      assert.ok(err instanceof KilledError);
    }
    assert.equal(yield* timed.join(), "timed out");
    const c = post(target, () => "kept");
    e.set();
    assert.equal(yield* c.result(), "kept");
    assert.equal(ran, 0);
    yield* target.join();
  });
});

test("callIn on the current tasklet runs the function at once", async () => {
  const r = await run(function* () {
    return yield* callIn(current(), () => 7);
  });
  assert.equal(r, 7);
});
