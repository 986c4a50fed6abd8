import assert from "node:assert/strict";
import { test } from "node:test";
import { runtime } from "../../src/core/runtime.js";
import type { Tasklet } from "../../src/core/tasklet.js";
import { NOT_READY, type NotReady, type Waitable, type WaitNode, WaitQueue } from "../../src/core/wait.js";
import {
  after,
  ChannelClosedError,
  ChannelError,
  channel,
  defaultCase,
  KilledError,
  type Operation,
  run,
  select,
  sleep,
  spawn,
  TimeoutError,
  timeout,
} from "../../src/index.js";
import { timersOf } from "../../src/time/timers.js";
import { errorOf, settle } from "../helpers.js";

test("a ready case fires at once; the others are not touched", async () => {
  await run(function* () {
    const a = channel<number>(1);
    const b = channel<string>(1);
    yield* a.send(1);
    const r = yield* select(a.recv(), b.recv());
    assert.deepEqual(r, { index: 0, value: 1 });
    assert.equal(a.balance, 0);
    assert.equal(b.balance, 0, "b has no receiver registered");
  });
});

test("the result is typed by case: index narrows value", async () => {
  await run(function* () {
    const nums = channel<number>(1);
    const strs = channel<string>(1);
    yield* strs.send("s");
    const r = yield* select(nums.recv(), strs.recv(), nums.send(5), after(1000));
    if (r.index === 0) {
      const n: number = r.value;
      // @ts-expect-error: the value of case 0 is a number, not a string (the union is typed, not any)
      const wrong: string = r.value;
      assert.fail(`nums had nothing, got ${n} ${wrong}`);
    } else if (r.index === 1) {
      const s: string = r.value;
      assert.equal(s, "s");
    } else if (r.index === 2) {
      const v: void = r.value;
      assert.equal(v, undefined);
    } else {
      const index: 3 = r.index;
      assert.equal(index, 3);
    }
    // The send case may have fired instead (both were ready): either way exactly one did.
    assert.equal(nums.balance, r.index === 2 ? 1 : 0);
    assert.equal(strs.balance, r.index === 1 ? 0 : 1);
  });
});

test("a select over an array of cases tells the index and the value", async () => {
  await run(function* () {
    const chans = [channel<number>(1), channel<number>(1), channel<number>(1)];
    yield* (chans[2] as (typeof chans)[number]).send(7);
    const r = yield* select(...chans.map((c) => c.recv()));
    const index: number = r.index;
    const value: number = r.value;
    assert.deepEqual([index, value], [2, 7]);
  });
});

test("a blocked select is woken by the first case; the others are withdrawn and keep their values", async () => {
  await run(function* () {
    const a = channel<number>();
    const b = channel<number>();
    const s = spawn(select(a.recv(), b.recv()));
    yield* settle();
    assert.equal(a.balance, -1);
    assert.equal(b.balance, -1);
    yield* b.send(2);
    assert.deepEqual(yield* s.join(), { index: 1, value: 2 });
    assert.equal(a.balance, 0, "the losing case left a's queue");
    // A value sent on a now goes to a later receiver, not to the finished select.
    const late = spawn(a.send(3));
    yield* settle();
    assert.equal(yield* a.recv(), 3);
    yield* late.join();
  });
});

test("a send case completes when a receiver comes; the recv case of the same select is withdrawn", async () => {
  await run(function* () {
    const ch = channel<string>();
    const s = spawn(select(ch.send("x"), ch.recv()));
    yield* settle();
    assert.equal(ch.recvq.length, 1);
    assert.equal(ch.sendq.length, 1);
    assert.equal(yield* ch.recv(), "x");
    assert.deepEqual(yield* s.join(), { index: 0, value: undefined });
    assert.equal(ch.recvq.length + ch.sendq.length, 0);
  });
});

test("after(ms) fires when no other case does; its timer is removed when another case wins", async () => {
  await run(function* () {
    const timers = timersOf(runtime());
    const ch = channel<number>();
    const r = yield* select(ch.recv(), after(5));
    assert.equal(r.index, 1);
    assert.equal(ch.balance, 0);
    const s = spawn(select(ch.recv(), after(60_000)));
    yield* settle();
    assert.equal(timers.size, 1);
    yield* ch.send(1);
    assert.deepEqual(yield* s.join(), { index: 0, value: 1 });
    assert.equal(timers.size, 0, "the after case's timer left with the select");
    // after is a deadline: once passed, it is ready at once.
    const deadline = after(1);
    yield* sleep(5);
    assert.equal((yield* select(ch.recv(), deadline)).index, 1);
    assert.throws(() => after(-1), RangeError);
  });
});

test("a join case fires with the tasklet's value, or raises its error", async () => {
  await run(function* () {
    const ch = channel<number>();
    const worker = spawn(function* () {
      yield* sleep(1);
      return "done";
    });
    const r = yield* select(ch.recv(), worker.join());
    assert.deepEqual(r, { index: 1, value: "done" });
    assert.equal(ch.balance, 0);
    const failing = spawn(function* (): Operation<void> {
      yield* sleep(1);
      throw new Error("boom");
    });
    assert.equal((yield* errorOf(select(ch.recv(), failing.join()), Error)).message, "boom");
    const killed = spawn(sleep(60_000));
    yield* settle();
    const s = spawn(select(ch.recv(), killed.join()));
    yield* settle();
    killed.kill();
    yield* errorOf(s.join(), KilledError);
    // A join case on a tasklet that has ended is ready at once.
    assert.deepEqual(yield* select(ch.recv(), worker.join()), { index: 1, value: "done" });
  });
});

test("a default case makes select non-blocking, and never wins over a ready case", async () => {
  await run(function* () {
    const ch = channel<number>(1);
    assert.deepEqual(yield* select(ch.recv(), defaultCase()), { index: 1, value: undefined });
    assert.equal(ch.balance, 0, "nothing was registered");
    for (let i = 0; i < 50; i++) {
      yield* ch.send(i);
      assert.deepEqual(yield* select(defaultCase(), ch.recv()), { index: 1, value: i });
    }
    assert.throws(() => select(defaultCase(), defaultCase()), /both defaultCase/);
  });
});

test("select is fair: when several cases are ready, each is picked", async () => {
  await run(function* () {
    const a = channel<string>(1000);
    const b = channel<string>(1000);
    const counts = [0, 0];
    for (let i = 0; i < 400; i++) {
      if (a.balance === 0) a.sendAsync("a");
      if (b.balance === 0) b.sendAsync("b");
      const r = yield* select(a.recv(), b.recv());
      counts[r.index] = (counts[r.index] as number) + 1;
    }
    // Each has probability 1/2: fewer than 100 of 400 is a 1-in-10^24 event.
    assert.ok((counts[0] as number) > 100 && (counts[1] as number) > 100, `counts ${counts}`);
  });
});

test("a recv case on a closed channel raises ChannelClosedError; a recvOrDone case fires with done", async () => {
  await run(function* () {
    const open = channel<number>();
    const closed = channel<number>(1);
    yield* closed.send(1);
    closed.close();
    assert.deepEqual(
      yield* select(open.recv(), closed.recv()),
      { index: 1, value: 1 },
      "values sent before close first",
    );
    yield* errorOf(select(open.recv(), closed.recv()), ChannelClosedError);
    assert.deepEqual(yield* select(open.recv(), closed.recvOrDone()), {
      index: 1,
      value: { done: true, value: undefined },
    });
    yield* errorOf(select(open.recv(), closed.send(2)), ChannelError);
    assert.equal(open.balance, 0, "nothing left registered on the open channel");
    // Closing while the select waits.
    const later = channel<number>();
    const s1 = spawn(select(open.recv(), later.recv()));
    const s2 = spawn(select(open.recv(), later.recvOrDone()));
    yield* settle();
    later.close();
    yield* errorOf(s1.join(), ChannelClosedError);
    // A send case waiting on a channel that closes: ChannelError, nothing sent, the other case withdrawn.
    const full = channel<number>();
    const s3 = spawn(select(full.send(1), open.recv()));
    yield* settle();
    full.close();
    yield* errorOf(s3.join(), ChannelError);
    assert.deepEqual(full.tryRecv(), { ok: false, closed: true });
    assert.deepEqual(yield* s2.join(), { index: 1, value: { done: true, value: undefined } });
    assert.equal(open.balance, 0);
  });
});

test("a killed or timed-out select is withdrawn from every case and takes nothing", async () => {
  await run(function* () {
    const a = channel<number>();
    const b = channel<number>();
    const s = spawn(select(a.recv(), b.send(1), after(60_000)));
    yield* settle();
    assert.equal(a.balance, -1);
    assert.equal(b.balance, 1);
    s.kill();
    yield* errorOf(s.join(), KilledError);
    assert.equal(a.balance, 0);
    assert.equal(b.balance, 0);
    assert.equal(timersOf(runtime()).size, 0);
    yield* errorOf(timeout(5, select(a.recv(), b.send(1))), TimeoutError);
    assert.equal(a.balance + b.balance, 0);
  });
});

/** A source that is not a channel: a gate that opens once, waking every waiter (a one-shot event). */
class Gate implements Waitable<string> {
  private readonly q = new WaitQueue();
  private open = false;
  poll(_t: Tasklet): string | NotReady {
    return this.open ? "open" : NOT_READY;
  }
  enqueue(n: WaitNode): void {
    this.q.pushBack(n);
  }
  dequeue(n: WaitNode): void {
    n.unlink();
  }
  describe(): string {
    return "gate";
  }
  openIt(): void {
    this.open = true;
    for (let n = this.q.shift(); n !== null; n = this.q.shift()) (n.t as Tasklet).rt.wakeNode(n, "open");
  }
}

test("any Waitable is a case", async () => {
  await run(function* () {
    const gate = new Gate();
    const ch = channel<number>();
    const s = spawn(select(ch.recv(), gate));
    yield* settle();
    gate.openIt();
    assert.deepEqual(yield* s.join(), { index: 1, value: "open" });
    assert.equal(ch.balance, 0);
  });
});

test("bad cases are refused at the call", () => {
  assert.throws(() => select(), /at least one case/);
  assert.throws(() => select(channel().recv(), 5 as never), /select: case 1 is not a Waitable/);
});
