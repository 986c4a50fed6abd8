import assert from "node:assert/strict";
import { test } from "node:test";
import { ClosedError, IOError, type Operation, run, schedule, spawn, TimeoutError, timeout } from "../../src/index.js";
import type { ProcessOutput } from "../../src/io/pipe.js";
import { type Subprocess, spawnProcess, withProcess } from "../../src/io/process.js";
import { errorOf, GIVE_UP_MS, pollUntil } from "../helpers.js";
import { isAlive, killQuietly } from "./helpers.js";

/** Reads a pipe to its end. */
function* readAll(out: ProcessOutput): Operation<string> {
  const buf = Buffer.alloc(7); // small on purpose: several recvs per chunk
  let s = "";
  for (;;) {
    try {
      const n = yield* out.recv(buf);
      assert.ok(n > 0);
      s += buf.subarray(0, n).toString();
    } catch (e) {
      if (e instanceof ClosedError) return s;
      throw e;
    }
  }
}

test("a streamed process: send to stdin, recv from stdout until ClosedError, wait for the exit status", async () => {
  await run(function* () {
    const p = spawnProcess(["sh", "-c", "tr a-z A-Z; echo bye >&2; exit 7"]);
    try {
      const stdin = p.stdin as NonNullable<typeof p.stdin>;
      assert.equal(yield* stdin.send(Buffer.from("hello ")), 6);
      yield* stdin.send(Buffer.from("world"));
      stdin.close();
      const err = spawn(readAll(p.stderr as ProcessOutput));
      assert.equal(yield* readAll(p.stdout as ProcessOutput), "HELLO WORLD");
      assert.equal(yield* err.join(), "bye\n");
      assert.equal(yield* p.wait(), 7);
      assert.equal(p.exitStatus, 7);
      assert.equal(yield* p.wait(), 7, "a later wait returns at once");
    } finally {
      p.kill();
    }
  });
});

test("a withdrawn recv takes nothing: the bytes come to the next recv", async () => {
  await run(function* () {
    const p = spawnProcess(["cat"]);
    try {
      const stdin = p.stdin as NonNullable<typeof p.stdin>;
      const stdout = p.stdout as ProcessOutput;
      const buf = Buffer.alloc(64);
      yield* errorOf(timeout(30, stdout.recv(buf)), TimeoutError);
      const t = spawn(stdout.recv(buf));
      yield* schedule(); // t runs and waits in recv
      assert.equal(t.stateName, "blocked");
      t.kill();
      yield* stdin.send(Buffer.from("kept"));
      const n = yield* timeout(GIVE_UP_MS, stdout.recv(buf));
      assert.equal(buf.subarray(0, n).toString(), "kept");
    } finally {
      p.kill();
    }
  });
});

test("send blocks while the child does not read, and a kill of the group ends it with EPIPE", async () => {
  await run(function* () {
    const p = spawnProcess(["sleep", "30"], { stdout: "ignore", stderr: "ignore" });
    try {
      const stdin = p.stdin as NonNullable<typeof p.stdin>;
      const chunk = Buffer.alloc(64 * 1024);
      let sent = 0;
      yield* errorOf(
        timeout(
          300,
          (function* (): Operation<void> {
            for (;;) sent += yield* stdin.send(chunk);
          })(),
        ),
        TimeoutError,
      );
      // A pipe holds 64 KiB and the stream 16 KiB more: send stopped after a few chunks.
      assert.ok(sent > 0 && sent <= 4 * chunk.length, `sent ${sent} bytes to a child that reads nothing`);
      const blocked = spawn(stdin.send(chunk));
      assert.ok(p.kill());
      // Joined at once: a failure nobody joins before the runtime goes idle is reported as uncaught.
      const e = yield* errorOf(timeout(GIVE_UP_MS, blocked.join()), IOError);
      assert.equal(e.code, "EPIPE");
      assert.equal(yield* p.wait(), 128 + 9);
    } finally {
      p.kill();
    }
  });
});

test("wait() returns at the exit even while a grandchild holds the pipes; kill() then reaches the grandchild", async () => {
  await run(function* () {
    const p = spawnProcess("sleep 30 & echo $!");
    try {
      const stdout = p.stdout as ProcessOutput;
      assert.equal(yield* timeout(GIVE_UP_MS, p.wait()), 0);
      const buf = Buffer.alloc(32);
      const n = yield* stdout.recv(buf);
      const grandchild = Number(buf.subarray(0, n).toString().trim());
      assert.ok(isAlive(grandchild));
      assert.ok(p.kill(), "the group still has the grandchild");
      yield* pollUntil("the grandchild is dead", () => !isAlive(grandchild));
      yield* errorOf(timeout(GIVE_UP_MS, stdout.recv(buf)), ClosedError);
    } finally {
      p.kill();
    }
  });
});

test("a process that cannot start makes wait() throw IOError; exited is a Waitable", async () => {
  await run(function* () {
    const p = spawnProcess(["/nonexistent/program"]);
    assert.equal(p.pid, undefined);
    const e = yield* errorOf(p.wait(), IOError);
    assert.equal(e.code, "ENOENT");
    assert.equal(p.kill(), false);
    const q = spawnProcess(["true"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    assert.equal(typeof q.exited.poll, "function");
    assert.equal(yield* q.wait(), 0);
    assert.equal(q.exited.poll(undefined as never), 0, "polled after the exit, the Waitable gives the status");
  });
  assert.throws(
    () => spawnProcess("true", { stdout: "file" as never }),
    /stdio modes are "pipe", "ignore" or "inherit"/,
  );
});

test("withProcess kills the whole group when its tasklet is killed in the middle of a recv", async () => {
  let pids: number[] = [];
  try {
    await run(function* () {
      const t = spawn(
        withProcess("sleep 30 & echo $$ $!; wait", {}, function* (p: Subprocess): Operation<void> {
          const buf = Buffer.alloc(64);
          const n = yield* (p.stdout as ProcessOutput).recv(buf);
          pids = buf.subarray(0, n).toString().trim().split(" ").map(Number);
          yield* (p.stdout as ProcessOutput).recv(buf); // waits: nothing more comes
        }),
      );
      yield* pollUntil("both pids were read", () => pids.length === 2);
      assert.ok(pids.every(isAlive));
      t.kill();
      yield* pollUntil("the shell and its sleep were killed", () => !pids.some(isAlive));
    });
  } finally {
    for (const pid of pids) killQuietly(pid);
  }
  assert.throws(() => withProcess([], {}, function* () {}), /withProcess: command must be/);
});
