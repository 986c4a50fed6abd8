// Leaked tasklets found through the garbage collector (src/core/leaks.ts): a tasklet blocked on
// something nothing else references is collected and reported; one that anything live could
// still wake is not. The programs run in child processes with --expose-gc, so that each forces
// its collections (a leak is found only when the collector runs).
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  type Channel,
  call,
  channel,
  dump,
  type LeakReport,
  type Operation,
  run,
  type Scope,
  scope,
  sleep,
  spawn,
  tasklets,
} from "../../src/index.js";
import { LeakError, runTest } from "../../src/testing/index.js";
import { Child, fixtureDir, LIB } from "./child.js";

// A long-running program (a ticker keeps going) with the three classic leaks, and two blocked
// tasklets that something live can still wake: "kept" (its channel is in the ticker's frame,
// which sends on it at the end) and "held" (its channel is in a setTimeout's closure).
const PROGRAM = `
import { channel, main, run, sleep, spawn } from ${JSON.stringify(LIB)};
let leaks = 0;
process.on("warning", (w) => {
  if (w.name === "TaskletLeakWarning") leaks++;
});
function* sender(ch) { yield* ch.send(1); }
function* receiver(ch) { yield* ch.recv(); }
function* ranger(ch) { for (;;) { const r = yield* ch.recvOrDone(); if (r.done) return; } }
// Leaks are made in a plain function: a suspended generator's frame may keep a stale register
// that still points at what it spawned (docs/inspect.md, "what it cannot see").
function startLeaks() {
  const a = channel();
  spawn(sender(a), { name: "sender" });
  const b = channel();
  spawn(receiver(b), { name: "receiver" });
  const c = channel(4);
  c.sendAsync(1);
  c.sendAsync(2);
  spawn(ranger(c), { name: "ranger" });
}
function* app() {
  startLeaks();
  const kept = channel();
  const k = spawn(receiver(kept), { name: "kept" });
  const heldCh = channel();
  spawn(receiver(heldCh), { name: "held" });
  setTimeout(() => heldCh.sendAsync(1), 60_000).unref();
  let ticks = 0;
  let after = -1;
  for (;;) {
    yield* sleep(10);
    ticks++;
    globalThis.gc();
    if (leaks >= 3 && after < 0) after = ticks;
    if (after >= 0 && ticks >= after + 5) break;
    if (ticks > 2000) break;
  }
  yield* kept.send("bye");
  yield* k.join();
  process.stdout.write("ticks " + ticks + ", leaks " + leaks + ", kept woke\\n");
}
const form = process.argv[2];
if (form === "main") await main(app, { exit: false });
if (form === "onLeak") {
  await run(app, {
    onLeak: (r) => {
      leaks++;
      process.stdout.write("onLeak " + JSON.stringify(r) + "\\n");
    },
  });
}
`;

/** The child's reports of `name`, as the runtime printed them (warning or onLeak line). */
function reported(out: string, name: string): string | undefined {
  return out
    .split("\n")
    .find((l) => new RegExp(`#\\d+ ${name} \\(child of #1 main\\) was collected while blocked`).test(l));
}

test("the three classic leaks in a program that goes on are reported as TaskletLeakWarnings naming the tasklet, its wait and its parent", async () => {
  const fx = fixtureDir({ "leaky.mjs": PROGRAM });
  const child = new Child(["--expose-gc", join(fx.dir, "leaky.mjs"), "main"], { env: { TASKLET_LEAKS: "1" } });
  try {
    assert.equal(await child.exit(), 0, child.stderr);
    const err = child.stderr;
    assert.match(
      reported(err, "sender") ?? "",
      /TaskletLeakWarning: #2 sender \(child of #1 main\) was collected while blocked on send on channel#1 \(capacity 0\)/,
      err,
    );
    assert.match(reported(err, "receiver") ?? "", /#3 receiver .* blocked on recv on channel#2 \(capacity 0\)/, err);
    assert.match(reported(err, "ranger") ?? "", /#4 ranger .* blocked on recvOrDone on channel#3 \(capacity 4\)/, err);
    // The program went on after the leaks: it ticked, and the tasklet it still held woke.
    assert.match(child.stdout, /ticks \d+, leaks 3, kept woke/, child.stdout + err);
    assert.equal(reported(err, "kept"), undefined, "a tasklet whose channel a live tasklet holds is no leak");
    assert.equal(reported(err, "held"), undefined, "a tasklet whose channel a host callback holds is no leak");
  } finally {
    child.kill();
    fx.cleanup();
  }
});

test("run's onLeak gets each leak (id, name, what it waited on, its parent) and, with TASKLET_TRACE=1, its spawn site", async () => {
  const fx = fixtureDir({ "leaky.mjs": PROGRAM });
  const child = new Child(["--expose-gc", join(fx.dir, "leaky.mjs"), "onLeak"], { env: { TASKLET_TRACE: "1" } });
  try {
    assert.equal(await child.exit(), 0, child.stderr);
    const reports = child.stdout
      .split("\n")
      .filter((l) => l.startsWith("onLeak "))
      .map((l) => JSON.parse(l.slice("onLeak ".length)) as Record<string, unknown>)
      .sort((a, b) => (a.id as number) - (b.id as number));
    assert.deepEqual(
      reports.map((r) => [r.id, r.name, r.waitsOn, r.parentId, r.parent]),
      [
        [2, "sender", "send on channel#1 (capacity 0)", 1, "#1 root"],
        [3, "receiver", "recv on channel#2 (capacity 0)", 1, "#1 root"],
        [4, "ranger", "recvOrDone on channel#3 (capacity 4)", 1, "#1 root"],
      ],
      child.stdout,
    );
    for (const r of reports) assert.match(String(r.site), /at app \(.*leaky\.mjs:\d+:\d+\)/, String(r.site));
    assert.doesNotMatch(child.stderr, /TaskletLeakWarning/, "onLeak takes the reports instead of warnings");
    assert.match(child.stdout, /leaks 3, kept woke/);
  } finally {
    child.kill();
    fx.cleanup();
  }
});

let gc: (() => void) | undefined;
function collect(): void {
  if (gc === undefined) {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as () => void;
  }
  gc();
}

function* recvOn(ch: Channel<number>): Operation<void> {
  yield* ch.recv();
}

/** A turn of the event loop, from inside a tasklet (a new job: no WeakRef read before is kept). */
function* turn(): Operation<void> {
  yield* call(() => new Promise<void>((resolve) => setTimeout(resolve, 5)));
}

test("dump() and tasklets() list a blocked tasklet while it lives, with leak detection on", async () => {
  await run(
    function* () {
      const ch = channel<number>();
      const t = spawn(
        function* () {
          yield* ch.send(1);
        },
        { name: "waiting-sender" },
      );
      yield* turn();
      collect();
      yield* turn();
      const info = tasklets().find((x) => x.id === t.id);
      assert.equal(info?.state, "blocked");
      const text = dump();
      assert.match(text, /blocked on send on channel#\d+ \(capacity 0\): 1 tasklet/, text);
      assert.match(text, new RegExp(`#${t.id} waiting-sender, age`), text);
      assert.equal(yield* ch.recv(), 1);
      yield* t.join();
    },
    { leaks: true, onLeak: (r) => assert.fail(`not a leak: ${r.message}`) },
  );
});

function* sendOn(ch: Channel<number>): Operation<void> {
  yield* ch.send(1);
}

/** A leak made in a plain function, as a handler would: the channel is gone when it returns. */
function leakInto(s: Scope): void {
  const ch = channel<number>();
  s.spawn(() => sendOn(ch), { name: "scoped-sender" });
}

test("a scope whose owner runs on does not keep a leaked child alive: it is reported, and the scope ends without waiting for it", async () => {
  const leaks: LeakReport[] = [];
  const value = await run(
    function* () {
      return yield* scope(function* (s) {
        leakInto(s);
        for (let i = 0; i < 50 && leaks.length === 0; i++) {
          yield* turn();
          collect();
        }
        assert.equal(leaks.length, 1, "the scope's child was never collected");
        return "body done";
      });
    },
    { onLeak: (r) => leaks.push(r) },
  );
  assert.equal(value, "body done");
  assert.match(
    leaks[0]?.message ?? "",
    /#\d+ scoped-sender \(child of #\d+ root\) was collected while blocked on send/,
  );
});

test("under runTest, a tasklet collected while blocked during the test fails it with LeakError", async () => {
  let id = 0;
  const err = await runTest(function* () {
    {
      const ch = channel<number>();
      id = ch.id;
      spawn(
        function* () {
          yield* ch.send(1);
        },
        { name: "lost-sender" },
      );
    }
    yield* sleep(10);
    yield* turn();
    collect();
    yield* turn();
  }).catch((e: unknown) => e);
  assert.ok(err instanceof LeakError, String(err));
  assert.deepEqual(err.leaked, [
    `#2 lost-sender (child of #1 test) was collected while blocked on send on channel#${id} (capacity 0): nothing could wake it any more`,
  ]);
  assert.match(err.message, /^1 tasklet was collected while blocked \(nothing could wake it\)/);
});

test("under runTest, a tasklet left blocked at the body's end on a channel nothing holds is named as collected", async () => {
  let id = 0;
  const err = await runTest(function* () {
    const ch = channel<number>();
    id = ch.id;
    spawn(() => recvOn(ch), { name: "lost-receiver" });
    yield* sleep(10);
  }).catch((e: unknown) => e);
  assert.ok(err instanceof LeakError, String(err));
  assert.deepEqual(err.leaked, [
    `#2 lost-receiver (child of #1 (ended)) was collected while blocked on recv on channel#${id} (capacity 0): nothing could wake it any more`,
  ]);
});

test("under runTest, a tasklet held by a live ticker at the body's end is a leak still alive, not a collected one", async () => {
  let id = 0;
  const err = await runTest(function* () {
    const ch = channel<number>();
    id = ch.id;
    spawn(() => recvOn(ch), { name: "waiter" });
    spawn(
      function* () {
        for (;;) {
          yield* sleep(100);
          ch.balance;
        }
      },
      { name: "ticker" },
    );
    yield* sleep(10);
  }).catch((e: unknown) => e);
  assert.ok(err instanceof LeakError, String(err));
  assert.deepEqual(err.leaked, [
    `#2 waiter: waits on recv on channel#${id} (capacity 0)`,
    "#3 ticker: waits on sleep(100) (90 ms left)",
  ]);
});
