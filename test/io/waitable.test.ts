/**
 * The Waitables of the io layer (a process's exit, a signal, a SignalSet)
 * used as select cases. The sync layer's select is built elsewhere; this
 * test drives the core's protocol (wait.ts) with a minimal select of its
 * own, so that what a real select relies on is checked here: poll, enqueue
 * with `n.sel` set, one winner through `wakeNode`, the losers dequeued with
 * no side effect, and `rt.holds` back to where it was.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Op, type Operation, PARK, type Park } from "../../src/core/op.js";
import { runtime } from "../../src/core/runtime.js";
import type { Tasklet } from "../../src/core/tasklet.js";
import { type Blocker, NOT_READY, type Selector, type Waitable, WaitNode } from "../../src/core/wait.js";
import { run, schedule, spawn, TimeoutError, timeout } from "../../src/index.js";
import { spawnProcess } from "../../src/io/process.js";
import { signalWaitable, watchSignals } from "../../src/io/signal.js";
import { assertThrows, GIVE_UP_MS } from "./helpers.js";

/** Waits for the first of `cases`: [its index, its value]. */
class MiniSelect extends Op<[number, unknown]> implements Selector, Blocker {
  private nodes: WaitNode[] = [];
  private t: Tasklet | null = null;
  constructor(private readonly cases: Waitable<unknown>[]) {
    super();
  }
  start(t: Tasklet): [number, unknown] | Park {
    for (let i = 0; i < this.cases.length; i++) {
      const v = (this.cases[i] as Waitable<unknown>).poll(t);
      if (v !== NOT_READY) return [i, v];
    }
    this.t = t;
    this.nodes = this.cases.map((c, i) => {
      const n = new WaitNode(t);
      n.sel = this;
      n.tag = i;
      c.enqueue(n);
      return n;
    });
    t.rt.park(t, this);
    return PARK;
  }
  win(n: WaitNode, value: unknown, isError: boolean): void {
    for (const m of this.nodes) if (m !== n) (this.cases[m.tag] as Waitable<unknown>).dequeue(m);
    const t = this.t as Tasklet;
    if (isError) t.rt.wakeThrow(t, value);
    else t.rt.wake(t, [n.tag, value]);
  }
  withdraw(): void {
    for (const m of this.nodes) (this.cases[m.tag] as Waitable<unknown>).dequeue(m);
  }
  describe(): string {
    return `select of ${this.cases.map((c) => c.describe()).join(", ")}`;
  }
}

function select(...cases: Waitable<unknown>[]): Operation<[number, unknown]> {
  return new MiniSelect(cases);
}

test("a select over a process's exit and a signal: the signal wins, the exit case is withdrawn", async () => {
  await run(function* () {
    const holds = runtime().holds;
    const p = spawnProcess(["sleep", "30"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    try {
      const t = spawn(select(p.exited, signalWaitable("SIGUSR2")));
      yield* schedule();
      assert.equal(runtime().holds, holds + 2, "each waiting case holds the runtime");
      process.kill(process.pid, "SIGUSR2");
      assert.deepEqual(yield* timeout(GIVE_UP_MS, t.join()), [1, "SIGUSR2"]);
      assert.equal(runtime().holds, holds, "the losing exit case was withdrawn");
      assert.equal(process.listenerCount("SIGUSR2"), 0);
    } finally {
      p.kill();
    }
    // Now the exit wins, and the signal case lets go of its handler.
    assert.deepEqual(yield* timeout(GIVE_UP_MS, select(p.exited, signalWaitable("SIGUSR2"))), [0, 128 + 9]);
    assert.equal(process.listenerCount("SIGUSR2"), 0);
    assert.equal(runtime().holds, holds);
  });
});

test("a select withdrawn by timeout() leaves every source as it was; a SignalSet case takes one pending signal", async () => {
  await run(function* () {
    const holds = runtime().holds;
    const sigs = watchSignals("SIGUSR2");
    const p = spawnProcess(["sleep", "30"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    try {
      yield* assertThrows(timeout(20, select(p.exited, sigs)), TimeoutError);
      assert.equal(runtime().holds, holds);
      process.kill(process.pid, "SIGUSR2");
      assert.deepEqual(yield* timeout(GIVE_UP_MS, select(p.exited, sigs)), [1, "SIGUSR2"]);
      yield* assertThrows(timeout(20, select(sigs)), TimeoutError);
    } finally {
      sigs.close();
      p.kill();
    }
  });
});
