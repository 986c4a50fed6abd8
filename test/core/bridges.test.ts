// Bridges between tasklets and async code: for await over a channel, a tasklet's end as a
// promise, run() under an AbortSignal, and until(promise) as an operation and a select case.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runtime } from "../../src/core/runtime.js";
import {
  after,
  ChannelClosedError,
  channel,
  DeadlockError,
  KilledError,
  type Operation,
  run,
  select,
  sleep,
  spawn,
  until,
} from "../../src/index.js";

function* produce(ch: ReturnType<typeof channel<number>>, n: number): Operation<void> {
  for (let i = 1; i <= n; i++) yield* ch.send(i);
  ch.close();
}

test("for await over a Channel from async code gets every value in order and ends at close", async () => {
  const ch = channel<number>();
  spawn(produce(ch, 5));
  const got: number[] = [];
  for await (const v of ch) got.push(v);
  assert.deepEqual(got, [1, 2, 3, 4, 5]);
});

test("for await over a buffered Channel drains the values sent before close", async () => {
  const ch = channel<string>(4);
  ch.sendAsync("a");
  ch.sendAsync("b");
  ch.close();
  const got: string[] = [];
  for await (const v of ch) got.push(v);
  assert.deepEqual(got, ["a", "b"]);
});

test("leaving a for await loop early takes no more values from the Channel", async () => {
  const ch = channel<number>(8);
  for (let i = 1; i <= 5; i++) ch.sendAsync(i);
  for await (const v of ch) {
    if (v === 2) break;
  }
  assert.deepEqual(ch.tryRecv(), { ok: true, value: 3 });
});

test("t.result() resolves with a tasklet's value from async code", async () => {
  const t = spawn(function* () {
    yield* sleep(5);
    return 42;
  });
  assert.equal(await t.result(), 42);
  // Ended already: at once, the same value.
  assert.equal(await t.result(), 42);
});

test("t.result() rejects with the tasklet's error (which counts as joined) or KilledError", async () => {
  const boom = new Error("boom");
  const failing = spawn(function* () {
    yield* sleep(1);
    throw boom;
  });
  await assert.rejects(failing.result(), (e: unknown) => e === boom);
  const sleeper = spawn(function* () {
    yield* sleep(60_000);
  });
  const p = sleeper.result();
  sleeper.kill();
  await assert.rejects(p, KilledError);
});

test("a tasklet is not thenable: await t gives the handle itself, so returning one from async code is no hidden join", async () => {
  const t = spawn(function* () {
    yield* sleep(1);
    return 1;
  });
  const same = await (async () => t)();
  assert.equal(same, t);
  assert.equal(await t.result(), 1);
});

test("run(body, { signal }): an abort kills the root, its cleanup runs, run rejects with KilledError whose cause is the reason", async () => {
  const ac = new AbortController();
  const log: string[] = [];
  const p = run(
    function* () {
      try {
        yield* sleep(60_000);
      } finally {
        log.push("cleanup");
        yield* sleep(1); // cleanup may block
        log.push("cleanup done");
      }
    },
    { signal: ac.signal },
  );
  setTimeout(() => ac.abort("stop please"), 5);
  await assert.rejects(p, (e: unknown) => e instanceof KilledError && e.cause === "stop please");
  assert.deepEqual(log, ["cleanup", "cleanup done"]);
});

test("run with an already aborted signal never starts the body and rejects with KilledError", async () => {
  let ran = false;
  const reason = new Error("already");
  await assert.rejects(
    run(
      function* () {
        ran = true;
      },
      { signal: AbortSignal.abort(reason) },
    ),
    (e: unknown) => e instanceof KilledError && e.cause === reason,
  );
  assert.equal(ran, false);
});

test("run refuses a signal that is not an AbortSignal", () => {
  assert.throws(
    () => run(function* () {}, { signal: "soon" as never }),
    /^TypeError: run: options\.signal must be an AbortSignal, got the string "soon"$/,
  );
});

test("run's signal listener is removed when the root ends", async () => {
  const ac = new AbortController();
  await run(function* () {}, { signal: ac.signal });
  ac.abort(); // nothing to kill; must not throw
});

test("until(promise) waits for a promise's value, and throws its rejection", async () => {
  const v = await run(function* () {
    return yield* until(new Promise<number>((r) => setTimeout(() => r(7), 5)));
  });
  assert.equal(v, 7);
  const boom = new Error("no");
  await assert.rejects(
    run(function* () {
      yield* until(Promise.reject(boom));
    }),
    (e: unknown) => e === boom,
  );
});

test("until(promise) is a select case: it wins over a blocked receive, and loses to a timer without taking anything", async () => {
  const ch = channel<number>();
  const r = await run(function* () {
    return yield* select(ch.recv(), until(Promise.resolve("p")));
  });
  assert.deepEqual(r, { index: 1, value: "p" });
  const r2 = await run(function* () {
    return yield* select(until(new Promise<string>(() => {})), after(5));
  });
  assert.equal(r2.index, 1);
  assert.equal(runtime().holds, 0);
});

test("a tasklet waiting on until() is not a deadlock: the promise holds the runtime", async () => {
  const v = await run(function* () {
    return yield* until(new Promise<string>((r) => setTimeout(() => r("late"), 30)));
  });
  assert.equal(v, "late");
  assert.equal(runtime().holds, 0);
});

test("until() refuses a value that is not a promise, and a function in its place", () => {
  assert.throws(() => until(5 as never), /^TypeError: until: promise must be a promise, got the number 5$/);
  assert.throws(
    () => until((async () => 1) as never),
    /until: promise must be a promise, got an async function.*until\(f\(\)\)/,
  );
});

test("for await over a Channel nothing can feed any more ends with DeadlockError, not a hang", async () => {
  const ch = channel<number>();
  await assert.rejects(
    (async () => {
      for await (const _ of ch) assert.fail("no value");
    })(),
    DeadlockError,
  );
  void ChannelClosedError;
});
