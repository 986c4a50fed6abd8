// A deadlock is declared only when nothing outside the runtime could still
// wake a tasklet: while Node's event loop holds something alive and
// referenced (a timer, a socket, a child process, a pending fs request), the
// runtime waits; once those are gone, a true deadlock is reported promptly.
import assert from "node:assert/strict";
import { spawn as spawnChild, spawnSync } from "node:child_process";
import { readFile } from "node:fs";
import net from "node:net";
import { test } from "node:test";
import { channel, DeadlockError, Event, run } from "../../src/index.js";

const INDEX = JSON.stringify(new URL("../../src/index.js", import.meta.url).href);
/** How long a true deadlock may take to be reported once nothing outside is left (the bound). */
const REPORT_WITHIN_MS = 1000;

test("a host timer that feeds a channel with sendAsync is not a deadlock", async () => {
  const ch = channel<number>();
  setTimeout(() => ch.sendAsync(42), 100);
  const v = await run(function* () {
    return yield* ch.recv();
  });
  assert.equal(v, 42);
});

test("a host timer that sets an Event is not a deadlock", async () => {
  const ev = new Event();
  setTimeout(() => ev.set(), 100);
  const v = await run(function* () {
    yield* ev.wait();
    return "set";
  });
  assert.equal(v, "set");
});

test("the README's pattern: socket.on('data', d => ch.sendAsync(d)) feeds a tasklet", async () => {
  const server = net.createServer((s) => {
    setTimeout(() => s.end("hello"), 100);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const ch = channel<string>(16);
    const socket = net.connect(port, "127.0.0.1");
    socket.on("data", (d) => ch.sendAsync(d.toString()));
    socket.on("end", () => ch.close());
    const got = await run(function* () {
      let all = "";
      for (;;) {
        const r = yield* ch.recvOrDone();
        if (r.done) return all;
        all += r.value;
      }
    });
    assert.equal(got, "hello");
  } finally {
    server.close();
  }
});

test("a child process whose exit callback feeds a channel is not a deadlock", async () => {
  const ch = channel<number | null>();
  const child = spawnChild("sleep", ["0.1"]);
  child.on("exit", (code) => ch.sendAsync(code));
  const v = await run(function* () {
    return yield* ch.recv();
  });
  assert.equal(v, 0);
});

test("a pending fs request whose callback feeds a channel is not a deadlock", async () => {
  const ch = channel<number>();
  readFile(new URL(import.meta.url), (_e, data) => ch.sendAsync(data.length));
  const v = await run(function* () {
    return yield* ch.recv();
  });
  assert.ok(v > 0);
});

test("a true deadlock is still reported within 1 s of the last outside resource going away", async () => {
  const ch = channel<number>();
  let timerFiredAt = 0;
  setTimeout(() => {
    timerFiredAt = performance.now(); // does nothing for the channel
  }, 100);
  const err = await run(function* () {
    return yield* ch.recv();
  }).catch((e: unknown) => e);
  const reportedAt = performance.now();
  assert.ok(err instanceof DeadlockError, String(err));
  assert.ok(timerFiredAt > 0, "the deadlock must not be declared while the host timer is pending");
  assert.ok(reportedAt - timerFiredAt < REPORT_WITHIN_MS, `reported ${Math.round(reportedAt - timerFiredAt)} ms late`);
});

test("a true deadlock with nothing outside is reported at once", async () => {
  const t0 = performance.now();
  const err = await run(function* () {
    yield* channel<number>().recv();
  }).catch((e: unknown) => e);
  assert.ok(err instanceof DeadlockError);
  assert.ok(performance.now() - t0 < REPORT_WITHIN_MS);
});

test("under main(), a host callback that feeds a channel exits 0; a true deadlock exits 2", () => {
  const ok = spawnSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { main, channel } from ${INDEX};
       const ch = channel();
       setTimeout(() => ch.sendAsync("from the host"), 100);
       main(function* () { console.log(yield* ch.recv()); });`,
    ],
    { encoding: "utf8", timeout: 20_000 },
  );
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout.trim(), "from the host");
  const dead = spawnSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { main, channel } from ${INDEX};
       const ch = channel();
       setTimeout(() => {}, 100);
       main(function* () { yield* ch.recv(); });`,
    ],
    { encoding: "utf8", timeout: 20_000 },
  );
  assert.equal(dead.status, 2, dead.stderr);
  assert.match(dead.stderr, /deadlock/);
});
