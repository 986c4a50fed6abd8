import assert from "node:assert/strict";
import { test } from "node:test";
import { runtime } from "../../src/core/runtime.js";
import {
  type Channel,
  ChannelClosedError,
  ChannelError,
  ChannelTimeoutError,
  channel,
  DeadlockError,
  KilledError,
  type Operation,
  run,
  schedule,
  sleep,
  spawn,
  TimeoutError,
  timeout,
} from "../../src/index.js";
import { timersOf } from "../../src/time/timers.js";
import { errorOf, settle } from "../helpers.js";

function* receiver<T>(ch: Channel<T>, log: unknown[], name: string): Operation<void> {
  const v = yield* ch.recv();
  log.push(`${name} got ${String(v)}`);
}

function* sender<T>(ch: Channel<T>, v: T, log: unknown[], name: string): Operation<void> {
  yield* ch.send(v);
  log.push(`${name} sent`);
}

test("a rendezvous send blocks until a receiver has taken the value", async () => {
  const log: string[] = [];
  await run(function* () {
    const ch = channel<number>();
    const s = spawn(sender(ch, 1, log, "s"));
    yield* settle();
    assert.deepEqual(log, [], "no receiver yet: the send still waits");
    assert.equal(s.stateName, "blocked");
    assert.equal(ch.balance, 1);
    assert.equal(yield* ch.recv(), 1);
    yield* s.join();
    assert.deepEqual(log, ["s sent"]);
    assert.equal(ch.balance, 0);
  });
});

test("a buffered send blocks only while capacity values wait", async () => {
  const log: string[] = [];
  await run(function* () {
    const ch = channel<number>(2);
    yield* ch.send(1);
    yield* ch.send(2);
    assert.equal(ch.balance, 2);
    const s = spawn(sender(ch, 3, log, "s"));
    yield* settle();
    assert.equal(s.stateName, "blocked", "the buffer is full");
    assert.equal(ch.balance, 3, "the blocked sender's value counts");
    assert.equal(yield* ch.recv(), 1);
    yield* settle();
    assert.deepEqual(log, ["s sent"], "room made: the sender's value moved into the buffer");
    assert.equal(yield* ch.recv(), 2);
    assert.equal(yield* ch.recv(), 3);
    assert.equal(ch.balance, 0);
  });
});

test("sendAsync queues past capacity without blocking or yielding, also outside a tasklet", async () => {
  const ch = channel<number>();
  ch.sendAsync(0); // from ordinary code
  const log: string[] = [];
  await run(function* () {
    spawn(function* () {
      log.push("other ran");
    });
    for (let i = 1; i <= 5; i++) ch.sendAsync(i);
    log.push("after sendAsync");
    assert.equal(ch.balance, 6);
    yield* schedule();
    const got: number[] = [];
    for (let i = 0; i <= 5; i++) got.push(yield* ch.recv());
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5]);
  });
  assert.deepEqual(log, ["after sendAsync", "other ran"], "sendAsync did not yield");
});

test("sendAsync hands the value to a blocked receiver, and queues behind blocked senders", async () => {
  await run(function* () {
    const ch = channel<string>();
    const log: string[] = [];
    const r = spawn(receiver(ch, log, "r"));
    yield* settle();
    ch.sendAsync("direct");
    yield* r.join();
    assert.deepEqual(log, ["r got direct"]);
    const s = spawn(sender(ch, "blocked first", log, "s"));
    yield* settle();
    ch.sendAsync("async second");
    assert.equal(ch.balance, 2);
    assert.equal(yield* ch.recv(), "blocked first");
    assert.equal(yield* ch.recv(), "async second");
    yield* s.join();
  });
});

test("receivers are served FIFO", async () => {
  const log: string[] = [];
  await run(function* () {
    const ch = channel<number>();
    const rs = ["a", "b", "c"].map((n) => spawn(receiver(ch, log, n)));
    yield* settle();
    assert.equal(ch.balance, -3);
    for (let i = 1; i <= 3; i++) yield* ch.send(i);
    for (const r of rs) yield* r.join();
  });
  assert.deepEqual(log, ["a got 1", "b got 2", "c got 3"]);
});

test("blocked senders are served FIFO, on rendezvous and buffered channels", async () => {
  for (const capacity of [0, 1]) {
    await run(function* () {
      const ch = channel<string>(capacity);
      const log: string[] = [];
      if (capacity === 1) yield* ch.send("pre");
      const ss = ["a", "b", "c"].map((n) => spawn(sender(ch, n, log, n)));
      yield* settle();
      const got: string[] = [];
      for (let i = 0; i < 3 + capacity; i++) got.push(yield* ch.recv());
      assert.deepEqual(got, capacity === 1 ? ["pre", "a", "b", "c"] : ["a", "b", "c"]);
      for (const s of ss) yield* s.join();
    });
  }
});

test("tryRecv and trySend never block", async () => {
  await run(function* () {
    const ch = channel<number>(1);
    assert.deepEqual(ch.tryRecv(), { ok: false, closed: false });
    assert.equal(ch.trySend(1), true);
    assert.equal(ch.trySend(2), false, "the buffer is full");
    assert.deepEqual(ch.tryRecv(), { ok: true, value: 1 });
    const rv = channel<number>();
    assert.equal(rv.trySend(1), false, "no receiver waits");
    const log: string[] = [];
    const r = spawn(receiver(rv, log, "r"));
    yield* settle();
    assert.equal(rv.trySend(7), true, "a receiver waits");
    yield* r.join();
    assert.deepEqual(log, ["r got 7"]);
    const s = spawn(sender(rv, 8, log, "s"));
    yield* settle();
    assert.deepEqual(rv.tryRecv(), { ok: true, value: 8 }, "takes a blocked sender's value");
    yield* s.join();
    rv.close();
    assert.deepEqual(rv.tryRecv(), { ok: false, closed: true });
    assert.throws(() => rv.trySend(1), ChannelError);
  });
});

test("close keeps the values sent before it; then recv throws ChannelClosedError and send ChannelError", async () => {
  await run(function* () {
    const ch = channel<number>(3);
    yield* ch.send(1);
    ch.sendAsync(2);
    ch.close();
    assert.equal(ch.closed, true);
    assert.throws(() => ch.sendAsync(3), ChannelError);
    yield* errorOf(ch.send(3), ChannelError);
    assert.equal(yield* ch.recv(), 1);
    assert.equal(yield* ch.recv(), 2);
    yield* errorOf(ch.recv(), ChannelClosedError);
    yield* errorOf(ch.recv(), ChannelClosedError);
    ch.close(); // closing again does nothing
  });
});

test("close wakes blocked receivers with ChannelClosedError and blocked senders with ChannelError", async () => {
  await run(function* () {
    const rx = channel<number>();
    const rs = [spawn(rx.recv()), spawn(rx.recv())];
    const tx = channel<number>();
    const ss = [spawn(tx.send(1)), spawn(tx.send(2))];
    yield* settle();
    rx.close();
    tx.close();
    for (const r of rs) yield* errorOf(r.join(), ChannelClosedError);
    for (const s of ss) {
      const e = yield* errorOf(s.join(), ChannelError);
      assert.ok(!(e instanceof ChannelClosedError), String(e));
    }
    assert.deepEqual(tx.tryRecv(), { ok: false, closed: true }, "the blocked senders' values were not sent");
  });
});

test("close keeps sendAsync values queued behind blocked senders", async () => {
  await run(function* () {
    const ch = channel<string>();
    const s = spawn(ch.send("blocked"));
    yield* settle();
    ch.sendAsync("async");
    ch.close();
    yield* errorOf(s.join(), ChannelError);
    assert.equal(yield* ch.recv(), "async");
    yield* errorOf(ch.recv(), ChannelClosedError);
  });
});

test("recvOrDone loops over the values until close", async () => {
  await run(function* () {
    const ch = channel<number>();
    spawn(function* () {
      for (let i = 1; i <= 4; i++) yield* ch.send(i);
      ch.close();
    });
    const got: number[] = [];
    for (let r = yield* ch.recvOrDone(); !r.done; r = yield* ch.recvOrDone()) got.push(r.value);
    assert.deepEqual(got, [1, 2, 3, 4]);
    // A receiver blocked in recvOrDone is woken with done by close.
    const ch2 = channel<number>();
    const w = spawn(ch2.recvOrDone());
    yield* settle();
    ch2.close();
    assert.deepEqual(yield* w.join(), { done: true, value: undefined });
  });
});

test("recvTimeout throws ChannelTimeoutError, takes nothing, and leaves no timer", async () => {
  await run(function* () {
    const ch = channel<number>();
    const timers = timersOf(runtime());
    const before = timers.size;
    const e = yield* errorOf(ch.recvTimeout(10));
    assert.ok(e instanceof ChannelTimeoutError && e instanceof ChannelError, String(e));
    assert.equal(ch.balance, 0, "the timed-out receiver left the queue");
    assert.equal(timers.size, before);
    yield* errorOf(ch.recvTimeout(0), ChannelTimeoutError);
    // In time: the value, and the timer is gone.
    spawn(function* () {
      yield* sleep(5);
      yield* ch.send(42);
    });
    assert.equal(yield* ch.recvTimeout(10_000), 42);
    assert.equal(timers.size, before);
    ch.sendAsync(7);
    assert.equal(yield* ch.recvTimeout(0), 7, "a waiting value is taken at once");
    // The value sent after a timeout goes to the next receiver.
    const late = spawn(ch.send(9));
    yield* settle();
    assert.equal(yield* ch.recv(), 9);
    yield* late.join();
    assert.throws(() => ch.recvTimeout(-1), RangeError);
  });
});

test("a closed channel ends a recvTimeout with ChannelClosedError", async () => {
  await run(function* () {
    const ch = channel<number>();
    const w = spawn(ch.recvTimeout(10_000));
    yield* settle();
    ch.close();
    yield* errorOf(w.join(), ChannelClosedError);
    assert.equal(timersOf(runtime()).size, 0);
  });
});

test("a killed receiver takes nothing: the value goes to the next receiver", async () => {
  for (const op of ["recv", "recvOrDone", "recvTimeout"] as const) {
    await run(function* () {
      const ch = channel<number>();
      const log: string[] = [];
      const first = spawn(function* () {
        const v =
          op === "recv"
            ? yield* ch.recv()
            : op === "recvTimeout"
              ? yield* ch.recvTimeout(10_000)
              : yield* ch.recvOrDone();
        log.push(`first got ${JSON.stringify(v)}`);
      });
      const second = spawn(receiver(ch, log, "second"));
      yield* settle();
      assert.equal(ch.balance, -2);
      first.kill();
      assert.equal(ch.balance, -1, `${op}: the killed receiver left the queue at once`);
      yield* ch.send(5);
      yield* second.join();
      yield* errorOf(first.join(), KilledError);
      assert.deepEqual(log, ["second got 5"]);
      assert.equal(timersOf(runtime()).size, 0, "recvTimeout's timer went with the kill");
    });
  }
});

test("a killed sender sends nothing", async () => {
  for (const capacity of [0, 1]) {
    await run(function* () {
      const ch = channel<string>(capacity);
      if (capacity > 0) yield* ch.send("fill");
      const a = spawn(ch.send("killed"));
      const b = spawn(ch.send("kept"));
      yield* settle();
      a.kill();
      yield* errorOf(a.join(), KilledError);
      const got: string[] = [];
      while (ch.balance > 0) got.push(yield* ch.recv());
      assert.deepEqual(got, capacity > 0 ? ["fill", "kept"] : ["kept"]);
      yield* b.join();
    });
  }
});

test("a receiver killed after it was handed a value keeps it until its next suspension point", async () => {
  await run(function* () {
    const ch = channel<number>();
    const log: string[] = [];
    const r = spawn(function* () {
      const v = yield* ch.recv();
      log.push(`got ${v}`);
      yield* schedule(); // the kill lands here
      log.push("not reached");
    });
    yield* settle();
    yield* ch.send(1); // hands 1 to r, which is now ready with it in hand
    r.kill();
    yield* errorOf(r.join(), KilledError);
    assert.deepEqual(log, ["got 1"], "the value was not lost");
  });
});

test("timeout() around a blocked recv or send takes nothing", async () => {
  await run(function* () {
    const ch = channel<number>();
    yield* errorOf(timeout(5, ch.recv()), TimeoutError);
    yield* errorOf(timeout(5, ch.send(1)), TimeoutError);
    yield* errorOf(timeout(5, ch.recvOrDone()), TimeoutError);
    yield* errorOf(timeout(5, ch.recvTimeout(60_000)), TimeoutError);
    assert.equal(ch.balance, 0);
    assert.equal(timersOf(runtime()).size, 0, "recvTimeout's own timer went with the outer timeout");
    const full = channel<number>(1);
    yield* full.send(1);
    yield* errorOf(timeout(5, full.send(2)), TimeoutError);
    assert.equal(yield* full.recv(), 1);
    assert.equal(full.balance, 0, "the timed-out send left nothing");
  });
});

test("a receiver blocked forever is reported as a deadlock naming the channel", async () => {
  await assert.rejects(
    run(function* () {
      yield* channel<number>().recv();
    }),
    (e: unknown) => e instanceof DeadlockError && /recv on channel#\d+ \(capacity 0\)/.test(e.message),
  );
});

test("bad capacities are refused at the call", () => {
  assert.throws(() => channel(-1), /channel: capacity must be an integer >= 0, got the number -1/);
  assert.throws(() => channel(1.5), RangeError);
  assert.throws(() => channel(Number.NaN), RangeError);
});
