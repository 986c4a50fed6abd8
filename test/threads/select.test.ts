// Thread channels and pool joins as select cases. The sync layer's select is not on this branch, so
// a minimal select over the core's Waitable protocol (core/wait.ts) drives them here, as select does.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Op, SUSPEND, type Suspend } from "../../src/core/op.js";
import type { Tasklet } from "../../src/core/tasklet.js";
import { type Blocker, CaseNode, NOT_READY, type Selector, type Waitable } from "../../src/core/wait.js";
import { ChannelClosedError, type Operation, run, schedule, spawn } from "../../src/index.js";
import { ThreadChannel, WorkerPool } from "../../src/threads/index.js";
import { errorOf } from "../helpers.js";

const JOBS = new URL("./fixtures/jobs.js", import.meta.url);

class MiniSelect extends Op<{ index: number; value: unknown }> implements Selector, Blocker {
  private nodes: CaseNode[] = [];
  constructor(private readonly cases: Waitable<unknown>[]) {
    super();
  }
  start(t: Tasklet): { index: number; value: unknown } | Suspend {
    for (let i = 0; i < this.cases.length; i++) {
      const v = (this.cases[i] as Waitable<unknown>).poll(t);
      if (v !== NOT_READY) return { index: i, value: v };
    }
    this.nodes = this.cases.map((c, i) => {
      const n = new CaseNode(t);
      n.sel = this;
      n.tag = i;
      c.enqueue(n);
      return n;
    });
    t.rt.park(t, this);
    return SUSPEND;
  }
  win(n: CaseNode, value: unknown, isError: boolean): void {
    this.nodes.forEach((m, i) => {
      if (m !== n) (this.cases[i] as Waitable<unknown>).dequeue(m);
    });
    const t = n.t as Tasklet;
    if (isError) t.rt.wakeThrow(t, value);
    else t.rt.wake(t, { index: n.tag, value });
  }
  withdraw(): void {
    this.nodes.forEach((m, i) => {
      (this.cases[i] as Waitable<unknown>).dequeue(m);
    });
  }
  describe(): string {
    return "select";
  }
}

function select(...cases: Waitable<unknown>[]): Operation<{ index: number; value: unknown }> {
  return new MiniSelect(cases);
}

test("a select over thread channels fires the case a worker sends on; the other case takes nothing", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    await run(function* () {
      const a = new ThreadChannel<number>(1);
      const b = new ThreadChannel<number>(1);
      pool.spawn(JOBS, "produce", b, 7, 8);
      const r = yield* select(a.recv(), b.recv());
      assert.deepEqual(r, { index: 1, value: 7 });
      assert.equal(a.balance, 0, "no receiver is left registered on the losing channel");
      yield* a.send(1);
      assert.equal(yield* a.recv(), 1);
    });
  } finally {
    await pool.close();
  }
});

test("a select waits on a pool tasklet's end beside a channel, and a buffered send case waits for room", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    await run(function* () {
      const ch = new ThreadChannel<number>(1);
      const t = pool.spawn<{ value: number }>(JOBS, "double", 4);
      const r = yield* select(ch.recv(), t.join());
      assert.equal(r.index, 1);
      assert.equal((r.value as { value: number }).value, 8);

      yield* ch.send(1);
      const reader = spawn(function* () {
        yield* schedule();
        return yield* ch.recv();
      });
      const s = yield* select(ch.send(2));
      assert.equal(s.index, 0);
      assert.equal(yield* reader.join(), 1);
      assert.equal(yield* ch.recv(), 2);
    });
  } finally {
    await pool.close();
  }
});

test("a recv case on a channel closed meanwhile raises ChannelClosedError from the select", async () => {
  await run(function* () {
    const ch = new ThreadChannel<number>(1);
    const closer = spawn(function* () {
      yield* schedule();
      ch.close();
    });
    yield* errorOf(select(ch.recv()), ChannelClosedError);
    yield* closer.join();
  });
});

test("a send case on a rendezvous thread channel fires when a receiver arrives", async () => {
  await run(function* () {
    const ch = new ThreadChannel<number>(0);
    const other = new ThreadChannel<number>(0);
    const reader = spawn(function* () {
      yield* schedule();
      return yield* ch.recv();
    });
    const r = yield* select(other.recv(), ch.send(5));
    assert.equal(r.index, 1);
    assert.equal(yield* reader.join(), 5);
    assert.equal(other.balance, 0);
  });
});
