/**
 * Dumps show no secrets: a tasklet that waits on a child process is shown
 * with the program and the count of its arguments, not the arguments
 * (`--password=…`); TASKLET_TRACE=1, read when the process starts, shows
 * the whole argv.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { dump, type Operation, run, schedule, spawn, tasklets } from "../../src/index.js";
import { exec } from "../../src/io/exec.js";
import { spawnProcess } from "../../src/io/process.js";
import { withTrace } from "../io/trace-env.js";

const SECRET = "--password=hunter2-secret";

/** dump() and tasklets() while one tasklet waits in exec, one on a process's exit and one reads its stdout. */
async function snapshots(): Promise<{ text: string; infos: string }> {
  return await run(function* () {
    const p = spawnProcess(["sh", "-c", "sleep 30", "sh", SECRET], { stdin: "ignore", stderr: "ignore" });
    const waiters = [
      spawn(exec(["sh", "-c", "sleep 30", "sh", SECRET]), { name: "execer" }),
      spawn(p.wait(), { name: "waiter" }),
      spawn(
        function* (): Operation<number> {
          return yield* (p.stdout as NonNullable<typeof p.stdout>).recv(Buffer.alloc(4));
        },
        { name: "reader" },
      ),
    ];
    try {
      yield* schedule();
      const text = dump();
      const infos = JSON.stringify(tasklets());
      return { text, infos };
    } finally {
      for (const t of waiters) t.kill();
      p.close();
    }
  });
}

test("dump() and tasklets() show a process by its program and argument count, not its arguments", async () => {
  const { text, infos } = await withTrace(undefined, snapshots);
  assert.ok(!text.includes("hunter2"), `dump() shows the secret argument:\n${text}`);
  assert.ok(!infos.includes("hunter2"), `tasklets() shows the secret argument:\n${infos}`);
  assert.match(text, /the exit of process \d+ \(sh \(\+4 args\)\)/, text);
  assert.match(text, /recv on stdout of sh \(\+4 args\)/, text);
  assert.match(infos, /the exit of process \d+ \(sh \(\+4 args\)\)/);
});

test("under TASKLET_TRACE=1 dump() and tasklets() show the whole argv of a process", async () => {
  const { text, infos } = await withTrace("1", snapshots);
  assert.ok(text.includes(SECRET), `dump() does not show the argv:\n${text}`);
  assert.ok(infos.includes(SECRET), `tasklets() does not show the argv:\n${infos}`);
});
