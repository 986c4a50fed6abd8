// The invariants the hot files state, checked under TASKLET_DEBUG=1 (src/core/invariants.ts,
// src/sync/invariants.ts). Each test breaks one on purpose, through internal fields, then runs
// the loop of a runtime whose host never calls back (the test drives it with runNow):
//   - with TASKLET_DEBUG=1 (npm test's second run of test/core and test/sync), the loop throws
//     the InvariantError naming that invariant;
//   - without it, the loop runs on and nothing notices (so the check is what catches it), and
//     the check called by hand names it.
// Each test repairs what it broke: the structures stay registered until collected, and a later
// test's sweep checks them too.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { RealHost } from "../../src/core/host.js";
import {
  checkHeap,
  checkHolds,
  checkRuntime,
  checkStepped,
  checkTasklet,
  checkWaitQueue,
  DEBUG,
  InvariantError,
} from "../../src/core/invariants.js";
import { Op, SUSPEND, type Suspend, setCurrent } from "../../src/core/op.js";
import { Runtime } from "../../src/core/runtime.js";
import { BLOCKED, F_EXT, NEW, READY, RETURNED, type Tasklet } from "../../src/core/tasklet.js";
import { CaseNode, WaitQueue, WatchNode } from "../../src/core/wait.js";
import { type Channel, channel, Event, Mutex, Semaphore, schedule, select, WaitGroup } from "../../src/index.js";
import { checkChannel, checkEvent, checkMutex, checkSemaphore, checkWaitGroup } from "../../src/sync/invariants.js";
import { TimerHeap } from "../../src/time/heap.js";

/** A host that never calls back: the test runs the loop itself, and no timer or kick runs it later. */
class ManualHost extends RealHost {
  override soon(): void {}
  override defer(): void {}
  override setTimer(): void {}
  override clearTimer(): void {}
}

const group = {
  onUncaught: (e: unknown) => {
    throw e;
  },
};

function setup(): {
  rt: Runtime;
  spawn: (body: () => Generator<unknown, unknown, unknown>, level?: number) => Tasklet;
} {
  const rt = new Runtime(new ManualHost());
  return { rt, spawn: (body, level = 1) => rt.spawn(body(), undefined, true, level, null, group) };
}

function* spin(): Generator<unknown, void, unknown> {
  for (let i = 0; i < 200; i++) yield* schedule();
}

/** Parks its tasklet with a blocker and no node: it stays BLOCKED. */
class Forever extends Op<never> {
  start(t: Tasklet): Suspend {
    t.rt.park(t, { withdraw() {}, describe: () => "forever" });
    return SUSPEND;
  }
}

/** Whether `e` is the InvariantError of `invariant` (its opening words). */
const named = (invariant: string) => (e: unknown) => e instanceof InvariantError && e.invariant.startsWith(invariant);

/**
 * Runs the loop of `rt` with a spinner at high priority: under DEBUG it must throw the
 * InvariantError of `invariant`; without, `direct` (the check by hand) must throw it, and the
 * loop must run through (the corruption goes unnoticed).
 */
function caught(rt: Runtime, invariant: string, direct: () => void): void {
  rt.spawn(spin(), "spinner", true, 0, null, group);
  if (DEBUG) {
    assert.throws(() => rt.runNow(), named(invariant));
  } else {
    assert.throws(direct, named(invariant));
    rt.runNow();
  }
}

/** As `caught`, for a corruption made by a step itself: the check by hand comes after the run. */
function caughtAfter(rt: Runtime, invariant: string, direct: () => void): void {
  if (DEBUG) {
    assert.throws(() => rt.runNow(), named(invariant));
  } else {
    rt.runNow();
    assert.throws(direct, named(invariant));
  }
}

// ---- runtime.ts, tasklet.ts, end.ts, op.ts -----------------------------------------

test("rt.holds below zero is a broken invariant (runtime.ts)", () => {
  const { rt } = setup();
  rt.holds = -1;
  try {
    caught(rt, "rt.holds is never negative", () => checkHolds(rt));
  } finally {
    rt.holds = 0;
  }
});

test("a BLOCKED tasklet without a blocker is a broken invariant (runtime.ts)", () => {
  const { rt, spawn } = setup();
  const t = spawn(function* () {
    yield* new Forever();
  });
  rt.runNow();
  const b = t.blocker;
  t.blocker = null;
  try {
    caught(rt, "a BLOCKED tasklet has a blocker", () => checkRuntime(rt));
  } finally {
    t.blocker = b;
  }
});

test("a tasklet whose own node stays queued after it ran is a broken invariant (wait.ts)", () => {
  const { rt, spawn } = setup();
  const q = new WaitQueue();
  let me: Tasklet | null = null;
  me = spawn(function* () {
    q.pushBack(me as Tasklet); // a waker that forgot to take the node off
    yield* schedule();
  });
  try {
    caughtAfter(rt, "a tasklet's own node is on no queue unless it is blocked", () => checkStepped(rt, me as Tasklet));
  } finally {
    me.unlink();
  }
});

test("a step that leaves its tasklet NEW is a broken invariant (tasklet.ts)", () => {
  const { rt, spawn } = setup();
  class Reset extends Op<void> {
    start(t: Tasklet): Suspend {
      t.state = NEW;
      return SUSPEND;
    }
  }
  const t = spawn(function* () {
    yield* new Reset();
  });
  caughtAfter(rt, "a step leaves its tasklet READY, BLOCKED or ended", () => checkStepped(rt, t));
});

/** Calls `during` inside end.ts's finish of `t` (from its joiners: a watch's selector), after `t` was dropped. */
function duringFinish(t: Tasklet, during: () => void): void {
  t.joiners ??= new WaitQueue();
  t.joiners.pushBack(new WatchNode({ win: during }, false));
}

test("an ended tasklet that keeps its generator is a broken invariant (end.ts)", () => {
  const { rt, spawn } = setup();
  const t = spawn(function* () {
    yield* schedule();
  });
  const gen = t.gen;
  duringFinish(t, () => {
    t.gen = gen; // as an end.ts that forgot to drop it
  });
  caughtAfter(rt, "an ended tasklet holds no generator and is off the live list", () => checkStepped(rt, t));
});

test("a tasklet left current after its step is a broken invariant (op.ts)", () => {
  const { rt, spawn } = setup();
  const t = spawn(function* () {
    yield* schedule();
  });
  duringFinish(t, () => setCurrent(t)); // as a step that forgot to clear it
  try {
    caughtAfter(rt, "`current` is null between steps", () => checkStepped(rt, t));
  } finally {
    setCurrent(null);
  }
});

test("a READY tasklet on no ready queue is a broken invariant (runtime.ts)", () => {
  const { rt, spawn } = setup();
  const t = spawn(function* () {
    yield* new Forever();
  });
  rt.runNow();
  const b = t.blocker;
  t.blocker = null;
  t.state = READY; // made ready without being queued
  try {
    caught(rt, "a NEW or READY tasklet is on exactly one ready queue", () => checkRuntime(rt));
  } finally {
    t.state = BLOCKED;
    t.blocker = b;
  }
});

test("a BLOCKED tasklet on a ready queue is a broken invariant (queue.ts)", () => {
  const { rt, spawn } = setup();
  const t = spawn(function* () {
    yield* new Forever();
  });
  rt.runNow();
  const low = (rt as unknown as { queues: { pushBack(t: Tasklet): void }[] }).queues[2];
  low?.pushBack(t);
  caught(rt, "a tasklet is on a ready queue only while NEW or READY", () => checkRuntime(rt));
});

test("a ReadyQueue whose length disagrees with its links is a broken invariant (queue.ts)", () => {
  const { rt } = setup();
  const low = (rt as unknown as { queues: { length: number }[] }).queues[2] as { length: number };
  low.length = 1;
  try {
    caught(rt, "a ReadyQueue's length and tail agree with its links", () => checkRuntime(rt));
  } finally {
    low.length = 0;
  }
});

test("liveCount that disagrees with the live list is a broken invariant (end.ts)", () => {
  const { rt, spawn } = setup();
  spawn(function* () {
    yield* new Forever();
  });
  rt.runNow();
  rt.liveCount += 1;
  caught(rt, "liveCount counts the tasklets on the live list", () => checkRuntime(rt));
});

test("an ended tasklet on the live list is a broken invariant (end.ts)", () => {
  const { rt, spawn } = setup();
  const t = spawn(function* () {
    yield* new Forever();
  });
  rt.runNow();
  t.blocker = null;
  t.state = RETURNED;
  caught(rt, "an ended tasklet is off the live list", () => checkRuntime(rt));
});

test("a live list whose back links disagree is a broken invariant (end.ts)", () => {
  const { rt, spawn } = setup();
  const first = spawn(function* () {
    yield* new Forever();
  });
  spawn(function* () {
    yield* new Forever();
  });
  rt.runNow();
  first.livePrev = null; // the second, spawned later, is before it on the list
  caught(rt, "the live list's links agree both ways", () => checkRuntime(rt));
});

// ---- wait.ts: queue links and the one wait of a parked tasklet ----------------------------

/** A tasklet blocked in a single recv on its own channel, the channel, and its node on recvq (the tasklet itself). */
function blockedReceiver(rt: Runtime, spawn: ReturnType<typeof setup>["spawn"]) {
  const ch = channel<number>();
  const t = spawn(function* () {
    yield* ch.recv();
  });
  rt.runNow();
  return { ch, t, n: t };
}

test("a WaitQueue whose length disagrees with its links is a broken invariant (wait.ts)", () => {
  const { rt, spawn } = setup();
  const { ch } = blockedReceiver(rt, spawn);
  ch.recvq.length = 2;
  try {
    caught(rt, "a WaitQueue's length counts its links", () => checkWaitQueue(ch.recvq));
  } finally {
    ch.recvq.length = 1;
  }
});

test("a tasklet whose F_EXT bit disagrees with its origin is a broken invariant (tasklet.ts)", () => {
  const { rt, spawn } = setup();
  const t = spawn(function* () {
    yield* new Forever();
  });
  rt.runNow();
  assert.equal(t.ext, null, "an unnamed tasklet has no rare fields");
  t.flags |= F_EXT; // says its origin is its own; it is the one its siblings share
  try {
    caught(rt, "F_EXT is set exactly when `origin` is the tasklet's own", () => checkTasklet(t));
  } finally {
    t.flags &= ~F_EXT;
  }
  t.extra().name = "x";
  assert.equal(t.name, "x");
  assert.equal(t.rt, rt, "its own origin keeps the runtime of the shared one it replaced");
  checkTasklet(t);
});

test("a WaitQueue whose last node is not the end of its links is a broken invariant (wait.ts)", () => {
  const { rt, spawn } = setup();
  const { ch } = blockedReceiver(rt, spawn);
  ch.recvq.last_ = null;
  try {
    caught(rt, "a WaitQueue's last node ends its links", () => checkWaitQueue(ch.recvq));
  } finally {
    ch.recvq.last_ = ch.recvq.first_;
  }
});

test("a tasklet on no wait queue that keeps a link is a broken invariant (wait.ts)", () => {
  const { rt, spawn } = setup();
  const { ch, t } = blockedReceiver(rt, spawn);
  const other = spawn(function* () {
    yield* schedule();
  });
  ch.recvq.shift(); // taken off as a waker does, but its link left behind
  t.next = other;
  try {
    caught(rt, "a tasklet on no wait queue has no wait links", () => checkTasklet(t));
  } finally {
    t.next = null;
    ch.recvq.pushBack(t);
  }
});

test("a WaitQueue whose back links disagree is a broken invariant (wait.ts)", () => {
  const { rt, spawn } = setup();
  const { ch, n } = blockedReceiver(rt, spawn);
  const prev = n.prev;
  n.prev = n;
  try {
    caught(rt, "a WaitQueue's links agree both ways", () => checkWaitQueue(ch.recvq));
  } finally {
    n.prev = prev;
  }
});

test("a queued node that names another queue is a broken invariant (wait.ts)", () => {
  const { rt, spawn } = setup();
  const { ch, n } = blockedReceiver(rt, spawn);
  n.queue = ch.sendq;
  try {
    caught(rt, "a node on a queue names that queue", () => checkWaitQueue(ch.recvq));
  } finally {
    n.queue = ch.recvq;
  }
});

test("a queued node of a tasklet that is not blocked is a broken invariant (wait.ts)", () => {
  const { rt, spawn } = setup();
  const q = new WaitQueue();
  const t = spawn(function* () {
    yield* schedule();
  });
  const n = new CaseNode(t);
  n.sel = { win() {} };
  q.pushBack(n); // a select's node left behind
  try {
    caught(rt, "a node on a wait queue belongs to a BLOCKED tasklet", () => checkWaitQueue(q));
  } finally {
    n.unlink();
  }
});

test("a tasklet in a select whose own node is queued too has two blockers: a broken invariant (wait.ts)", () => {
  const { rt, spawn } = setup();
  const a = channel<number>();
  const b = channel<number>();
  const t = spawn(function* () {
    yield* select(a.recv(), b.recv());
  });
  rt.runNow();
  const q = new WaitQueue();
  q.pushBack(t);
  try {
    caught(rt, "a parked tasklet has exactly one blocker: a single wait uses its own node", () => checkWaitQueue(q));
  } finally {
    t.unlink();
  }
});

test("a select's node queued for a tasklet in a single wait has two blockers: a broken invariant (wait.ts)", () => {
  const { rt, spawn } = setup();
  const { t } = blockedReceiver(rt, spawn);
  const q = new WaitQueue();
  const n = new CaseNode(t);
  n.sel = { win() {} };
  q.pushBack(n);
  try {
    caught(rt, "a parked tasklet has exactly one blocker: a select's node belongs", () => checkWaitQueue(q));
  } finally {
    n.unlink();
  }
});

// ---- time/heap.ts -------------------------------------------------------------------

interface HeapEntry {
  at: number;
  seq: number;
}

function heapOf(...ats: number[]): { heap: TimerHeap<HeapEntry>; items: HeapEntry[]; keys: number[] } {
  const heap = new TimerHeap<HeapEntry>((e, seq) => e.seq === seq);
  for (const at of ats) {
    const e = { at, seq: -1 };
    e.seq = heap.push(e, at);
  }
  const slots = heap.slots();
  return { heap, items: slots.items as HeapEntry[], keys: slots.ats as number[] };
}

test("a heap entry unarmed behind the heap's back (its slot not counted a zombie) is a broken invariant (time/heap.ts)", () => {
  const { rt } = setup();
  const { heap, items } = heapOf(1, 2, 3);
  const e = items[1] as HeapEntry;
  const seq = e.seq;
  e.seq = -1;
  try {
    caught(rt, "zombies counts the slots that are not armed", () => checkHeap(heap));
  } finally {
    e.seq = seq;
  }
});

test("a removed timer left at the top of the heap is a broken invariant (time/heap.ts)", () => {
  const { rt } = setup();
  const { heap, items } = heapOf(1, 2, 3);
  const top = items[0] as HeapEntry;
  const seq = top.seq;
  top.seq = -1;
  try {
    caught(rt, "the top of the heap is armed", () => checkHeap(heap));
  } finally {
    top.seq = seq;
  }
});

test("a heap entry whose deadline differs from its key beside it is a broken invariant (time/heap.ts)", () => {
  const { rt } = setup();
  const { heap, items } = heapOf(1, 2, 3);
  const last = items[2] as HeapEntry;
  last.at = 4;
  try {
    caught(rt, "an armed timer's key is its deadline", () => checkHeap(heap));
  } finally {
    last.at = 3;
  }
});

test("a heap entry earlier than its parent is a broken invariant (time/heap.ts)", () => {
  const { rt } = setup();
  const { heap, items, keys } = heapOf(1, 2, 3);
  const root = items[0] as HeapEntry;
  root.at = 5;
  keys[0] = 5;
  try {
    caught(rt, "every parent is <= its children", () => checkHeap(heap));
  } finally {
    root.at = 1;
    keys[0] = 1;
  }
});

// ---- sync/channel.ts, sync/ring.ts -------------------------------------------------------

interface ChannelInside {
  buf: { slots: unknown[]; head: number; length: number; push(v: unknown): void; shift(): unknown } | null;
  closed_: boolean;
}
const inside = (ch: Channel<number>) => ch as unknown as ChannelInside;

test("a channel with a receiver and a sender both waiting, not one select, is a broken invariant (sync/channel.ts)", () => {
  const { rt, spawn } = setup();
  const { ch } = blockedReceiver(rt, spawn);
  // A sender blocked in a select elsewhere; its node is put on ch's sendq as well.
  const other = channel<number>();
  const s = spawn(function* () {
    yield* select(other.recv(), other.send(1));
  });
  rt.runNow();
  const n: CaseNode = new CaseNode(s);
  n.sel = (s.blocker as unknown as CaseNode["sel"]) ?? null;
  ch.sendq.pushBack(n);
  try {
    caught(rt, "at least one of recvq and sendq is empty", () => checkChannel(ch as never));
  } finally {
    n.unlink();
  }
});

test("a buffered value while a receiver waits is a broken invariant (sync/channel.ts)", () => {
  const { rt, spawn } = setup();
  const ch = channel<number>(2);
  spawn(function* () {
    yield* ch.recv();
  });
  rt.runNow();
  const buf = inside(ch).buf;
  buf?.push(7);
  try {
    caught(rt, "if buf is non-empty, recvq is empty", () => checkChannel(ch as never));
  } finally {
    buf?.shift();
  }
});

test("a sender waiting while the buffer has room is a broken invariant (sync/channel.ts)", () => {
  const { rt, spawn } = setup();
  const ch = channel<number>(1);
  spawn(function* () {
    yield* ch.send(1);
    yield* ch.send(2); // waits: the buffer is full
  });
  rt.runNow();
  const buf = inside(ch).buf;
  const v = buf?.shift();
  try {
    caught(rt, "if sendq is non-empty, buf.length >= capacity", () => checkChannel(ch as never));
  } finally {
    buf?.push(v);
  }
});

test("a closed channel with a waiter is a broken invariant (sync/channel.ts)", () => {
  const { rt, spawn } = setup();
  const { ch } = blockedReceiver(rt, spawn);
  inside(ch).closed_ = true;
  try {
    caught(rt, "once closed, recvq and sendq are empty", () => checkChannel(ch as never));
  } finally {
    inside(ch).closed_ = false;
  }
});

test("a channel buffer's slot out of use that keeps a value is a broken invariant (sync/ring.ts)", () => {
  const { rt } = setup();
  const ch = channel<number>(4);
  const buf = inside(ch).buf as NonNullable<ChannelInside["buf"]>;
  buf.slots[3] = 42;
  try {
    caught(rt, "the slots not in use hold undefined", () => checkChannel(ch as never));
  } finally {
    buf.slots[3] = undefined;
  }
});

test("a channel buffer longer than its slots is a broken invariant (sync/ring.ts)", () => {
  const { rt } = setup();
  const ch = channel<number>(4);
  const buf = inside(ch).buf as NonNullable<ChannelInside["buf"]>;
  buf.length = buf.slots.length + 1;
  try {
    caught(rt, "0 <= length <= slots.length", () => checkChannel(ch as never));
  } finally {
    buf.length = 0;
  }
});

// ---- sync/mutex.ts, semaphore.ts, waitgroup.ts, event.ts --------------------------------

test("a mutex with waiters and no owner is a broken invariant (sync/mutex.ts)", () => {
  const { rt, spawn } = setup();
  const m = new Mutex();
  spawn(function* () {
    yield* m.lock();
    yield* new Forever();
  });
  spawn(function* () {
    yield* m.lock();
  });
  rt.runNow();
  const owner = m.owner;
  m.owner = null;
  try {
    caught(rt, "a mutex's waiters are non-empty only while owner is set", () => checkMutex(m));
  } finally {
    m.owner = owner;
  }
});

test("a semaphore with more permits than its size is a broken invariant (sync/semaphore.ts)", () => {
  const { rt } = setup();
  const s = new Semaphore(1);
  s.permits = 2;
  try {
    caught(rt, "permits never exceeds size", () => checkSemaphore(s));
  } finally {
    s.permits = 1;
  }
});

test("a semaphore with waiters and a free permit is a broken invariant (sync/semaphore.ts)", () => {
  const { rt, spawn } = setup();
  const s = new Semaphore(0);
  (s as { size: number }).size = 1;
  spawn(function* () {
    yield* s.acquire();
  });
  rt.runNow();
  s.permits = 1;
  try {
    caught(rt, "a semaphore's waiters are non-empty only while permits is 0", () => checkSemaphore(s));
  } finally {
    s.permits = 0;
  }
});

test("a wait group counting below zero is a broken invariant (sync/waitgroup.ts)", () => {
  const { rt } = setup();
  const g = new WaitGroup();
  g.count = -1;
  try {
    caught(rt, "a wait group's count >= 0", () => checkWaitGroup(g));
  } finally {
    g.count = 0;
  }
});

test("a wait group with waiters at zero is a broken invariant (sync/waitgroup.ts)", () => {
  const { rt, spawn } = setup();
  const g = new WaitGroup();
  g.add(1);
  spawn(function* () {
    yield* g.wait();
  });
  rt.runNow();
  g.count = 0;
  try {
    caught(rt, "a wait group's waiters are non-empty only while count > 0", () => checkWaitGroup(g));
  } finally {
    g.count = 1;
  }
});

test("a set event with waiters is a broken invariant (sync/event.ts)", () => {
  const { rt, spawn } = setup();
  const e = new Event();
  spawn(function* () {
    yield* e.wait();
  });
  rt.runNow();
  e.flag = true;
  try {
    caught(rt, "an event's waiters are empty while its flag is set", () => checkEvent(e));
  } finally {
    e.flag = false;
  }
});

test("an InvariantError names the invariant and the object, and is a TaskletError", () => {
  const { rt } = setup();
  rt.holds = -2;
  try {
    checkHolds(rt);
    assert.fail("expected a throw");
  } catch (e) {
    assert.ok(e instanceof InvariantError);
    assert.equal(e.name, "InvariantError");
    assert.equal(e.message, "invariant broken: rt.holds is never negative (runtime.ts) (holds = -2)");
    assert.equal(e.subject, "holds = -2");
  } finally {
    rt.holds = 0;
  }
});

// ---- how a broken invariant surfaces ---------------------------------------------------

const INDEX = new URL("../../src/index.js", import.meta.url).href;

/** Runs `program` (an ES module body) in a child Node with TASKLET_DEBUG set to `debug`. */
function node(program: string, debug: string | undefined) {
  const env = { ...process.env };
  delete env.TASKLET_DEBUG;
  if (debug !== undefined) env.TASKLET_DEBUG = debug;
  return spawnSync(process.execPath, ["--input-type=module", "-e", program], { env, encoding: "utf8" });
}

test("a broken invariant ends the process with an uncaught InvariantError that no tasklet's catch sees", () => {
  const program = `
    import { channel, run, schedule, spawn } from ${JSON.stringify(INDEX)};
    const ch = channel();
    await run(function* () {
      spawn(function* () { yield* ch.recv(); });
      yield* schedule(); // the receiver waits on ch
      ch.closed_ = true; // a close that forgot its waiters
      try {
        yield* schedule();
        yield* schedule();
      } catch (e) {
        console.log("caught in the tasklet:", String(e));
      }
      console.log("the root went on");
    });
    console.log("run settled");
  `;
  const on = node(program, "1");
  assert.notEqual(on.status, 0);
  assert.match(
    on.stderr,
    /InvariantError: invariant broken: once closed, recvq and sendq are empty \(sync\/channel\.ts\) \(channel#1: 1 receivers, 0 senders\)/,
  );
  assert.equal(on.stdout, "");
  const off = node(program, undefined);
  assert.equal(off.status, 0, off.stderr);
  assert.equal(off.stdout, "the root went on\nrun settled\n");
});

test("TASKLET_DEBUG other than 1 or 0 leaves the checks off with a warning that says so", () => {
  const r = node(`import(${JSON.stringify(INDEX)});`, "yes");
  assert.equal(r.status, 0);
  assert.match(
    r.stderr,
    /TASKLET_DEBUG must be 1 \(check the runtime's invariants\) or 0, got the string "yes": the invariants are not checked/,
  );
  assert.doesNotMatch(node(`import(${JSON.stringify(INDEX)});`, "0").stderr, /TASKLET_DEBUG/);
});
