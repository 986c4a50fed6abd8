import assert from "node:assert/strict";
import { test } from "node:test";
import { type Operation, run, schedule, spawn } from "../../src/index.js";

function* note(log: string[], name: string, rounds = 1): Operation<void> {
  for (let i = 0; i < rounds; i++) {
    log.push(`${name}${i}`);
    yield* schedule();
  }
}

test("a spawned tasklet starts only when its spawner suspends", async () => {
  const log: string[] = [];
  await run(function* () {
    spawn(note(log, "child"));
    log.push("spawner still running");
    yield* schedule();
    log.push("spawner back");
  });
  assert.deepEqual(log.slice(0, 3), ["spawner still running", "child0", "spawner back"]);
});

test("spawned tasklets run before those already ready, in spawn order", async () => {
  const log: string[] = [];
  await run(function* () {
    spawn(note(log, "a", 2));
    spawn(note(log, "b", 2));
    yield* schedule(); // a0 b0 run; a and b are now ready again
    spawn(note(log, "c"));
    spawn(note(log, "d"));
    yield* schedule();
    yield* schedule();
  });
  // After the second schedule: c and d (new) before a and b (already ready).
  assert.deepEqual(log, ["a0", "b0", "c0", "d0", "a1", "b1"]);
});

test("ready tasklets run FIFO", async () => {
  const log: string[] = [];
  await run(function* () {
    const ts = ["x", "y", "z"].map((n) => spawn(note(log, n, 3)));
    for (const t of ts) yield* t.join();
  });
  assert.deepEqual(log, ["x0", "y0", "z0", "x1", "y1", "z1", "x2", "y2", "z2"]);
});

test("higher priority runs first, FIFO within a level; normal is the default", async () => {
  const log: string[] = [];
  await run(function* () {
    spawn(note(log, "low", 2), { priority: "low" });
    spawn(note(log, "n1", 2));
    spawn(note(log, "high", 2), { priority: "high" });
    spawn(note(log, "n2", 2), { priority: "normal" });
    yield* schedule();
  });
  assert.deepEqual(log.slice(0, 6), ["high0", "high1", "n10", "n20", "n11", "n21"]);
  assert.equal(log.at(-1), "low1");
});

test("a spawn with bad options fails at the call, naming the option", async () => {
  await run(function* () {
    assert.throws(() => spawn(note([], "x"), { priority: "urgent" as "high" }), /options\.priority/);
    assert.throws(() => spawn(note([], "x"), { name: 7 as unknown as string }), /options\.name/);
    assert.throws(() => spawn(42 as unknown as Operation<void>), /body must be a generator/);
    assert.throws(() => spawn((async () => 1) as unknown as () => Operation<number>), /promise/);
  });
});
