// The shared test helpers (test/helpers.ts) fail when they should: a helper that cannot fail
// would let every test that uses it pass for the wrong reason.
import assert from "node:assert/strict";
import { test } from "node:test";
import { KilledError, type Operation, sleep, TimeoutError } from "../src/index.js";
import { runTest } from "../src/testing/index.js";
import { errorIfAny, errorOf, pollUntil, pollUntilAsync } from "./helpers.js";

function* fails(e: unknown): Operation<never> {
  yield* sleep(1);
  throw e;
}

function* returns(): Operation<number> {
  yield* sleep(1);
  return 7;
}

test("errorOf returns what the operation threw, typed when a class is given", async () => {
  await runTest(function* () {
    const boom = new TimeoutError("late");
    assert.equal(yield* errorOf(fails(boom)), boom);
    const e = yield* errorOf(fails(boom), TimeoutError);
    assert.equal(e.message, "late");
  });
});

test("errorOf fails the test when the operation returns, or throws another class, naming what came", async () => {
  await runTest(function* () {
    const none = yield* errorIfAny(errorOf(returns()));
    assert.ok(none instanceof assert.AssertionError);
    assert.match(none.message, /expected the operation to throw, it returned 7/);
    const other = yield* errorIfAny(errorOf(fails(new TimeoutError("late")), KilledError));
    assert.ok(other instanceof assert.AssertionError);
    assert.match(other.message, /expected KilledError, got TimeoutError: late/);
  });
});

test("errorIfAny returns undefined when the operation returns", async () => {
  await runTest(function* () {
    assert.equal(yield* errorIfAny(returns()), undefined);
  });
});

test("pollUntil returns once the condition holds, reading it once per look, and fails naming what it waited for after limitMs", async () => {
  await runTest(function* () {
    let looks = 0;
    yield* pollUntil("the third look", () => ++looks === 3, { everyMs: 10 });
    assert.equal(looks, 3);
    const e = yield* errorIfAny(
      pollUntil(
        () => `never (${looks} looks)`,
        () => {
          looks++;
          return false;
        },
        { limitMs: 50, everyMs: 10 },
      ),
    );
    assert.ok(e instanceof assert.AssertionError);
    assert.equal(e.message, "gave up waiting until never (9 looks)");
  });
});

test("pollUntilAsync fails naming what it waited for after limitMs", async () => {
  let looks = 0;
  await pollUntilAsync("the second look", () => ++looks === 2, { everyMs: 1 });
  assert.equal(looks, 2);
  await assert.rejects(
    pollUntilAsync("never", () => false, { limitMs: 20, everyMs: 5 }),
    {
      name: "AssertionError",
      message: "gave up waiting until never",
    },
  );
});
