// The live console's server (src/inspect/console.ts) and what it sends, read over HTTP as the
// page reads it (the page itself: console-browser.test.ts). Programs that must end on their
// own, or deadlock, run in child processes.
import assert from "node:assert/strict";
import { get, type IncomingMessage } from "node:http";
import { join } from "node:path";
import { test } from "node:test";
import { Runtime } from "../../src/core/runtime.js";
import {
  channel,
  Mutex,
  type Operation,
  run,
  type SnapshotOptions,
  schedule,
  sleep,
  spawn,
  startConsole,
  TimeoutError,
  tasklets,
  timeout,
} from "../../src/index.js";
import type { ConsoleReport, ConsoleSample } from "../../src/inspect/console.js";
import { type ConsoleState, consoleState } from "../../src/inspect/console-state.js";
import { CHILD_DEADLINE_MS, Child, fixtureDir, LIB } from "./child.js";

function fetchText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (s: string) => {
        body += s;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    }).on("error", reject);
  });
}

/** An open /events stream: the events it got so far, by name. */
class EventStream {
  readonly events: { event: string; data: unknown }[] = [];
  private res: IncomingMessage | null = null;
  private buf = "";
  readonly opened: Promise<number>;
  constructor(url: string) {
    this.opened = new Promise((resolve, reject) => {
      get(url, (res) => {
        this.res = res;
        res.setEncoding("utf8").on("data", (s: string) => {
          this.buf += s;
          for (let i = this.buf.indexOf("\n\n"); i >= 0; i = this.buf.indexOf("\n\n")) {
            const block = this.buf.slice(0, i);
            this.buf = this.buf.slice(i + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
            const data = /^data: (.*)$/m.exec(block)?.[1];
            this.events.push({ event, data: data === undefined ? null : JSON.parse(data) });
          }
        });
        res.on("error", () => {});
        resolve(res.statusCode ?? 0);
      }).on("error", reject);
    });
  }
  async next<T>(event: string, accept: (data: T) => boolean = () => true): Promise<T> {
    const deadline = Date.now() + CHILD_DEADLINE_MS;
    for (;;) {
      const e = this.events.find((x) => x.event === event && accept(x.data as T));
      if (e !== undefined) return e.data as T;
      if (Date.now() > deadline) throw new Error(`no ${event} event: got ${this.events.map((x) => x.event)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  close(): void {
    this.res?.destroy();
  }
}

const names = (s: ConsoleState): string[] =>
  s.groups.flatMap((g) => g.stacks.flatMap((st) => st.rows.map((r) => r.name)));

/** Runs `body` as a root in the background; `stop()` kills what is left and waits for the root. */
function background(body: () => Operation<void>): { stop: () => Promise<void> } {
  const quit = channel<void>();
  const done = run(function* () {
    const t = spawn(body, { name: "body" });
    yield* quit.recv();
    t.kill();
  });
  return {
    stop: async () => {
      quit.sendAsync(undefined);
      await done;
    },
  };
}

test("a request without the console's token, or with a wrong one, gets 403; with it, the page and the tasklets", async () => {
  const c = await startConsole({ announce: () => {} });
  const bg = background(function* () {
    const sleeper = spawn(() => sleep(60_000), { name: "sleeper" });
    try {
      yield* sleep(60_000);
    } finally {
      sleeper.kill();
    }
  });
  try {
    assert.match(c.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{32}$/);
    const base = `http://127.0.0.1:${c.port}`;
    for (const path of [
      "/",
      "/events",
      "/state",
      "/state?token=",
      "/state?token=abc",
      `/state?token=${"é".repeat(32)}`,
    ]) {
      assert.equal((await fetchText(base + path)).status, 403, path);
    }
    const page = await fetchText(c.url);
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>tasklet console<\/title>/);
    const { status, body } = await fetchText(c.url.replace("/?", "/state?"));
    assert.equal(status, 200);
    const state = (JSON.parse(body) as { state: ConsoleState }).state;
    assert.ok(names(state).includes("sleeper"), names(state).join(", "));
    assert.ok(names(state).includes("body"));
  } finally {
    await bg.stop();
    await c.close();
  }
  assert.notEqual((await startConsole({ announce: () => {} }).then((c2) => c2.close().then(() => c2))).port, 0);
});

test("the event stream sends the tasklets at once, then each second the switches and spawns of that second", async () => {
  const c = await startConsole({ announce: () => {} });
  const bg = background(function* () {
    for (let i = 0; ; i++) {
      yield* schedule();
      if (i % 100 === 0) spawn(() => sleep(1), { name: "short" });
      if (i % 1000 === 0) yield* sleep(1);
    }
  });
  const es = new EventStream(c.url.replace("/?", "/events?"));
  try {
    assert.equal(await es.opened, 200);
    const hello = await es.next<{ pid: number }>("hello");
    assert.equal(hello.pid, process.pid);
    const state = await es.next<ConsoleState>("state");
    assert.ok(names(state).includes("body"));
    const sample = await es.next<ConsoleSample>("sample", (s) => s.switches > 1000 && s.spawns > 5);
    assert.ok(sample.ready >= 0);
  } finally {
    es.close();
    await bg.stop();
    await c.close();
  }
});

test("the runtime counts every switch and every spawn, and the tasklets waiting for their turn", async () => {
  const rt = new Runtime();
  let ready = -1;
  await run(
    function* () {
      for (let i = 0; i < 3; i++) spawn(() => schedule());
      ready = rt.readyCount(); // three spawned, not started
      for (let i = 0; i < 10; i++) yield* schedule();
    },
    { runtime: rt },
  );
  assert.equal(ready, 3);
  assert.equal(rt.spawnCount, 4);
  // The root: 11 steps; each of the three: 2.
  assert.equal(rt.switchCount, 11 + 3 * 2);
  assert.equal(rt.readyCount(), 0);
});

test("the console's view: a channel's waiters and balance, a lock's holder and waiters, a wait-for cycle of two timed locks", async () => {
  let state: ConsoleState | null = null;
  await run(function* () {
    const ch = channel<number>();
    const r1 = spawn(() => ch.recv(), { name: "r1" });
    const r2 = spawn(() => ch.recv(), { name: "r2" });
    const full = channel<number>(1);
    full.sendAsync(0);
    const s1 = spawn(() => full.send(1), { name: "s1" });
    const a = new Mutex();
    const b = new Mutex();
    const mover = (first: Mutex, second: Mutex) =>
      function* () {
        yield* first.lock();
        yield* sleep(5);
        try {
          yield* timeout(200, second.lock());
        } catch (e) {
          if (!(e instanceof TimeoutError)) throw e;
        }
        first.unlock();
      };
    const ab = spawn(mover(a, b), { name: "ab" });
    const ba = spawn(mover(b, a), { name: "ba" });
    yield* sleep(50);
    const options: SnapshotOptions = { stacks: false };
    state = consoleState(tasklets(options), { pid: 1, uptimeMs: 1, traced: false, snapshotMs: 0 });
    yield* ab.join();
    yield* ba.join();
    for (const t of [r1, r2, s1]) t.kill();
  });
  const s = state as unknown as ConsoleState;
  const chan = s.primitives.filter((p) => p.kind === "channel");
  assert.equal(chan.length, 2);
  assert.deepEqual(
    chan[0]?.waiters.map((w) => `${w.op} ${w.name}`),
    ["recv r1", "recv r2"],
  );
  assert.equal(chan[0]?.balance, -2);
  assert.equal(chan[1]?.label.endsWith("(capacity 1)"), true);
  assert.equal(chan[1]?.balance, 1, "the waiting sender (the buffered value is not seen)");
  const locks = s.primitives.filter((p) => p.kind === "mutex");
  assert.deepEqual(
    locks.map((p) => `${p.label} held by ${p.holder?.name}: ${p.waiters.map((w) => w.name)}`),
    [`${locks[0]?.label} held by ab: ba`, `${locks[1]?.label} held by ba: ab`],
  );
  assert.equal(s.graph.cycles.length, 1);
  const inCycle = s.graph.cycles[0]?.map((id) => s.graph.nodes.find((n) => n.id === id)?.name).sort();
  assert.deepEqual(inCycle, ["ab", "ba"]);
});

test("a TaskletLeakWarning and a watchdog report reach an open page as they happen", async () => {
  const c = await startConsole({ announce: () => {} });
  const es = new EventStream(c.url.replace("/?", "/events?"));
  try {
    assert.equal(await es.opened, 200);
    await es.next("hello");
    process.emitWarning("#7 lost waits on recv on channel#3 (capacity 0)", "TaskletLeakWarning");
    const leak = await es.next<ConsoleReport>("report", (r) => r.kind === "leak");
    assert.match(leak.text, /#7 lost waits on recv/);
    await run(
      function* () {
        yield* schedule();
        const end = Date.now() + 300;
        while (Date.now() < end) {}
        yield* sleep(10);
      },
      { watchdog: 50, name: "hog" },
    );
    const hog = await es.next<ConsoleReport>("report", (r) => r.kind === "hog");
    assert.match(hog.text, /^#\d+ hog held the thread for \d+ ms$/);
  } finally {
    es.close();
    await c.close();
  }
});

const PROGRAM = `
import { channel, main, run, sleep } from ${JSON.stringify(LIB)};
const form = process.argv[2];
if (form === "ends") {
  await run(function* () { yield* sleep(1500); });
  process.stdout.write("done\\n");
}
if (form === "deadlock") {
  await main(function* () {
    yield* sleep(1500);
    yield* channel().recv();
  });
}
`;

/** Runs the program with TASKLET_CONSOLE=1 and opens its page's event stream as soon as the URL is printed. */
async function withPageOpen(form: string): Promise<{ child: Child; es: EventStream; cleanup: () => void }> {
  const fx = fixtureDir({ "app.mjs": PROGRAM });
  const child = new Child([join(fx.dir, "app.mjs"), form], { env: { TASKLET_CONSOLE: "1" } });
  await child.waitFor("stderr", /tasklet console: http:\S+/);
  const url = (/tasklet console: (\S+)/.exec(child.stderr) as RegExpExecArray)[1] as string;
  const es = new EventStream(url.replace("/?", "/events?"));
  assert.equal(await es.opened, 200);
  await es.next("hello");
  return { child, es, cleanup: fx.cleanup };
}

test("TASKLET_CONSOLE=1 serves the console, and it does not keep a program that is done alive, even with a page open", async () => {
  const { child, es, cleanup } = await withPageOpen("ends");
  try {
    assert.equal(await child.exit(), 0, child.stderr);
    assert.match(child.stdout, /done/);
  } finally {
    es.close();
    child.kill();
    cleanup();
  }
});

test("with the console on and a page open, a deadlock is still reported (the console is nothing that could wake a tasklet)", async () => {
  const { child, es, cleanup } = await withPageOpen("deadlock");
  try {
    assert.equal(await child.exit(), 2, child.stderr);
    assert.match(child.stderr, /all tasklets are asleep - deadlock!/);
  } finally {
    es.close();
    child.kill();
    cleanup();
  }
});

test("startConsole's bad options are errors naming the function, the option and what it got", () => {
  assert.throws(() => startConsole({ port: -1 }), /startConsole: options\.port must be/);
  assert.throws(() => startConsole({ announce: "yes" as never }), /startConsole: options\.announce must be a function/);
  assert.throws(() => startConsole({ prot: 1 } as never), /startConsole: .*prot/);
});
