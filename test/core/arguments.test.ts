// Bad input at the core's entry points (spawn, run, main, call): each error names the function,
// the argument, what it got and what it expects, and is thrown before anything is created.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkOperation, checkRequiredOptions, describe } from "../../src/core/check.js";
import { runtime } from "../../src/core/runtime.js";
import { call, main, type Operation, type Priority, run, spawn, TaskletPool } from "../../src/index.js";

function* leaf(log: string[], name: string): Operation<string> {
  log.push(`${name} ran`);
  return name;
}

test("the value an error names reads as what it is: its type, and its value when short", () => {
  assert.equal(describe("100"), 'the string "100"');
  assert.equal(describe(-1), "the number -1");
  assert.equal(describe(Number.NaN), "the number NaN");
  assert.equal(describe(null), "null");
  assert.equal(describe(undefined), "undefined");
  assert.equal(describe(Promise.resolve(1)), "a promise");
  assert.equal(describe([1]), "an array");
  assert.equal(describe(new Map()), "an object (Map)");
  assert.equal(
    describe(async function fetchIt() {}),
    "an async function (fetchIt)",
  );
  assert.equal(describe(leaf), "a generator function (leaf)");
  assert.equal(describe(leaf([], "x")), "a generator");
  assert.equal(describe("x".repeat(100)), `the string "${"x".repeat(40)}…"`);
});

test("spawn refuses an unknown option (a misspelling) with the list of known ones, before creating anything", async () => {
  await run(function* () {
    const live = runtime().liveCount;
    const log: string[] = [];
    assert.throws(
      () => spawn(leaf(log, "a"), { nmae: "x" } as never),
      (e: unknown) =>
        e instanceof TypeError &&
        e.message ===
          'spawn: unknown option "nmae" in options (did you mean name?); known options: name, joinable, priority',
    );
    assert.equal(runtime().liveCount, live, "no tasklet was created");
    assert.throws(
      () => spawn(leaf(log, "b"), "fast" as never),
      /^TypeError: spawn: options must be an object, got the string "fast"$/,
    );
  });
});

test("run refuses an unknown option at the call, before the root is spawned", () => {
  const log: string[] = [];
  assert.throws(
    () => run(leaf(log, "root"), { onUncuaght: () => {} } as never),
    /^TypeError: run: unknown option "onUncuaght" in options \(did you mean onUncaught\?\); known options: name, onUncaught, runtime, signal, watchdog, onHog, leaks, onLeak$/,
  );
  assert.throws(
    () => run(leaf(log, "root"), { name: 7 } as never),
    /^TypeError: run: options\.name must be a string, got the number 7$/,
  );
  assert.throws(
    () => run(leaf(log, "root"), { runtime: {} } as never),
    /^TypeError: run: options\.runtime must be a Runtime \(createTestRuntime\(\) makes one\), got an object$/,
  );
  assert.deepEqual(log, [], "no body ran");
});

test("main refuses an unknown option at the call, before the root is spawned or a signal handler installed", async () => {
  const before = process.listenerCount("SIGINT");
  const log: string[] = [];
  assert.throws(
    () => main(leaf(log, "root"), { exit: false, nmae: "x" } as never),
    /^TypeError: main: unknown option "nmae" in options \(did you mean name\?\); known options: name, runtime, exit, stderr, watchdog, onHog, leaks, onLeak$/,
  );
  assert.equal(process.listenerCount("SIGINT"), before, "no handler left installed");
  assert.deepEqual(log, []);
});

for (const p of ["constructor", "__proto__", "toString"]) {
  test(`spawn refuses the priority "${p}" (an Object.prototype key, not a level) and leaves no tasklet ready`, async () => {
    let err = "";
    const code = await main(
      function* () {
        const live = runtime().liveCount;
        assert.throws(
          () => spawn(leaf([], "x"), { priority: p as Priority }),
          (e: unknown) =>
            e instanceof RangeError &&
            e.message ===
              `spawn: options.priority must be one of "high", "normal", "low", got the string ${JSON.stringify(p)}`,
        );
        assert.equal(runtime().liveCount, live, "no tasklet was created");
      },
      { exit: false, stderr: { write: (s: string) => (err += s) } },
    );
    assert.equal(code, 0, `the program exits 0 (no deadlock): ${err}`);
  });
}

test("spawn's priority must be a string: a number is a TypeError", () => {
  assert.throws(
    () => spawn(leaf([], "x"), { priority: 0 as never }),
    /^TypeError: spawn: options\.priority must be one of "high", "normal", "low", got the number 0$/,
  );
});

test("a generator object runs in one tasklet: spawning it again (spawn, run, a pool) is refused, and it runs once", async () => {
  const log: string[] = [];
  await run(function* () {
    const g = leaf(log, "g");
    const t = spawn(g);
    const again = /spawn: body must be a generator not yet spawned, got a generator that was already spawned/;
    assert.throws(() => spawn(g), again);
    assert.throws(() => spawn(() => g), /got a function returning a generator that was already spawned/);
    assert.throws(() => run(g), /^TypeError: run: body must be a generator not yet spawned/);
    assert.throws(() => new TaskletPool(1).spawn(g), /TaskletPool\.spawn: body must be a generator not yet spawned/);
    assert.equal(yield* t.join(), "g");
  });
  assert.deepEqual(log, ["g ran"]);
});

test("a function body may be spawned any number of times: each call makes a fresh generator", async () => {
  const log: string[] = [];
  await run(function* () {
    const body = () => leaf(log, "f");
    const ts = [spawn(body), spawn(body), spawn(body)];
    for (const t of ts) yield* t.join();
  });
  assert.deepEqual(log, ["f ran", "f ran", "f ran"]);
});

test("a promise where a body is expected says to use call(); so does an async function", () => {
  assert.throws(
    () => spawn(Promise.resolve(1) as never),
    /^TypeError: spawn: body must be a generator or a function returning one, got a promise: use call\(\(\) => promise\) to wait for a promise in a tasklet$/,
  );
  assert.throws(
    () => spawn((async () => 1) as never),
    /^TypeError: spawn: body must be a generator or a function returning one, got a function returning a promise: an async function\? use call\(\(\) => f\(\)\) to wait for a promise$/,
  );
  assert.throws(
    () => spawn(42 as never),
    /^TypeError: spawn: body must be a generator or a function returning one, got the number 42$/,
  );
});

test("an operation argument that is a promise says to use call(); a generator function says to call it", () => {
  assert.throws(
    () => checkOperation("timeout", "op", Promise.resolve(1)),
    (e: unknown) =>
      e instanceof TypeError &&
      e.message ===
        "timeout: op must be an operation (a generator or an object with [Symbol.iterator]), got a promise: use call(() => promise) to wait for a promise in a tasklet",
  );
  assert.throws(
    () => checkOperation("timeout", "op", null),
    /^TypeError: timeout: op must be an operation \(a generator or an object with \[Symbol\.iterator\]\), got null$/,
  );
  assert.throws(
    () => checkOperation("timeout", "op", leaf),
    /got a generator function \(leaf\): call the generator function to get its operation: f\(\), not f$/,
  );
  assert.throws(() => checkOperation("timeout", "op", [1, 2]), /got an array$/);
  const op = leaf([], "x");
  assert.equal(checkOperation("timeout", "op", op), op);
});

test("call() given a promise instead of a function says how to pass it", () => {
  assert.throws(
    () => call(Promise.resolve(1) as never),
    /^TypeError: call: fn must be a function returning a promise or a value, got a promise: pass a function that returns it: call\(\(\) => promise\)$/,
  );
});

test("an options bag that must be given is refused when missing, and for a key it does not know", () => {
  const known = ["port", "host", "backlog"];
  assert.throws(
    () => checkRequiredOptions("listen", undefined, known),
    /^TypeError: listen: options must be an object, got undefined$/,
  );
  assert.throws(
    () => checkRequiredOptions("listen", { port: 1, hots: "x" }, known),
    /^TypeError: listen: unknown option "hots" in options \(did you mean host\?\); known options: port, host, backlog$/,
  );
  assert.throws(
    () => checkRequiredOptions("listen", { port: 1, zzzzzz: 1 }, known),
    /unknown option "zzzzzz" in options; known options: port, host, backlog$/,
  );
  checkRequiredOptions("listen", { port: 1 }, known);
});
