import assert from "node:assert/strict";
import { test } from "node:test";
import {
  channel,
  DeadlockError,
  Dispatcher,
  Mutex,
  type Operation,
  run,
  schedule,
  sleep,
  spawn,
  type Tasklet,
  TimeoutError,
  timeout,
} from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";
import { errorIfAny } from "../helpers.js";

/**
 * A tasklet that keeps the program running (so no "all tasklets are asleep"
 * report can come) until `stop.done`, or for at most `limit` ticks of 5 ms: the
 * test's timeout, after which a hang that was never reported becomes the
 * old whole-program deadlock.
 */
function ticker(stop: { done: boolean; ticks: number }, limit = 400): Operation<void> {
  return (function* () {
    while (!stop.done && stop.ticks < limit) {
      stop.ticks++;
      yield* sleep(5);
    }
  })();
}

/** Two tasklets lock `m1`, `m2` in opposite orders; the one whose lock closes the cycle gets DeadlockError, releases and retries. */
function* inversion(stop: { done: boolean; ticks: number }) {
  const m1 = new Mutex();
  const m2 = new Mutex();
  const tick = spawn(() => ticker(stop), { name: "ticker" });
  const errors: unknown[] = [];
  function* worker(first: Mutex, second: Mutex): Operation<string> {
    for (;;) {
      yield* first.lock();
      yield* schedule(); // the other takes its first lock now
      const e = yield* errorIfAny(second.lock());
      if (e === undefined) {
        second.unlock();
        first.unlock();
        return "done";
      }
      errors.push(e);
      first.unlock(); // back off: the other gets it, finishes, and this one retries
      yield* schedule();
    }
  }
  const a = spawn(() => worker(m1, m2), { name: "a" });
  const b = spawn(() => worker(m2, m1), { name: "b" });
  const results = [yield* a.join(), yield* b.join()];
  const ticksWhenDone = stop.ticks;
  stop.done = true;
  yield* tick.join();
  return { a, b, m1, m2, errors, results, ticksWhenDone };
}

test("two tasklets locking two mutexes in opposite order while a ticker runs: the lock that closes the cycle throws DeadlockError naming it", async () => {
  const stop = { done: false, ticks: 0 };
  const r = await run(() => inversion(stop));
  assert.equal(r.errors.length, 1, "one lock closed the cycle");
  const e = r.errors[0];
  assert.ok(e instanceof DeadlockError, String(e));
  assert.equal(
    e.message,
    `wait-for cycle: ${r.b.describe()} waits on mutex#${r.m1.id} held by ${r.a.describe()}, ` +
      `which waits on mutex#${r.m2.id} held by ${r.b.describe()}`,
  );
  assert.deepEqual(e.blocked, [
    `${r.b.describe()}: waits on mutex#${r.m1.id} held by ${r.a.describe()}`,
    `${r.a.describe()}: waits on mutex#${r.m2.id} held by ${r.b.describe()}`,
  ]);
  assert.ok(r.ticksWhenDone < 400, "found while the ticker still ran, not when everything slept");
});

test("the tasklet that got DeadlockError backs off and retries: both finish", async () => {
  const stop = { done: false, ticks: 0 };
  const r = await run(() => inversion(stop));
  assert.deepEqual(r.results, ["done", "done"]);
  assert.equal(r.m1.isLocked() || r.m2.isLocked(), false);
});

test("under runTest, a lock-order inversion is refused at once with DeadlockError, in virtual time", async () => {
  const stop = { done: false, ticks: 0 };
  const r = await runTest(() => inversion(stop));
  assert.deepEqual(r.results, ["done", "done"]);
  assert.equal(r.errors.length, 1);
  assert.ok(r.errors[0] instanceof DeadlockError);
  assert.ok(r.ticksWhenDone < 400);
});

test("a join cycle of two: the second join throws DeadlockError, and the first ends with what the second did", async () => {
  const stop = { done: false, ticks: 0 };
  const r = await run(function* () {
    const tick = spawn(() => ticker(stop), { name: "ticker" });
    const box: { b: Tasklet | null } = { b: null };
    const a = spawn(
      function* () {
        yield* schedule();
        return yield* (box.b as Tasklet<unknown>).join();
      },
      { name: "a" },
    );
    const b = spawn(
      function* () {
        yield* schedule();
        yield* schedule(); // a waits for b by now
        return yield* errorIfAny(a.join());
      },
      { name: "b" },
    );
    box.b = b;
    const e = yield* a.join();
    stop.done = true;
    yield* tick.join();
    return { a, b, e };
  });
  assert.ok(r.e instanceof DeadlockError, String(r.e));
  assert.equal(
    r.e.message,
    `wait-for cycle: ${r.b.describe()} waits on join of ${r.a.describe()}, which waits on join of ${r.b.describe()}`,
  );
  assert.ok(stop.ticks < 400);
});

test("a join cycle of three is named in the order of its waits", async () => {
  const r = await run(function* () {
    const stop = { done: false, ticks: 0 };
    const tick = spawn(() => ticker(stop), { name: "ticker" });
    const ts: Tasklet<unknown>[] = [];
    for (let i = 0; i < 3; i++) {
      ts.push(
        spawn(
          function* () {
            for (let k = 0; k <= i; k++) yield* schedule(); // joins in the order 0, 1, 2
            return yield* errorIfAny((ts[(i + 1) % 3] as Tasklet<unknown>).join());
          },
          { name: `j${i}` },
        ),
      );
    }
    const e = yield* (ts[2] as Tasklet<unknown>).join();
    const others = [yield* (ts[0] as Tasklet<unknown>).join(), yield* (ts[1] as Tasklet<unknown>).join()];
    stop.done = true;
    yield* tick.join();
    return { ts, e, others, ticks: stop.ticks };
  });
  const [j0, j1, j2] = r.ts.map((t) => t.describe());
  assert.ok(r.e instanceof DeadlockError, String(r.e));
  assert.equal(
    r.e.message,
    `wait-for cycle: ${j2} waits on join of ${j0}, which waits on join of ${j1}, which waits on join of ${j2}`,
  );
  assert.deepEqual(
    r.others,
    [undefined, undefined],
    "the joins of j1 and j0 returned: only the wait that closed the cycle threw",
  );
  assert.ok(r.ticks < 400);
});

test("a cycle through a lock and a join is found: the holder joins the tasklet that waits for its lock", async () => {
  const r = await run(function* () {
    const m = new Mutex();
    yield* m.lock();
    const w = spawn(() => errorIfAny(m.lock()), { name: "w" });
    yield* schedule(); // w waits for the lock held by the root
    const e = yield* errorIfAny(w.join());
    m.unlock();
    const after = yield* w.join(); // w got the lock once it was free
    return { m, e, after };
  });
  assert.ok(r.e instanceof DeadlockError, String(r.e));
  assert.match(
    r.e.message,
    new RegExp(
      `^wait-for cycle: #\\d+ root waits on join of #\\d+ w, which waits on mutex#${r.m.id} held by #\\d+ root$`,
    ),
  );
  assert.equal(r.after, undefined);
});

test("a chain that is no cycle is not reported: A waits for B's mutex while B waits on a channel someone else feeds", async () => {
  const order: string[] = [];
  await run(function* () {
    const m = new Mutex();
    const ch = channel<number>();
    const b = spawn(
      function* () {
        yield* m.lock();
        order.push(`b got ${yield* ch.recv()}`);
        m.unlock();
      },
      { name: "b" },
    );
    yield* schedule(); // b holds m and waits on ch
    const a = spawn(
      function* () {
        yield* m.lock(); // the walk goes a -> b, and stops at b's channel wait
        order.push("a locked");
        m.unlock();
      },
      { name: "a" },
    );
    yield* schedule();
    yield* sleep(5);
    yield* ch.send(7);
    yield* a.join();
    yield* b.join();
  });
  assert.deepEqual(order, ["b got 7", "a locked"]);
});

test("a wait under timeout() closes no cycle: it ends in time with TimeoutError", async () => {
  const r = await run(function* () {
    const m = new Mutex();
    yield* m.lock();
    const w = spawn(() => errorIfAny(timeout(5, m.lock())), { name: "w" });
    const e = yield* w.join(); // the root joins w, which waits for the root's lock, but only for 5 ms
    m.unlock();
    return e;
  });
  assert.ok(r instanceof TimeoutError, String(r));
});

test("a dispatched body waited for while its runner waits for the caller's lock: the dispatch throws DeadlockError and queues nothing", async () => {
  const r = await run(function* () {
    const m = new Mutex();
    const d = new Dispatcher("disp");
    yield* m.lock();
    let ran = 0;
    yield* d.dispatch(function* () {
      yield* m.lock(); // the runner waits for the root's lock
      ran++;
      m.unlock();
    });
    yield* schedule();
    const e = yield* errorIfAny(
      d.dispatch(
        function* () {
          ran += 10;
        },
        { waitEnd: true },
      ),
    );
    const queued = d.pending;
    m.unlock();
    while (!d.isEmpty()) yield* schedule();
    return { e, ran, queued };
  });
  assert.ok(r.e instanceof DeadlockError, String(r.e));
  assert.match(
    r.e.message,
    /^wait-for cycle: #\d+ root waits on a dispatched body to end \(0 queued\) run by #\d+ disp, which waits on mutex#\d+ held by #\d+ root$/,
  );
  assert.equal(r.queued, 0);
  assert.equal(r.ran, 1);
});
