// Bad input at the sync layer's entry points, and the semaphore's over-release (Go's
// semaphore.Weighted panics "released more than held"; here a TaskletError at the call).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  channel,
  Dispatcher,
  Mutex,
  type Operation,
  run,
  Semaphore,
  schedule,
  scope,
  spawn,
  TaskletError,
  TaskletPool,
  WaitGroup,
  withLock,
  withPermit,
} from "../../src/index.js";

test("a Semaphore released more than acquired throws, and its count stays at its size", async () => {
  await run(function* () {
    const s = new Semaphore(2);
    assert.throws(
      () => s.release(),
      (e: unknown) =>
        e instanceof TaskletError &&
        /^Semaphore\.release: released more than held \(semaphore#\d+ has all its 2 permits free\)$/.test(e.message),
    );
    assert.equal(s.available, 2, "the refused release added nothing");
    yield* s.acquire();
    s.release();
    assert.throws(() => s.release(), /released more than held/, "a double release is caught");
    assert.equal(s.available, 2);
  });
});

test("a Semaphore(0) has no permit to give back: release() throws; count signals with a channel or a WaitGroup", () => {
  const s = new Semaphore(0);
  assert.throws(() => s.release(), /Semaphore\.release: released more than held/);
  assert.equal(s.available, 0);
});

test("a permit handed to a waiter and released by it goes back to the count, up to the size and no further", async () => {
  await run(function* () {
    const s = new Semaphore(1);
    yield* s.acquire();
    const waiter = spawn(function* (): Operation<void> {
      yield* s.acquire();
      s.release();
    });
    yield* schedule();
    s.release(); // hands the permit to the waiter
    yield* waiter.join();
    assert.equal(s.available, 1);
    assert.throws(() => s.release(), /released more than held/);
  });
});

test("Semaphore(n) names a bad count: a string is a TypeError, a negative or fraction a RangeError", () => {
  assert.throws(
    () => new Semaphore("2" as never),
    /^TypeError: Semaphore: permits must be an integer >= 0, got the string "2"$/,
  );
  assert.throws(() => new Semaphore(-1), /^RangeError: Semaphore: permits must be an integer >= 0, got the number -1$/);
});

test("channel, WaitGroup and TaskletPool name the bad number they got", () => {
  assert.throws(
    () => channel("3" as never),
    /^TypeError: channel: capacity must be an integer >= 0, got the string "3"$/,
  );
  assert.throws(
    () => new WaitGroup().add(1.5),
    /^RangeError: WaitGroup\.add: n must be an integer, got the number 1\.5$/,
  );
  assert.throws(() => new TaskletPool(0), /^RangeError: TaskletPool: size must be an integer >= 1, got the number 0$/);
});

test("TaskletPool.spawn and Dispatcher.dispatch refuse an unknown option with the known ones", async () => {
  function* body(): Operation<void> {}
  await run(function* () {
    assert.throws(
      () => new TaskletPool(1).spawn(body(), { nmae: "x" } as never),
      /^TypeError: TaskletPool\.spawn: unknown option "nmae" in options \(did you mean name\?\); known options: name, joinable, priority$/,
    );
    assert.throws(
      () => new Dispatcher().dispatch(body(), { waitend: true } as never),
      /^TypeError: Dispatcher\.dispatch: unknown option "waitend" in options \(did you mean waitEnd\?\); known options: waitEnd, waitStart$/,
    );
    assert.throws(
      () => new Dispatcher().dispatch(body(), { waitEnd: "yes" } as never),
      /^TypeError: Dispatcher\.dispatch: options\.waitEnd must be a boolean, got the string "yes"$/,
    );
  });
});

test("scope given a generator instead of a generator function says what it got", async () => {
  await run(function* () {
    function* body(): Operation<number> {
      return 1;
    }
    const op = scope(body() as never);
    assert.throws(
      () => op[Symbol.iterator]().next(),
      /^TypeError: scope: body must be a generator function, got a generator$/,
    );
  });
});

test("withLock and withPermit name a body that is not a function, before taking the lock or the permit", async () => {
  function* body(): Operation<number> {
    return 1;
  }
  await run(function* () {
    const m = new Mutex();
    const s = new Semaphore(1);
    assert.throws(
      () =>
        withLock(m, body() as never)
          [Symbol.iterator]()
          .next(),
      /^TypeError: withLock: body must be a function returning an operation, got a generator: pass a function that returns it: \(\) => op$/,
    );
    assert.equal(m.owner, null, "the lock was not taken");
    assert.throws(
      () =>
        withPermit(s, Promise.resolve(1) as never)
          [Symbol.iterator]()
          .next(),
      /^TypeError: withPermit: body must be a function returning an operation, got a promise/,
    );
    assert.equal(s.available, 1, "the permit was not taken");
    assert.throws(
      () =>
        withPermit({} as never, body)
          [Symbol.iterator]()
          .next(),
      /^TypeError: withPermit: s must be a Semaphore, got an object$/,
    );
    assert.equal(yield* withLock(m, body), 1);
  });
});

test("Scope.spawn names itself for bad options or a generator already spawned", async () => {
  function* body(): Operation<void> {}
  await run(function* () {
    yield* scope(function* (s) {
      assert.throws(
        () => s.spawn(body(), { nmae: "x" } as never),
        /^TypeError: Scope\.spawn: unknown option "nmae" in options \(did you mean name\?\); known options: name, joinable, priority$/,
      );
      const g = body();
      s.spawn(g);
      assert.throws(() => s.spawn(g), /^TypeError: Scope\.spawn: body must be a generator not yet spawned/);
    });
  });
});
