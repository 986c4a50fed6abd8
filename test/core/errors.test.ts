import assert from "node:assert/strict";
import { test } from "node:test";
import {
  channel,
  DeadlockError,
  type Operation,
  run,
  schedule,
  sleep,
  spawn,
  TaskletError,
  UncaughtError,
} from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";

test("an error escaping a non-joinable tasklet is reported with its name and id", async () => {
  const reports: UncaughtError[] = [];
  await runTest(
    function* () {
      const t = spawn(
        function* (): Operation<void> {
          yield* schedule();
          throw new Error("lost");
        },
        { name: "fire-and-forget", joinable: false },
      );
      yield* sleep(1);
      assert.equal(reports.length, 1);
      assert.match(reports[0]?.message ?? "", new RegExp(`#${t.id} fire-and-forget: Error: lost`));
    },
    { onUncaught: (e) => reports.push(e) },
  );
  assert.ok(reports[0] instanceof UncaughtError);
  assert.equal(((reports[0] as UncaughtError).cause as Error).message, "lost");
});

// The rule for joinable tasklets nobody joins is tested in unjoined.test.ts.

test("a stack overflow is reported naming the tasklet", async () => {
  const recurse = (n: number): number => recurse(n + 1) + 1;
  const err = await run(function* () {
    const t = spawn(
      function* () {
        return recurse(0);
      },
      { name: "deep-recursion" },
    );
    try {
      yield* t.join();
    } catch (e) {
      return e;
    }
    return null;
  });
  assert.ok(err instanceof TaskletError);
  assert.match((err as Error).message, /stack overflow in tasklet #\d+ deep-recursion/);
  assert.ok((err as Error).cause instanceof RangeError);
});

test("deadlock: run() rejects naming every blocked tasklet and what it waits on", async () => {
  const err = await runTest(
    function* () {
      const never = channel<number>();
      const a = spawn(
        function* (): Operation<void> {
          yield* sleep(1);
          const b = spawn(
            function* () {
              yield* never.recv();
            },
            { name: "waiter-b" },
          );
          spawn(() => a.join(), { name: "waiter-c" });
          yield* b.join();
        },
        { name: "waiter-a" },
      );
      yield* a.join();
    },
    { name: "the-root" },
  ).catch((e: unknown) => e);
  assert.ok(err instanceof DeadlockError, String(err));
  const msg = (err as DeadlockError).message;
  assert.match(msg, /all tasklets are asleep - deadlock!/);
  assert.match(msg, /#\d+ the-root: waits on join of #\d+ waiter-a/);
  assert.match(msg, /#\d+ waiter-a: waits on join of #\d+ waiter-b/);
  assert.match(msg, /#\d+ waiter-b: waits on recv on channel#\d+/);
  assert.match(msg, /#\d+ waiter-c: waits on join of #\d+ waiter-a/);
  assert.equal((err as DeadlockError).blocked.length, 4);
});

test("no deadlock is reported while a timer or a promise may still wake a tasklet", async () => {
  const v = await runTest(function* () {
    const t = spawn(function* () {
      yield* sleep(20);
      return 7;
    });
    return yield* t.join();
  });
  assert.equal(v, 7);
});
