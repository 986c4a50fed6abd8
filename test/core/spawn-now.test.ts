import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_NOW_DEPTH } from "../../src/core/runtime.js";
import { type Operation, run, schedule, sleep, spawn, spawnNow } from "../../src/index.js";

function* note(log: string[], name: string, rounds = 1): Operation<string> {
  for (let i = 0; i < rounds; i++) {
    log.push(`${name}${i}`);
    yield* schedule();
  }
  return name;
}

function* leaf(i: number): Operation<number> {
  return i;
}

test("spawnNow runs the child inside the call, up to its first suspension", async () => {
  const log: string[] = [];
  await run(function* () {
    spawnNow(note(log, "child", 2));
    log.push("spawner goes on");
    yield* schedule();
    log.push("spawner back");
    yield* schedule();
  });
  assert.deepEqual(log, ["child0", "spawner goes on", "child1", "spawner back"]);
});

test("a child that ends in its first stretch has ended when spawnNow returns, and join gives its value", async () => {
  await run(function* () {
    const t = spawnNow(leaf(7));
    assert.equal(t.isRunning(), false);
    assert.equal(yield* t.join(), 7);
  });
});

test("spawnNow's child runs ahead of ready tasklets, and once suspended it waits its turn at the back", async () => {
  const log: string[] = [];
  await run(function* () {
    spawn(note(log, "a", 2));
    yield* schedule(); // a0 ran; a is ready
    spawnNow(note(log, "now", 2));
    log.push("spawner");
    yield* schedule();
    yield* schedule();
  });
  assert.deepEqual(log, ["a0", "now0", "spawner", "a1", "now1"]);
});

test("what spawnNow's child spawns with spawn starts when the caller suspends, in spawn order with the caller's spawns", async () => {
  const log: string[] = [];
  await run(function* () {
    spawnNow(
      (function* () {
        spawn(note(log, "grandchild"));
        log.push("child");
        yield* schedule();
      })(),
    );
    spawn(note(log, "sibling"));
    log.push("spawner");
    yield* schedule();
  });
  assert.deepEqual(log, ["child", "spawner", "grandchild0", "sibling0"]);
});

test("outside a tasklet spawnNow starts the child as spawn does, on a later turn", async () => {
  const log: string[] = [];
  const t = spawnNow(note(log, "outside"));
  log.push("caller");
  assert.equal(await t.result(), "outside");
  assert.deepEqual(log, ["caller", "outside0"]);
});

test("spawnNow nested deeper than MAX_NOW_DEPTH starts the deeper ones as spawn does, and the stack stays bounded", async () => {
  const started: number[] = [];
  function* chain(i: number): Operation<number> {
    started.push(i);
    if (i === 0) return 0;
    const t = spawnNow(chain(i - 1));
    return 1 + (yield* t.join());
  }
  const n = MAX_NOW_DEPTH * 100;
  const total = await run(function* () {
    const t = spawnNow(chain(n));
    // The first MAX_NOW_DEPTH starts ran nested inside this call; the rest wait for a turn.
    assert.equal(started.length, MAX_NOW_DEPTH);
    return yield* t.join();
  });
  assert.equal(total, n);
  assert.equal(started.length, n + 1);
});

test("a child that throws in its first stretch fails itself, not the caller of spawnNow", async () => {
  await run(function* () {
    const t = spawnNow(
      (function* (): Operation<void> {
        throw new Error("boom");
      })(),
    );
    assert.equal(t.isRunning(), false);
    try {
      yield* t.join();
      assert.fail("join should throw");
    } catch (e) {
      assert.equal((e as Error).message, "boom");
    }
  });
});

test("a child killed while it sleeps after spawnNow runs its cleanup and joins as killed", async () => {
  const log: string[] = [];
  await run(function* () {
    const t = spawnNow(
      (function* () {
        try {
          yield* sleep(10_000);
        } finally {
          log.push("cleanup");
        }
      })(),
    );
    t.kill();
    try {
      yield* t.join();
    } catch (e) {
      log.push((e as Error).name);
    }
  });
  assert.deepEqual(log, ["cleanup", "KilledError"]);
});

test("spawnNow with a bad body or an unknown option fails at the call, naming spawnNow", async () => {
  await run(function* () {
    assert.throws(() => spawnNow(42 as never), /^TypeError: spawnNow: body must be/);
    assert.throws(() => spawnNow(leaf(1), { nmae: "x" } as never), /spawnNow/);
  });
});
