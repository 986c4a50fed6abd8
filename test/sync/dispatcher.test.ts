import assert from "node:assert/strict";
import { test } from "node:test";
import {
  Dispatcher,
  KilledError,
  type Operation,
  run,
  schedule,
  sleep,
  spawn,
  TaskletError,
  TimeoutError,
  timeout,
  type UncaughtError,
} from "../../src/index.js";
import { errorOf } from "../helpers.js";

function* job(log: string[], name: string, n: number): Operation<string> {
  log.push(`${name} started`);
  for (let i = 0; i < n; i++) yield* schedule();
  log.push(`${name} ended`);
  return name;
}

test("dispatched bodies run one at a time, in dispatch order, never interleaved", async () => {
  const log: string[] = [];
  await run(function* () {
    const d = new Dispatcher();
    assert.equal(d.isEmpty(), true);
    const callers = ["t1", "t2", "t3"].map((name) =>
      spawn(function* () {
        yield* d.dispatch(() => job(log, name, 3));
      }),
    );
    for (const c of callers) yield* c.join();
    assert.equal(d.isEmpty(), false);
    yield* d.dispatch(() => job(log, "last", 1), { waitEnd: true });
    assert.equal(d.isEmpty(), true);
  });
  assert.deepEqual(log, [
    "t1 started",
    "t1 ended",
    "t2 started",
    "t2 ended",
    "t3 started",
    "t3 ended",
    "last started",
    "last ended",
  ]);
});

test("waitEnd returns the body's value or rethrows its error; waitStart returns once it started", async () => {
  const log: string[] = [];
  await run(function* () {
    const d = new Dispatcher();
    yield* d.dispatch(() => job(log, "first", 2));
    yield* d.dispatch(() => job(log, "second", 2), { waitStart: true });
    log.push("caller saw second start");
    assert.equal(yield* d.dispatch(() => job(log, "third", 1), { waitEnd: true }), "third");
    try {
      yield* d.dispatch(
        function* (): Operation<void> {
          yield* schedule();
          throw new Error("body failed");
        },
        { waitEnd: true },
      );
      assert.fail("should rethrow");
    } catch (e) {
      assert.equal((e as Error).message, "body failed");
    }
  });
  assert.deepEqual(log, [
    "first started",
    "first ended",
    "second started",
    "caller saw second start",
    "second ended",
    "third started",
    "third ended",
  ]);
});

test("an error of a body nobody waits for is reported as uncaught, and the next body still runs", async () => {
  const uncaught: UncaughtError[] = [];
  const log: string[] = [];
  await run(
    function* () {
      const d = new Dispatcher("disp");
      yield* d.dispatch(function* (): Operation<void> {
        yield* schedule();
        throw new Error("lost?");
      });
      yield* d.dispatch(() => job(log, "after", 1), { waitEnd: true });
    },
    { onUncaught: (e) => uncaught.push(e) },
  );
  assert.equal(uncaught.length, 1);
  assert.match(uncaught[0]?.message ?? "", /disp.*lost\?/);
  assert.deepEqual(log, ["after started", "after ended"]);
});

test("a kill or timeout of a waiting caller withdraws a body that has not started", async () => {
  const log: string[] = [];
  await run(function* () {
    const d = new Dispatcher();
    // The first body holds the dispatcher 200 ms, far beyond the 2 ms timeout below even
    // when the process stalls between arming the two timers.
    yield* d.dispatch(() => sleep(200));
    const killed = spawn(() => d.dispatch(() => job(log, "killed", 1), { waitEnd: true }));
    const timed = spawn(function* () {
      try {
        yield* timeout(
          2,
          d.dispatch(() => job(log, "timed", 1), { waitStart: true }),
        );
        return "started";
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
    yield* d.dispatch(() => job(log, "kept", 1), { waitEnd: true });
    assert.equal(d.isEmpty(), true);
  });
  assert.deepEqual(log, ["kept started", "kept ended"]);
});

test("a timeout of a caller waiting for the end leaves a started body running to its end", async () => {
  const log: string[] = [];
  await run(function* () {
    const d = new Dispatcher();
    try {
      yield* timeout(
        2,
        d.dispatch(
          function* () {
            log.push("started");
            yield* sleep(10);
            log.push("ended");
          },
          { waitEnd: true },
        ),
      );
    } catch (e) {
      assert.ok(e instanceof TimeoutError);
    }
    assert.equal(d.isEmpty(), false);
    yield* d.dispatch(() => schedule(), { waitEnd: true });
  });
  assert.deepEqual(log, ["started", "ended"]);
});

test("a body that waits for its own dispatcher gets an error instead of a deadlock", async () => {
  await run(function* () {
    const d = new Dispatcher();
    const r = yield* d.dispatch(
      function* () {
        try {
          yield* d.dispatch(() => schedule(), { waitEnd: true });
          return "no error";
        } catch (e) {
          return e instanceof TaskletError ? "refused" : String(e);
        }
      },
      { waitEnd: true },
    );
    assert.equal(r, "refused");
  });
});

test("a killed runner fails the waiters of the running and the queued bodies with KilledError", async () => {
  await run(function* () {
    const d = new Dispatcher();
    const first = spawn(() => d.dispatch(() => sleep(1000), { waitEnd: true }));
    const second = spawn(() => d.dispatch(() => schedule(), { waitEnd: true }));
    yield* schedule();
    (d.runner as { kill(): void }).kill();
    for (const c of [first, second]) {
      yield* errorOf(c.join(), KilledError);
    }
    assert.equal(d.isEmpty(), true);
  });
});

test("dispatch refuses a body that is not a generator at the call", async () => {
  await run(function* () {
    const d = new Dispatcher();
    assert.throws(() => d.dispatch(42 as never), TypeError);
  });
});
