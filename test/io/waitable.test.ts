/**
 * The Waitables of the io layer (a process's exit, a signal, a SignalSet)
 * used as cases of the sync layer's select: poll, enqueue with `n.sel` set,
 * one winner through `wakeNode`, the losers dequeued with no side effect,
 * and `rt.holds` back to where it was.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runtime } from "../../src/core/runtime.js";
import { run, schedule, select, spawn, TimeoutError, timeout } from "../../src/index.js";
import { spawnProcess } from "../../src/io/process.js";
import { signalWaitable, watchSignals } from "../../src/io/signal.js";
import { errorOf, GIVE_UP_MS } from "../helpers.js";

test("a select over a process's exit and a signal: the signal wins, the exit case is withdrawn", async () => {
  await run(function* () {
    const holds = runtime().holds;
    const p = spawnProcess(["sleep", "30"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    try {
      const t = spawn(select(p.exited, signalWaitable("SIGURG")));
      yield* schedule();
      assert.equal(runtime().holds, holds + 2, "each waiting case holds the runtime");
      process.kill(process.pid, "SIGURG");
      assert.deepEqual(yield* timeout(GIVE_UP_MS, t.join()), { index: 1, value: "SIGURG" });
      assert.equal(runtime().holds, holds, "the losing exit case was withdrawn");
      assert.equal(process.listenerCount("SIGURG"), 0);
    } finally {
      p.kill();
    }
    // Now the exit wins, and the signal case lets go of its handler.
    assert.deepEqual(yield* timeout(GIVE_UP_MS, select(p.exited, signalWaitable("SIGURG"))), {
      index: 0,
      value: 128 + 9,
    });
    assert.equal(process.listenerCount("SIGURG"), 0);
    assert.equal(runtime().holds, holds);
  });
});

test("a select withdrawn by timeout() leaves every source as it was; a SignalSet case takes one pending signal", async () => {
  await run(function* () {
    const holds = runtime().holds;
    const sigs = watchSignals("SIGURG");
    const p = spawnProcess(["sleep", "30"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    try {
      yield* errorOf(timeout(20, select(p.exited, sigs)), TimeoutError);
      assert.equal(runtime().holds, holds);
      process.kill(process.pid, "SIGURG");
      assert.deepEqual(yield* timeout(GIVE_UP_MS, select(p.exited, sigs)), { index: 1, value: "SIGURG" });
      yield* errorOf(timeout(20, select(sigs)), TimeoutError);
    } finally {
      sigs.close();
      p.kill();
    }
  });
});
