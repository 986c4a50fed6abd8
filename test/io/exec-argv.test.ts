/**
 * What a child process's command shows in messages: its arguments may hold
 * secrets (`--password=…`, a token in a URL), and errors end up in logs. By
 * default a process is named by its program and the count of its
 * arguments (`sh (+3 args)`); TASKLET_TRACE=1, read when the process is
 * started, shows the whole argv. Also: a `cwd` that does not exist is said
 * to be that, not "spawn true ENOENT".
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { inspect } from "node:util";
import { IOError, run } from "../../src/index.js";
import { exec, OutputLimitError } from "../../src/io/exec.js";
import { spawnProcess } from "../../src/io/process.js";
import { errorOf } from "../helpers.js";
import { withTempDir } from "./helpers.js";
import { withTrace } from "./trace-env.js";

const SECRET = "--password=hunter2-secret";

/** Everything an error shows when logged: its message and, through inspect, its cause and fields. */
function shown(e: unknown): string {
  return `${String(e)}\n${inspect(e, { depth: 5 })}`;
}

/** The errors of exec whose text names the command: a program that does not exist, a missing cwd, output over the limit. */
async function execErrors(): Promise<{ missing: IOError; cwd: IOError; over: OutputLimitError }> {
  return await withTempDir("argv", async (dir) =>
    run(function* () {
      const missing = yield* errorOf(exec(["/nonexistent/program", SECRET]), IOError);
      const cwd = yield* errorOf(exec(["true", SECRET], { cwd: join(dir, "gone") }), IOError);
      const over = yield* errorOf(exec(["sh", "-c", "yes", SECRET], { maxOutput: 10 }), OutputLimitError);
      return { missing, cwd, over };
    }),
  );
}

test("exec errors name the program and the count of its arguments, not the arguments", async () => {
  const errors = await withTrace(undefined, execErrors);
  for (const [what, e] of Object.entries(errors)) {
    assert.ok(!shown(e).includes("hunter2"), `${what}: the secret argument shows:\n${shown(e)}`);
  }
  assert.match(errors.missing.message, /\/nonexistent\/program \(\+1 arg\)/);
  assert.equal(errors.missing.code, "ENOENT");
  assert.match(errors.over.message, /^exec sh \(\+3 args\): output over the limit of 10 bytes/);
});

test("under TASKLET_TRACE=1 exec errors show the whole argv", async () => {
  const errors = await withTrace("1", execErrors);
  for (const [what, e] of Object.entries(errors)) {
    assert.ok(e.message.includes(SECRET), `${what}: the argv is not shown:\n${e.message}`);
  }
});

test("exec in a cwd that does not exist says so: the function, the option, what it got and what it expects", async () => {
  await withTempDir("argv", async (dir) => {
    const gone = join(dir, "gone");
    const file = join(dir, "file");
    fs.writeFileSync(file, "");
    await run(function* () {
      const e = yield* errorOf(exec(["true"], { cwd: gone }), IOError);
      assert.equal(e.code, "ENOENT");
      assert.equal(
        e.message,
        `exec true: options.cwd must be an existing directory, got ${JSON.stringify(gone)}, which does not exist`,
      );
      const f = yield* errorOf(exec("true", { cwd: file }), IOError);
      assert.match(f.message, /options\.cwd must be an existing directory, got ".*\/file", which is not a directory$/);
      // spawnProcess says it when its wait() ends.
      const p = spawnProcess(["true"], { cwd: gone });
      const w = yield* errorOf(p.wait(), IOError);
      assert.match(w.message, /^spawnProcess true: options\.cwd must be an existing directory/);
    });
  });
});
