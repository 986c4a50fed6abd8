import assert from "node:assert/strict";
import { test } from "node:test";
import { channel, type Operation, schedule, sleep, spawn, type Tasklet, UncaughtError } from "../../src/index.js";
import { DeadlockError, LeakError, runTest } from "../../src/testing/index.js";

test("a deadlock after virtual hours is reported at once, naming every blocked tasklet and its wait", async () => {
  let never = "";
  const err = await runTest(
    function* () {
      const ch = channel<number>();
      never = ch.describe();
      const b = spawn(
        function* () {
          yield* sleep(7_200_000);
          yield* ch.recv();
        },
        { name: "waits-forever" },
      );
      const a = spawn(
        function* () {
          yield* sleep(3_600_000);
          yield* b.join();
        },
        { name: "waits-for-b" },
      );
      yield* a.join();
    },
    { name: "the-test" },
  ).catch((e: unknown) => e);
  assert.ok(err instanceof DeadlockError, String(err));
  assert.deepEqual(err.blocked, [
    "#1 the-test: waits on join of #3 waits-for-b",
    `#2 waits-forever: waits on recv on ${never}`,
    "#3 waits-for-b: waits on join of #2 waits-forever",
  ]);
});

test("tasklets alive when the body ended are reported as a leak, with what each waits on, then killed", async () => {
  const cleaned: string[] = [];
  function* ticker(): Operation<void> {
    try {
      for (;;) yield* sleep(1000);
    } finally {
      cleaned.push("ticker");
    }
  }
  function* stuck(on: Tasklet<void>): Operation<void> {
    try {
      yield* on.join();
    } finally {
      yield* sleep(50); // a cleanup that blocks runs to its end too
      cleaned.push("stuck");
    }
  }
  const err = await runTest(function* () {
    const t = spawn(ticker(), { name: "ticker" });
    spawn(stuck(t), { name: "stuck" });
    spawn(schedule(), { name: "about-to-end" });
    yield* sleep(2500);
    spawn(schedule(), { name: "never-started" });
    return "body done";
  }).catch((e: unknown) => e);
  assert.ok(err instanceof LeakError, String(err));
  assert.deepEqual(err.leaked, [
    "#2 ticker: waits on sleep(1000) (500 ms left)",
    "#3 stuck: waits on join of #2 ticker",
    "#5 never-started: new",
  ]);
  assert.match(err.message, /^3 tasklets were still alive when the test's body ended/);
  assert.match(err.message, /allowLeaks: true/);
  assert.deepEqual(cleaned.sort(), ["stuck", "ticker"]);
});

test("allowLeaks: the test passes with the body's value, and the leaked tasklets are killed all the same", async () => {
  let cleaned = false;
  const v = await runTest(
    function* () {
      spawn(function* () {
        try {
          yield* sleep(60_000);
        } finally {
          cleaned = true;
        }
      });
      yield* schedule();
      return 42;
    },
    { allowLeaks: true },
  );
  assert.equal(v, 42);
  assert.equal(cleaned, true);
});

test("a test whose tasklets all ended before the body did has no leak", async () => {
  const v = await runTest(function* () {
    const t = spawn(sleep(10));
    spawn(sleep(5), { joinable: false });
    yield* t.join();
    return "clean";
  });
  assert.equal(v, "clean");
});

test("an error escaping an unjoined tasklet fails the test, naming the tasklet", async () => {
  const err = await runTest(function* () {
    spawn(
      function* (): Operation<void> {
        yield* sleep(10);
        throw new Error("disk on fire");
      },
      { name: "writer", joinable: false },
    );
    yield* sleep(20);
  }).catch((e: unknown) => e);
  assert.ok(err instanceof UncaughtError, String(err));
  assert.match(err.message, /#2 writer: Error: disk on fire/);
});

test("the body's own error wins over a leak", async () => {
  await assert.rejects(
    runTest(function* () {
      spawn(sleep(1000), { name: "left-behind" });
      yield* schedule();
      throw new Error("assertion in the body");
    }),
    /assertion in the body/,
  );
});

test("leaked tasklets whose cleanups wait on each other: the leak report says their cleanup deadlocked", async () => {
  const err = await runTest(function* () {
    // Each cleanup waits for a value the other would send after its own wait.
    const toA = channel<number>();
    const toB = channel<number>();
    spawn(
      function* () {
        try {
          yield* sleep(60_000);
        } finally {
          yield* toA.recv();
          yield* toB.send(1);
        }
      },
      { name: "a" },
    );
    spawn(
      function* () {
        try {
          yield* sleep(60_000);
        } finally {
          yield* toB.recv();
          yield* toA.send(1);
        }
      },
      { name: "b" },
    );
    yield* schedule();
  }).catch((e: unknown) => e);
  assert.ok(err instanceof LeakError, String(err));
  assert.deepEqual(err.leaked, [
    "#2 a: waits on sleep(60000) (60000 ms left)",
    "#3 b: waits on sleep(60000) (60000 ms left)",
  ]);
  assert.ok(err.cause instanceof DeadlockError);
  assert.match(err.message, /their cleanup deadlocked/);
  assert.match(err.message, /#2 a \(killed, in cleanup\): waits on recv on channel#\d+/);
});
