import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runtime } from "../../src/core/runtime.js";
import {
  after,
  call,
  channel,
  dump,
  Event,
  Mutex,
  main,
  type Operation,
  run,
  Semaphore,
  schedule,
  scope,
  select,
  sleep,
  spawn,
  type Tasklet,
  type TaskletInfo,
  TaskletPool,
  tasklets,
  timeout,
  trace,
  until,
  WaitGroup,
} from "../../src/index.js";
import { formatDump, waitKey } from "../../src/inspect/dump.js";
import { runTest } from "../../src/testing/index.js";

const THIS_FILE = fileURLToPath(import.meta.url);
/** The line of this compiled file that carries `marker` (tsc keeps comments), 1-based. */
function lineOf(marker: string): number {
  const lines = readFileSync(THIS_FILE, "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(marker) && !l.includes("lineOf("));
  assert.ok(i >= 0, `marker ${marker} not found`);
  return i + 1;
}
/** A frame `fn (…/dump.test.js:line:col)`. */
function frameRe(fn: string, marker: string): RegExp {
  return new RegExp(`^${fn} \\(.*dump\\.test\\.js:${lineOf(marker)}:\\d+\\)$`);
}

function* sleeper(ms: number): Operation<void> {
  yield* sleep(ms); // @sleeper
}
function* nested(ms: number): Operation<void> {
  yield* sleeper(ms); // @nested
}
function* joiner(t: Tasklet): Operation<void> {
  yield* t.join(); // @joiner
}
function* spinner(): Operation<void> {
  for (;;) yield* schedule(); // @spinner
}
function* waiter(): Operation<void> {
  yield* call(() => new Promise<void>(() => {})); // @waiter
}
function* timed(): Operation<void> {
  yield* timeout(60_000, sleeper(50_000)); // @timed
}

test("tasklets() lists each live tasklet: state, what it waits on, parent, where it stands and was spawned", async () => {
  const wasTracing = trace(true);
  try {
    await run(
      function* () {
        const s1 = spawn(nested(60_000), { name: "sleeper-1" });
        const s2 = spawn(nested(60_000), { name: "sleeper-2" });
        const j = spawn(joiner(s1), { name: "joiner" }); // @spawn-joiner
        const sp = spawn(spinner(), { name: "spinner", joinable: false, priority: "low" });
        const w = spawn(waiter(), { name: "waiter" });
        const tm = spawn(timed(), { name: "timed" });
        const all = [s1, s2, j, sp, w, tm];
        try {
          yield* sleep(5);
          const fresh = spawn(sleeper(1), { name: "fresh" });
          all.push(fresh);
          const list = tasklets(); // @snapshot
          const by = (name: string): TaskletInfo => {
            const t = list.find((x) => x.name === name);
            assert.ok(t, `${name} is listed`);
            return t;
          };
          const me = by("root");
          assert.deepEqual(
            list.map((t) => t.id),
            [...list.map((t) => t.id)].sort((a, b) => a - b),
            "by id",
          );
          assert.equal(list.length, 8);
          assert.equal(me.state, "running");
          assert.equal(me.parentId, null);
          assert.match(me.suspendedAt?.[0] ?? "", new RegExp(`dump\\.test\\.js:${lineOf("@snapshot")}:\\d+\\)$`));

          const s1i = by("sleeper-1");
          assert.equal(s1i.state, "blocked");
          assert.equal(s1i.started, true);
          assert.equal(s1i.parentId, me.id);
          assert.match(s1i.waitsOn ?? "", /^sleep\(60000\) \(\d+ ms left\)$/);
          assert.match(s1i.suspendedAt?.[0] ?? "", frameRe("sleeper", "@sleeper"));
          assert.match(s1i.suspendedAt?.[1] ?? "", frameRe("nested", "@nested"));
          assert.equal(s1i.switches, 1);
          assert.ok(s1i.ageMs >= 0);

          const ji = by("joiner");
          assert.equal(ji.waitsOn, `join of #${s1.id} sleeper-1`);
          assert.match(ji.suspendedAt?.[0] ?? "", frameRe("joiner", "@joiner"));
          assert.match(ji.spawnedAt?.[0] ?? "", new RegExp(`dump\\.test\\.js:${lineOf("@spawn-joiner")}:\\d+\\)$`));

          const spi = by("spinner");
          assert.equal(spi.state, "ready");
          assert.equal(spi.priority, "low");
          assert.equal(spi.waitsOn, null);
          assert.ok(spi.switches > 1, "it ran several times");
          assert.match(spi.suspendedAt?.[0] ?? "", frameRe("spinner", "@spinner"));

          assert.equal(by("waiter").waitsOn, "a promise (call)");
          assert.match(by("waiter").suspendedAt?.[0] ?? "", frameRe("waiter", "@waiter"));
          // Until when: every timer that will end the wait, with its time left.
          assert.match(
            by("timed").waitsOn ?? "",
            /^sleep\(50000\) \(\d+ ms left\), under timeout\(\) \(\d+ ms left\)$/,
          );
          // timeout()'s own frame is the library's: the user's frames remain, innermost first.
          assert.deepEqual(
            by("timed")
              .suspendedAt?.slice(0, 2)
              .map((f) => f.split(" ")[0]),
            ["sleeper", "timed"],
          );

          const fi = by("fresh");
          assert.equal(fi.state, "ready");
          assert.equal(fi.started, false);
          assert.equal(fi.suspendedAt, null);

          // Without stacks: the same tasklets, no frames.
          const cheap = tasklets({ stacks: false });
          assert.deepEqual(
            cheap.map((t) => [t.id, t.state, t.waitsOn === null]),
            list.map((t) => [t.id, t.state, t.waitsOn === null]),
          );
          assert.ok(cheap.every((t) => t.suspendedAt === null && t.spawnedAt === null));
        } finally {
          for (const t of all) t.kill();
        }
      },
      { onUncaught: () => {} },
    );
  } finally {
    trace(wasTracing);
  }
});

test("probing leaves every tasklet as it was: each resumes with what its wait brings", async () => {
  const got: unknown[] = [];
  await run(function* () {
    function* sleepThen(v: number): Operation<number> {
      yield* sleep(20);
      return v;
    }
    function* recorder(): Operation<void> {
      for (let i = 0; i < 3; i++) yield* schedule();
      got.push("spun");
    }
    const a = spawn(sleepThen(1));
    const b = spawn(function* (): Operation<number> {
      return (yield* a.join()) + 10;
    });
    const c = spawn(function* (): Operation<string> {
      return yield* call(() => new Promise<string>((r) => setTimeout(() => r("promised"), 10)));
    });
    const d = spawn(function* (): Operation<string> {
      try {
        yield* timeout(5, sleepThen(0));
        return "no";
      } catch (e) {
        return (e as Error).name;
      }
    });
    const e = spawn(recorder());
    const f = spawn(function* (): Operation<string> {
      return yield* until(new Promise<string>((r) => setTimeout(() => r("until"), 10)));
    });
    yield* schedule();
    for (let i = 0; i < 5; i++) {
      dump();
      tasklets();
      yield* schedule();
    }
    assert.match(dump(), /a promise \(until\)/);
    got.push(yield* a.join(), yield* b.join(), yield* c.join(), yield* d.join(), yield* f.join());
    yield* e.join();
  });
  assert.deepEqual(got, ["spun", 1, 11, "promised", "TimeoutError", "until"]);
});

test("probing tasklets blocked on a mutex, semaphore, event, wait group, scope and pool leaves each intact", async () => {
  const got: string[] = [];
  await run(function* () {
    const m = new Mutex();
    const sem = new Semaphore(1);
    assert.equal(sem.tryAcquire(), true, "the root holds the only permit");
    const ev = new Event();
    const wg = new WaitGroup();
    const pool = new TaskletPool(1);
    yield* m.lock();
    wg.add(1);
    function* untilSet(): Operation<string> {
      yield* ev.wait();
      return "child";
    }
    const ts = [
      spawn(function* (): Operation<void> {
        yield* m.lock();
        got.push("mutex");
        m.unlock();
      }),
      spawn(function* (): Operation<void> {
        yield* sem.acquire();
        got.push("semaphore");
      }),
      spawn(function* (): Operation<void> {
        yield* ev.wait();
        got.push("event");
      }),
      spawn(function* (): Operation<void> {
        yield* wg.wait();
        got.push("wait group");
      }),
      spawn(function* (): Operation<void> {
        const r = yield* scope(function* (s) {
          return yield* s.spawn(untilSet()).join();
        });
        got.push(`scope ${r}`);
      }),
      spawn(function* (): Operation<void> {
        yield* pool.spawn(untilSet());
        const t = yield* pool.spawn(function* (): Operation<void> {
          got.push("pool");
        });
        yield* t.join();
      }),
    ];
    yield* sleep(1);
    const text = dump();
    for (const what of ["mutex#", "semaphore#", "event#", "wait group#", "a slot of a tasklet pool"]) {
      assert.ok(text.includes(`blocked on ${what}`), `${what} in\n${text}`);
    }
    for (let i = 0; i < 3; i++) {
      dump();
      yield* schedule();
    }
    m.unlock();
    sem.release();
    ev.set();
    wg.done();
    for (const t of ts) yield* t.join();
  });
  assert.deepEqual(got.sort(), ["event", "mutex", "pool", "scope child", "semaphore", "wait group"]);
});

test("probing tasklets blocked on channel receives, sends and selects leaves each intact", async () => {
  const got: unknown[] = [];
  await run(function* () {
    const a = channel<number>();
    const b = channel<string>(1);
    yield* b.send("fills the buffer");
    const ts = [
      spawn(function* (): Operation<void> {
        got.push(yield* a.recv());
      }),
      spawn(function* (): Operation<void> {
        yield* b.send("waits for room");
        got.push("sent");
      }),
      spawn(function* (): Operation<void> {
        const r = yield* select(a.recv(), after(60_000));
        got.push(`select ${r.index} ${String(r.value)}`);
      }),
      spawn(function* (): Operation<void> {
        const r = yield* a.recvOrDone();
        got.push(r.done ? "done" : r.value);
      }),
    ];
    yield* sleep(1);
    const text = dump();
    assert.match(
      text,
      new RegExp(`blocked on [^\n]*channel#${a.id}[^\n]*: 3 tasklets|blocked on [^\n]*channel#${a.id}`),
    );
    assert.match(text, new RegExp(`blocked on [^\n]*channel#${b.id}`));
    assert.match(
      text,
      /: select\(recv on channel#\d+ \(capacity 0\), after\(60000\)\), after\(\) case \(\d+ ms left\)\n/,
    );
    for (let i = 0; i < 3; i++) {
      dump();
      yield* schedule();
    }
    yield* a.send(1);
    yield* a.send(2);
    yield* a.send(3);
    got.push(yield* b.recv());
    for (const t of ts) yield* t.join();
  });
  // Each got what its wait was to bring, in the channel's FIFO order of receivers.
  assert.deepEqual(got.map(String).sort(), ["1", "3", "fills the buffer", "select 0 2", "sent"]);
});

test("dump groups tasklets by state and by what they wait on, and prints a shared stack once", async () => {
  await run(
    function* () {
      const s = spawn(nested(60_000), { name: "target" });
      const joiners: Tasklet[] = [];
      for (let i = 0; i < 14; i++) joiners.push(spawn(joiner(s), { name: `j${i}` }));
      const sp = spawn(spinner(), { name: "spinner", joinable: false });
      // Three tasklets each on a timer of its own, at one line: one family.
      const own = [1, 2, 3].map((i) => spawn(sleeper(70_000 + i), { name: `own${i}` }));
      try {
        yield* sleep(2);
        checkGroups(dump(), s.id);
      } finally {
        for (const t of [sp, s, ...own]) t.kill();
      }
    },
    { onUncaught: () => {} },
  );
});

function checkGroups(text: string, sid: number): void {
  const lines = text.split("\n");
  assert.match(lines[0] ?? "", /^tasklet dump: 20 tasklets \(1 running, 1 ready, 18 blocked\), pid \d+, up /);
  // Biggest group first: the 14 joiners, of which 10 are printed and the rest summed up.
  const g = lines.indexOf(`blocked on join of #${sid} target: 14 tasklets`);
  assert.ok(g > 0, text);
  assert.ok(g < lines.indexOf("blocked on sleep(60000): 1 tasklet"), "bigger group first");
  assert.match(lines[g + 1] ?? "", new RegExp(`^ {2}#${sid + 1} j0, age [\\d.]+ m?s, 1 switch, parent #\\d+$`));
  assert.match(lines[g + 11] ?? "", /^ {2}… and 4 more: #\d+ #\d+ #\d+ #\d+$/);
  assert.match(lines[g + 12] ?? "", /^ {4}at joiner \(.*dump\.test\.js:\d+:\d+\)$/);
  assert.equal(text.split("at joiner (").length - 1, 1, "the joiners' stack is printed once");
  const r = lines.indexOf("ready: 1 tasklet");
  assert.ok(r > 0 && lines.indexOf("running: 1 tasklet") < r, "running, then ready, then blocked");
  // A timer's time left varies: not in the group's title, on the tasklet's line.
  const sl = lines.indexOf("blocked on sleep(60000): 1 tasklet");
  assert.match(lines[sl + 1] ?? "", /, parent #\d+: sleep\(60000\) \(\d+ ms left\)$/);
  // Tasklets each waiting on a thing of its own at one line: one family, each line says which.
  const f = lines.indexOf("blocked on sleep(*), each its own: 3 tasklets");
  assert.ok(f > 0, text);
  assert.match(lines[f + 1] ?? "", /^ {2}#\d+ own1, .*: sleep\(70001\) \(\d+ ms left\)$/);
  assert.match(lines[f + 3] ?? "", /^ {2}#\d+ own3, .*: sleep\(70003\) \(\d+ ms left\)$/);
  assert.match(lines[f + 4] ?? "", /^ {4}at sleeper \(/);
}

test("a dump without tasklets, and the wait key of a description", () => {
  assert.match(
    formatDump([], { pid: 1, uptimeMs: 1500, traced: false }),
    /^tasklet dump: 0 tasklets, pid 1, up 1\.5 s\n$/,
  );
  assert.equal(waitKey("sleep(100) (12 ms left)"), "sleep(100)");
  assert.equal(waitKey("recv from channel#3 (cap 0)"), "recv from channel#3 (cap 0)");
  assert.throws(() => dump(null as never), TypeError);
  assert.throws(() => tasklets(5 as never), TypeError);
  assert.throws(() => trace("yes" as never), TypeError);
});

test("main() on a deadlock prints the dump of the blocked tasklets, with their lines, and returns 2", async () => {
  let err = "";
  const code = await main(
    function* () {
      const never = channel<number>();
      const a = spawn(
        function* (): Operation<void> {
          yield* sleep(1);
          yield* never.recv(); // @a-waits
        },
        { name: "a" },
      );
      spawn(joiner(a), { name: "b" });
      yield* a.join(); // @main-join
    },
    { exit: false, stderr: { write: (s: string) => (err += s) } },
  );
  assert.equal(code, 2);
  assert.match(err, /^all tasklets are asleep - deadlock!\n/);
  assert.match(err, /\n {2}#\d+ main: waits on join of #\d+ a\n/, "the deadlock's own lines come first");
  assert.match(err, /\n\ntasklet dump: 3 tasklets \(3 blocked\)/);
  assert.match(err, /blocked on join of #\d+ a: 2 tasklets\n {2}#\d+ main, /);
  assert.match(err, /\n {2}#\d+ b, age [\d.]+ m?s, 1 switch, parent #\d+\n/);
  assert.match(err, new RegExp(`dump\\.test\\.js:${lineOf("@main-join")}:\\d+\\)\n`));
  assert.match(err, new RegExp(`at joiner \\(.*dump\\.test\\.js:${lineOf("@joiner")}:\\d+\\)\n`));
  assert.match(
    err,
    new RegExp(
      `blocked on recv on channel#\\d+ \\(capacity 0\\): 1 tasklet\n {2}#\\d+ a, [^\n]+\n {4}at .*dump\\.test\\.js:${lineOf("@a-waits")}:`,
    ),
  );
  assert.equal(runtime().onDeadlock, null, "main() restores the deadlock hook");
});

test("under runTest, dump() shows the test runtime's tasklets, aged in virtual time", async () => {
  await runTest(function* () {
    const s = spawn(nested(3_600_000), { name: "hour-sleeper" });
    yield* sleep(600_000); // ten virtual minutes, at once
    const text = dump();
    assert.match(text, /^tasklet dump: 2 tasklets \(1 running, 1 blocked\)/);
    assert.match(
      text,
      /\n {2}#\d+ hour-sleeper, age 10 min, 1 switch, parent #\d+: sleep\(3600000\) \(3000000 ms left\)\n/,
    );
    assert.match(text, /\n {4}at sleeper \(.*dump\.test\.js:\d+:\d+\)\n {4}at nested \(/);
    s.kill();
    try {
      yield* s.join();
    } catch {
      // KilledError: it has ended, so no leak
    }
  });
});
