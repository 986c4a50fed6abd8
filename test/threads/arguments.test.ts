// Bad input at the threads layer's entry points: a value that cannot cross threads is named at
// the send, and every options bag refuses keys it does not know.
import assert from "node:assert/strict";
import { test } from "node:test";
import { run } from "../../src/index.js";
import { ThreadChannel, WorkerPool } from "../../src/threads/index.js";

test("ThreadChannel.send of a function is a TypeError naming the argument and what can cross, the clone's error as cause", async () => {
  const ch = new ThreadChannel<unknown>(4);
  await run(function* () {
    let caught: unknown;
    try {
      yield* ch.send(() => 1);
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof TypeError, String(caught));
    assert.match(
      caught.message,
      /^ThreadChannel\.send: v must be a value that structured clone can copy \(.*no functions or symbols\), got a function: it cannot cross threads \(.*could not be cloned.*\)$/,
    );
    assert.ok(caught.cause instanceof Error, "the clone's error is the cause");
    assert.throws(
      () => ch.trySend({ f: Symbol("s") }),
      /^TypeError: ThreadChannel\.trySend: v must be a value that structured clone can copy .*, got an object: it cannot cross threads/,
    );
    assert.equal(ch.balance, 0, "nothing was sent");
    yield* ch.send({ ok: 1 });
    assert.deepEqual(ch.tryRecv(), { ok: true, value: { ok: 1 } });
  });
});

test("ThreadChannel refuses an unknown option and names a bad capacity or buffer size", () => {
  assert.throws(
    () => new ThreadChannel(0, { bufferbytes: 1024 } as never),
    /^TypeError: ThreadChannel: unknown option "bufferbytes" in options \(did you mean bufferBytes\?\); known options: bufferBytes$/,
  );
  assert.throws(
    () => new ThreadChannel("1" as never),
    /^TypeError: ThreadChannel: capacity must be an integer in 0\.\.2147483647, got the string "1"$/,
  );
  assert.throws(
    () => new ThreadChannel(0, { bufferBytes: 100 }),
    /^RangeError: ThreadChannel: options\.bufferBytes must be a multiple of 8 in 64\.\.2\^30, got the number 100$/,
  );
});

test("WorkerPool refuses an unknown option before any thread is started", () => {
  assert.throws(
    () => new WorkerPool({ sise: 2 } as never),
    /^TypeError: WorkerPool: unknown option "sise" in options \(did you mean size\?\); known options: size, maxSize, idleMs, name, onUncaught$/,
  );
  assert.throws(
    () => new WorkerPool({ size: 0 }),
    /^RangeError: WorkerPool: options\.size must be an integer >= 1, got the number 0$/,
  );
  assert.throws(
    () => new WorkerPool({ size: 2, maxSize: 1 }),
    /^RangeError: WorkerPool: options\.maxSize must be an integer >= 2, got the number 1$/,
  );
  assert.throws(
    () => new WorkerPool({ idleMs: Number.POSITIVE_INFINITY }),
    /^RangeError: WorkerPool: options\.idleMs must be a finite number >= 0/,
  );
});

test("ThreadChannel.recvTimeout names itself for a bad duration", async () => {
  const ch = new ThreadChannel<number>(1);
  await run(function* () {
    assert.throws(
      () =>
        ch
          .recvTimeout("5" as never)
          [Symbol.iterator]()
          .next(),
      /^TypeError: ThreadChannel\.recvTimeout: ms must be a number >= 0 \(Infinity for never\), got the string "5"$/,
    );
  });
});
