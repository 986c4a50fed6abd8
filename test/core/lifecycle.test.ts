import assert from "node:assert/strict";
import { test } from "node:test";
import {
  call,
  current,
  exit,
  KilledError,
  NotJoinableError,
  type Operation,
  run,
  schedule,
  sleep,
  spawn,
  TaskletLocal,
} from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";
import { errorOf } from "../helpers.js";

function* value<T>(v: T): Operation<T> {
  yield* schedule();
  return v;
}

test("join returns the tasklet's value; a tasklet knows its id and name", async () => {
  const r = await run(function* () {
    const t = spawn(value(21), { name: "doubler" });
    assert.equal(t.name, "doubler");
    assert.equal(t.isRunning(), true);
    assert.equal(t.isJoinable(), true);
    const v = yield* t.join();
    assert.equal(t.isRunning(), false);
    assert.equal(spawn(value(0)).name, `tasklet-${t.id + 1}`);
    return v * 2;
  });
  assert.equal(r, 42);
});

test("join rethrows the tasklet's error", async () => {
  await run(function* () {
    const t = spawn(function* (): Operation<void> {
      yield* schedule();
      throw new Error("boom");
    });
    assert.equal((yield* errorOf(t.join(), Error)).message, "boom");
  });
});

test("join of a non-joinable tasklet throws NotJoinableError at the call", async () => {
  await run(function* () {
    const t = spawn(value(1), { joinable: false });
    assert.equal(t.isJoinable(), false);
    assert.throws(() => t.join(), NotJoinableError);
  });
});

test("exit from depth 3 ends the tasklet with its value, running every finally", async () => {
  const log: string[] = [];
  function* level3(): Operation<void> {
    try {
      yield* exit("early");
      log.push("unreachable");
    } finally {
      log.push("f3");
    }
  }
  function* level2(): Operation<void> {
    try {
      yield* level3();
    } finally {
      log.push("f2");
    }
  }
  function* level1(): Operation<string> {
    try {
      yield* level2();
      return "late";
    } finally {
      log.push("f1");
    }
  }
  const v = await run(function* () {
    return yield* spawn(level1()).join();
  });
  assert.equal(v, "early");
  assert.deepEqual(log, ["f3", "f2", "f1"]);
});

test("kill at every kind of suspension: cleanup runs, join throws KilledError", async () => {
  const cleaned: string[] = [];
  function* blocked(kind: string, wait: () => Operation<unknown>): Operation<void> {
    try {
      yield* wait();
      cleaned.push(`${kind} not killed`);
    } finally {
      cleaned.push(kind);
    }
  }
  await run(function* () {
    const never = spawn(sleep(1e9));
    const waits: Record<string, () => Operation<unknown>> = {
      sleep: () => sleep(60_000),
      schedule: () => schedule(),
      join: () => never.join(),
      call: () => call(() => new Promise(() => {})),
    };
    const ts = Object.entries(waits).map(([k, w]) => spawn(blocked(k, w)));
    yield* schedule(); // all are now suspended (schedule: ready, others: blocked)
    for (const t of ts) t.kill();
    for (const t of ts) {
      yield* errorOf(t.join(), KilledError);
    }
    never.kill();
  });
  assert.deepEqual(cleaned.sort(), ["call", "join", "schedule", "sleep"]);
});

test("call() passes a signal that a kill aborts", async () => {
  let reason: unknown;
  await run(function* () {
    const t = spawn(
      call(
        (signal) =>
          new Promise((_, reject) => {
            signal.addEventListener("abort", () => {
              reason = signal.reason;
              reject(signal.reason);
            });
          }),
      ),
    );
    yield* schedule();
    t.kill();
    yield* errorOf(t.join(), KilledError);
  });
  assert.ok(reason instanceof KilledError);
});

test("a cleanup that blocks runs to its end before join returns", async () => {
  const log: string[] = [];
  await runTest(function* () {
    const t = spawn(function* () {
      try {
        yield* sleep(60_000);
      } finally {
        log.push("cleanup start");
        yield* sleep(5);
        yield* schedule();
        log.push("cleanup end");
      }
    });
    yield* sleep(1);
    t.kill();
    assert.equal(t.isRunning(), true, "still cleaning up");
    yield* errorOf(t.join(), KilledError);
    log.push("joined");
  });
  assert.deepEqual(log, ["cleanup start", "cleanup end", "joined"]);
});

test("a tasklet killed while running dies at its next suspension point", async () => {
  const log: string[] = [];
  await run(function* () {
    const t = spawn(function* () {
      current().kill();
      log.push("still running after kill()");
      try {
        yield* schedule();
        log.push("not reached");
      } finally {
        log.push("finally");
      }
    });
    yield* errorOf(t.join(), KilledError);
  });
  assert.deepEqual(log, ["still running after kill()", "finally"]);
});

test("killing a tasklet that ended, or twice, does nothing", async () => {
  await run(function* () {
    const t = spawn(value(5));
    assert.equal(yield* t.join(), 5);
    t.kill();
    assert.equal(yield* t.join(), 5);
    const u = spawn(sleep(10_000));
    yield* schedule();
    u.kill();
    u.kill();
    yield* errorOf(u.join(), KilledError);
  });
});

test("a tasklet killed before it starts runs none of its code", async () => {
  let ran = false;
  await run(function* () {
    const t = spawn(function* () {
      ran = true;
    });
    t.kill();
    yield* errorOf(t.join(), KilledError);
  });
  assert.equal(ran, false);
});

test("100 000 tasklets spawned and joined", async () => {
  function* leaf(i: number): Operation<number> {
    if (i % 3 === 0) yield* schedule();
    return i;
  }
  const sum = await run(function* () {
    const ts = [];
    for (let i = 0; i < 100_000; i++) ts.push(spawn(leaf(i)));
    let s = 0;
    for (const t of ts) s += yield* t.join();
    return s;
  });
  assert.equal(sum, (100_000 * 99_999) / 2);
});

test("TaskletLocal: one value per tasklet, inherited at spawn, copied on write", async () => {
  const rid = new TaskletLocal("none");
  await run(function* () {
    assert.equal(rid.get(), "none");
    rid.set("parent");
    const child = spawn(function* () {
      const inherited = rid.get();
      rid.set("child");
      yield* schedule();
      return [inherited, rid.get()];
    });
    rid.set("parent-later");
    assert.deepEqual(yield* child.join(), ["parent", "child"]);
    assert.equal(rid.get(), "parent-later");
  });
  assert.throws(() => rid.get(), /inside a tasklet/);
});

test("an operation used outside a tasklet, or yielded without *, is a clear error", async () => {
  assert.throws(() => [...(sleep(1) as Iterable<unknown>)], /inside a tasklet/);
  await assert.rejects(
    run(function* () {
      yield sleep(1) as never;
    }),
    /yield\*, not yield/,
  );
});
