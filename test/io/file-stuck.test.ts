/**
 * File operations that may wait without end (the open of a FIFO nobody
 * opens at the other end, a read of a FIFO nobody writes to) must not take
 * from other file I/O the threads it needs: libuv's pool has 4
 * (UV_THREADPOOL_SIZE), and `readFile`, `dns.lookup` and every other fs call
 * of the process share them.
 *
 * Each scenario runs in a child process: on the old code it leaves libuv's
 * threads stuck in the kernel, and a process in that state cannot exit (Node
 * joins its threads at exit), which would hang the test runner itself.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { withTempDir } from "./helpers.js";

/** How long a scenario may take, start to exit, before it counts as hung (a generous bound: the machine is shared). */
const CHILD_GIVE_UP_MS = 20_000;
/** The bound the issue sets on a readFile or a dns.lookup after the stuck operations. */
const PROMPT_MS = 5000;

const SRC = new URL("../../src/", import.meta.url).href;

/** Runs `body` (an ES module's text, with `SRC` the URL of dist/src/) in a child node; its stdout, status and whether it was killed. */
function runChild(
  body: string,
  env: Record<string, string> = {},
): { out: string; status: number | null; hung: boolean } {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", `const SRC = ${JSON.stringify(SRC)};\n${body}`], {
    encoding: "utf8",
    timeout: CHILD_GIVE_UP_MS,
    killSignal: "SIGKILL",
    env: { ...process.env, ...env },
  });
  return { out: `${r.stdout}${r.stderr}`, status: r.status, hung: r.signal === "SIGKILL" };
}

/** Asserts that the child exited with `status` and printed each of `lines`. */
function assertRan(r: ReturnType<typeof runChild>, status: number, ...lines: RegExp[]): void {
  assert.ok(!r.hung, `the child hung:\n${r.out}`);
  for (const l of lines) assert.match(r.out, l, r.out);
  assert.equal(r.status, status, r.out);
}

/** The child's common part: makes `n` FIFOs in DIR, and `reg`, a regular file. */
const PRELUDE = `
const { run, spawn, schedule, sleep, call, timeout, TimeoutError } = await import(SRC + "index.js");
const { open, readFile } = await import(SRC + "io/index.js");
const dns = await import("node:dns");
const { execFileSync } = await import("node:child_process");
const DIR = process.env.DIR;
const fifo = (i) => { const p = DIR + "/fifo" + i; execFileSync("mkfifo", [p]); return p; };
const fs = await import("node:fs");
const reg = DIR + "/regular";
fs.writeFileSync(reg, "regular content");
// Threads of this process waiting in the kernel for the other end of a FIFO.
const inOpen = () => fs.readdirSync("/proc/self/task").filter((t) => {
  try { return fs.readFileSync("/proc/self/task/" + t + "/wchan", "utf8") === "wait_for_partner"; } catch { return false; }
}).length;
// Threads of this process waiting in poll(2) (a read on the blocking lane waiting for data).
const inPoll = () => fs.readdirSync("/proc/self/task").filter((t) => {
  try { return fs.readFileSync("/proc/self/task/" + t + "/wchan", "utf8").startsWith("poll_schedule_timeout"); } catch { return false; }
}).length;
// Polls until cond holds (../helpers.ts's pollUntil, which reads it once per look: a lane thread
// leaves poll(2) for a moment every 100 ms, so reading it twice could see it true, then false).
const { pollUntil } = await import(SRC + "../test/helpers.js");
const until = (what, cond) =>
  pollUntil(() => what + " (" + inOpen() + " threads in open)", cond, { everyMs: 10, limitMs: 10000 });
// Opens FIFOs from..to-1 read-write (no wait) and spawns a read of each (which waits for data).
function* readers(from, to) {
  const files = [];
  const tasklets = [];
  for (let i = from; i < to; i++) {
    const f = yield* open(fifo(i), "r+");
    files.push(f);
    tasklets.push(spawn(f.read(Buffer.alloc(8))));
  }
  return { files, tasklets };
}
function* prompt(what, op) {
  const t0 = Date.now();
  const v = yield* timeout(${PROMPT_MS}, op);
  console.log(what + " ok in " + (Date.now() - t0) + " ms");
  return v;
}
`;

test("after 8 killed opens of FIFOs with no writer, readFile and dns.lookup complete promptly and the process exits", async () => {
  await withTempDir("stuck", async (dir) => {
    const r = runChild(
      `${PRELUDE}
await run(function* () {
  const opens = [];
  for (let i = 0; i < 8; i++) opens.push(spawn(open(fifo(i), i % 2 === 0 ? "r" : "w")));
  yield* until("the 8 opens wait in the kernel", () => inOpen() === 8);
  for (const t of opens) t.kill();
  // Killed before their open reached the kernel.
  for (let i = 10; i < 12; i++) {
    const t = spawn(open(fifo(i), "r"));
    yield* schedule();
    t.kill();
  }
  for (let i = 8; i < 10; i++) {
    try { yield* timeout(20, open(fifo(i), "r")); } catch (e) { if (!(e instanceof TimeoutError)) throw e; }
  }
  yield* until("no thread waits in an open", () => inOpen() === 0);
  console.log("released");
  const text = yield* prompt("readFile", readFile(reg));
  if (text.toString() !== "regular content") throw new Error("readFile read " + text);
  yield* prompt("lookup", call(() => dns.promises.lookup("localhost")));
});
console.log("done");
`,
      { DIR: dir },
    );
    assertRan(r, 0, /released/, /readFile ok/, /lookup ok/, /done/);
  });
});

test("opens and reads of FIFOs that wait (not killed) do not hold the threads of other file I/O", async () => {
  await withTempDir("stuck", async (dir) => {
    const r = runChild(
      `${PRELUDE}
await run(function* () {
  const paths = [];
  const waiting = [];
  for (let i = 0; i < 6; i++) {
    paths.push(fifo(i));
    waiting.push(spawn(open(paths[i], "r")));
  }
  const { files, tasklets } = yield* readers(6, 12);
  yield* schedule();
  const text = yield* prompt("readFile", readFile(reg));
  if (text.toString() !== "regular content") throw new Error("readFile read " + text);
  yield* prompt("lookup", call(() => dns.promises.lookup("localhost")));
  // The waits still end as the kernel says: a writer opens each FIFO, data comes to the other.
  for (const p of paths) fs.closeSync(fs.openSync(p, "w"));
  for (const t of waiting) yield* (yield* t.join()).close();
  for (let i = 6; i < 12; i++) fs.writeFileSync(DIR + "/fifo" + i, "x");
  let n = 0;
  for (const t of tasklets) n += yield* t.join();
  for (const f of files) yield* f.close();
  console.log("opened and read " + n);
});
console.log("done");
`,
      { DIR: dir },
    );
    assertRan(r, 0, /readFile ok/, /lookup ok/, /opened and read 6/);
  });
});

test("a file operation still waiting on a FIFO does not keep process.exit() from exiting", async () => {
  await withTempDir("stuck", async (dir) => {
    const r = runChild(
      `${PRELUDE}
await run(function* () {
  spawn(open(fifo(0), "r"));
  spawn(open(fifo(1), "w"));
  yield* readers(2, 3);
  yield* until("the opens and the read wait", () => inOpen() === 2 && inPoll() >= 1);
  console.log("exiting");
  process.exit(3);
});
`,
      { DIR: dir },
    );
    assertRan(r, 3, /exiting/);
  });
});

test("releasing a killed open of a FIFO leaves alone an open of ours that still waits on it", async () => {
  await withTempDir("stuck", async (dir) => {
    const r = runChild(
      `${PRELUDE}
await run(function* () {
  const p = fifo(0);
  const live = spawn(open(p, "r"));
  const killed = spawn(open(p, "r"));
  yield* until("both opens wait in the kernel", () => inOpen() === 2);
  killed.kill();
  yield* sleep(200); // a release now would make both opens return, the live one with no writer
  console.log(live.isRunning() && inOpen() === 2 ? "live still waits" : "live returned early");
  const w = fs.openSync(p, "w");
  fs.writeSync(w, "data");
  fs.closeSync(w);
  const f = yield* live.join();
  const buf = Buffer.alloc(8);
  const n = yield* f.read(buf);
  console.log("read " + buf.subarray(0, n).toString());
  yield* f.close();
});
`,
      { DIR: dir },
    );
    assertRan(r, 0, /live still waits/, /read data/);
  });
});

test("killed reads of FIFOs that nobody writes to give their threads back, consume nothing, and let the process exit", async () => {
  await withTempDir("stuck", async (dir) => {
    const r = runChild(
      `${PRELUDE}
await run(function* () {
  const { files, tasklets } = yield* readers(0, 6);
  yield* until("the 6 reads wait", () => inPoll() >= 6);
  for (const t of tasklets) t.kill();
  yield* until("no read waits", () => inPoll() === 0);
  console.log("released");
  yield* prompt("readFile", readFile(reg));
  // What comes later goes to the next read: the killed ones took nothing.
  fs.writeFileSync(DIR + "/fifo0", "later");
  const buf = Buffer.alloc(8);
  const n = yield* timeout(${PROMPT_MS}, files[0].read(buf));
  console.log("next read got " + buf.subarray(0, n).toString());
  for (const f of files) yield* f.close();
});
console.log("done");
`,
      { DIR: dir },
    );
    assertRan(r, 0, /released/, /readFile ok/, /next read got later/, /done/);
  });
});
