// Bad input at the time layer's entry points: a duration is a number of milliseconds >= 0, or
// Infinity (never); the operation of timeout() is an operation, not a promise.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Operation, run, sleep, timeout } from "../../src/index.js";
import { checkMs } from "../../src/time/timers.js";

test("sleep of a string is a TypeError naming the function, the argument and the string", () => {
  assert.throws(
    () => sleep("100" as never),
    (e: unknown) =>
      e instanceof TypeError &&
      e.message === 'sleep: ms must be a number >= 0 (Infinity for never), got the string "100"',
  );
  assert.throws(() => sleep(undefined as never), /^TypeError: sleep: ms must be .*, got undefined$/);
});

test("a duration that is NaN or negative is a RangeError", () => {
  assert.throws(
    () => sleep(Number.NaN),
    /^RangeError: sleep: ms must be a number >= 0 \(Infinity for never\), got the number NaN$/,
  );
  assert.throws(() => sleep(-1), /^RangeError: sleep: ms must be .*, got the number -1$/);
  assert.throws(() => checkMs("recvTimeout", -0.5), /^RangeError: recvTimeout: ms must be/);
});

test("Infinity is a duration: never (the timer code treats it); 0 and fractions are durations too", () => {
  assert.equal(checkMs("sleep", Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);
  assert.equal(checkMs("timeout", 0), 0);
  assert.equal(checkMs("timeout", 2.5), 2.5);
  assert.throws(() => checkMs("sleep", Number.NEGATIVE_INFINITY), RangeError);
});

function* never(): Operation<void> {
  yield* sleep(1);
}

/** Starts `op` as `yield*` would: a generator function's checks run at its first step. */
function start(op: Operation<unknown>): void {
  op[Symbol.iterator]().next();
}

test("timeout of a string duration is a TypeError at the call", async () => {
  await run(function* () {
    assert.throws(
      () => start(timeout("10" as never, never())),
      /^TypeError: timeout: ms must be .*, got the string "10"$/,
    );
  });
});

test("timeout of null or of a promise names the argument, and for a promise says to use call()", async () => {
  await run(function* () {
    assert.throws(
      () => start(timeout(10, null as never)),
      /^TypeError: timeout: op must be an operation \(a generator or an object with \[Symbol\.iterator\]\), got null$/,
    );
    assert.throws(
      () => start(timeout(10, Promise.resolve(1) as never)),
      /^TypeError: timeout: op must be an operation .*, got a promise: use call\(\(\) => promise\) to wait for a promise in a tasklet$/,
    );
  });
});
