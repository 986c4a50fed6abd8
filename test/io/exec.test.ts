import assert from "node:assert/strict";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { IOError, type Operation, run, sleep, spawn, TimeoutError, timeout } from "../../src/index.js";
import { exec, OutputLimitError } from "../../src/io/exec.js";
import { errorOf, pollUntil } from "../helpers.js";
import { isAlive, killQuietly } from "./helpers.js";

test("exec captures stdout, stderr and the exit code", async () => {
  const r = await run(exec(["sh", "-c", "echo out; echo err >&2; exit 3"]));
  assert.deepEqual(r, { stdout: "out\n", stderr: "err\n", exitStatus: 3 });
});

test("a command line runs through /bin/sh; a process ended by a signal has status 128 + its number", async () => {
  await run(function* () {
    assert.equal((yield* exec("echo $((40 + 2))")).stdout, "42\n");
    assert.equal((yield* exec("kill -TERM $$")).exitStatus, 128 + 15);
    assert.equal((yield* exec(["sh", "-c", "kill -KILL $$"])).exitStatus, 128 + 9);
  });
});

test("exec passes input on stdin, and honours cwd and env", async () => {
  const dir = fs.mkdtempSync(join(tmpdir(), "tasklet-exec-"));
  try {
    await run(function* () {
      assert.equal((yield* exec(["cat"], { input: "line 1\nline 2\n" })).stdout, "line 1\nline 2\n");
      assert.equal((yield* exec(["cat"], { input: Buffer.from([0x68, 0x69]) })).stdout, "hi");
      assert.equal((yield* exec(["cat"])).stdout, "", "without input, stdin is empty");
      assert.equal((yield* exec("pwd", { cwd: dir })).stdout.trim(), fs.realpathSync(dir));
      assert.equal((yield* exec("echo $GREETING", { env: { GREETING: "ciao" } })).stdout, "ciao\n");
      // A child that does not read its input is not an error.
      assert.equal((yield* exec("exit 0", { input: "x".repeat(1 << 20) })).exitStatus, 0);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a command that cannot start throws IOError with the system's code; bad arguments throw at the call", async () => {
  await run(function* () {
    const e = yield* errorOf(exec(["/nonexistent/program"]), IOError);
    assert.equal(e.code, "ENOENT");
  });
  assert.throws(() => exec([]), /exec: command must be a command line or a non-empty array of strings/);
  assert.throws(() => exec("true", { maxOutput: -1 }), /exec: options.maxOutput must be an integer >= 0/);
  assert.throws(() => exec("true", { cwd: 5 as unknown as string }), /exec: options.cwd must be a string/);
});

test("output over maxOutput kills the process and throws OutputLimitError with the first bytes", async () => {
  await run(function* () {
    const e = yield* errorOf(exec(["sh", "-c", "echo start; exec yes"], { maxOutput: 1000 }), OutputLimitError);
    assert.equal(e.code, "ERR_OUTPUT_LIMIT");
    assert.equal(e.stdout.length, 1000);
    assert.ok(e.stdout.startsWith("start\ny\ny\n"));
    // Exactly at the limit is fine.
    assert.equal((yield* exec(["printf", "12345"], { maxOutput: 5 })).stdout, "12345");
  });
});

test("a grandchild that holds the pipes does not keep exec waiting", async () => {
  let grandchild: number | undefined;
  try {
    const started = Date.now();
    const r = await run(exec("sleep 30 & echo $!; echo done"));
    const lines = r.stdout.trim().split("\n");
    grandchild = Number(lines[0]);
    assert.equal(lines[1], "done");
    assert.equal(r.exitStatus, 0);
    assert.ok(Date.now() - started < 20_000, "returned long before the grandchild's 30 s");
    assert.ok(isAlive(grandchild), "a normal exit leaves a background grandchild alone");
  } finally {
    killQuietly(grandchild);
  }
});

test("killing the tasklet kills the whole process group, grandchildren included", async () => {
  const dir = fs.mkdtempSync(join(tmpdir(), "tasklet-exec-"));
  const pidFile = join(dir, "pids");
  let pids: number[] = [];
  try {
    await run(function* () {
      const t = spawn(exec(["sh", "-c", `sleep 30 & echo $$ $! > ${pidFile}; wait`]));
      yield* pollUntil(
        "the shell wrote its pid",
        () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, "utf8").endsWith("\n"),
      );
      pids = fs.readFileSync(pidFile, "utf8").trim().split(" ").map(Number);
      assert.equal(pids.length, 2);
      assert.ok(pids.every(isAlive));
      t.kill();
      yield* pollUntil("the shell and its sleep were killed", () => !pids.some(isAlive));
      assert.equal(t.isRunning(), false);
    });
  } finally {
    for (const pid of pids) killQuietly(pid);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("timeout() around exec throws TimeoutError and kills the process", async () => {
  const dir = fs.mkdtempSync(join(tmpdir(), "tasklet-exec-"));
  const pidFile = join(dir, "pid");
  let pid: number | undefined;
  try {
    await run(function* () {
      yield* errorOf(timeout(300, exec(["sh", "-c", `echo $$ > ${pidFile}; exec sleep 30`])), TimeoutError);
      pid = Number(fs.readFileSync(pidFile, "utf8"));
      const p = pid;
      yield* pollUntil("the child is dead", () => !isAlive(p));
    });
  } finally {
    killQuietly(pid);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("exec blocks only its tasklet: others run while the child runs", async () => {
  const log: string[] = [];
  await run(function* () {
    const t = spawn(function* (): Operation<void> {
      yield* exec(["sleep", "0.2"]);
      log.push("exec done");
    });
    for (let i = 0; i < 3; i++) {
      yield* sleep(10);
      log.push(`tick ${i}`);
    }
    yield* t.join();
  });
  assert.deepEqual(log, ["tick 0", "tick 1", "tick 2", "exec done"]);
});
