// Wait queues (core/wait.ts): a tasklet in a single wait is its own node on the source's
// queue; a select's cases are nodes of their own; a waiter taken off anywhere in a queue
// (its front, its middle, its back) leaves the others linked in their order.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Tasklet } from "../../src/core/tasklet.js";
import { channel, Mutex, run, schedule, select, spawn } from "../../src/index.js";

test("a tasklet in a single wait is itself the node on the source's queue; a select case is another node", async () => {
  await run(function* () {
    const ch = channel<number>();
    const lock = new Mutex();
    yield* lock.lock();
    const r = spawn(function* () {
      return yield* ch.recv();
    });
    const l = spawn(function* () {
      yield* lock.lock();
    });
    const s = spawn(function* () {
      return yield* select(ch.recv());
    });
    yield* schedule();
    const nodes = ch.recvq.toArray();
    assert.equal(nodes.length, 2);
    assert.equal(nodes[0], r, "the receiver's registration is the tasklet");
    assert.equal(r.queue, ch.recvq);
    assert.notEqual(nodes[1], s, "a select case is a node of its own");
    assert.equal(nodes[1]?.t, s);
    assert.equal(s.queue, null, "a tasklet in a select is on no queue itself");
    assert.equal(lock.waiters.first(), l);
    yield* ch.send(1);
    yield* ch.send(2);
    lock.unlock();
    assert.equal(yield* r.join(), 1);
    assert.deepEqual(yield* s.join(), { index: 0, value: 2 });
    yield* l.join();
    assert.equal(r.queue, null);
    assert.equal(r.prev, null);
    assert.equal(ch.recvq.length, 0);
  });
});

test("a waiter killed at the front, the middle or the back of a queue leaves the others, and one queued after, in their order", async () => {
  for (const killed of [[0], [2], [4], [0, 4], [1, 2, 3]]) {
    const got = await run(function* () {
      const ch = channel<number>();
      const order: number[] = [];
      const waiters: Tasklet[] = [];
      const wait = (i: number) =>
        spawn(function* () {
          // Odd ones wait in a select, so the queue links tasklets and select nodes alike.
          const v = i % 2 === 0 ? yield* ch.recv() : (yield* select(ch.recv())).value;
          order.push(i * 10 + v);
        });
      for (let i = 0; i < 5; i++) waiters.push(wait(i));
      yield* schedule();
      for (const k of killed) (waiters[k] as Tasklet).kill();
      yield* schedule();
      wait(6); // queued after the kills: it goes behind the survivors
      yield* schedule();
      const left = 6 - killed.length;
      assert.equal(ch.recvq.length, left);
      for (let v = 0; v < left; v++) yield* ch.send(v);
      while (order.length < left) yield* schedule();
      return order;
    });
    const alive = [0, 1, 2, 3, 4, 6].filter((i) => !killed.includes(i));
    assert.deepEqual(
      got,
      alive.map((i, v) => i * 10 + v),
      `killed ${killed.join(",")}`,
    );
  }
});
