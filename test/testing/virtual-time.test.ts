import assert from "node:assert/strict";
import { test } from "node:test";
import { call, now, type Operation, run, schedule, sleep, spawn, TimeoutError, timeout } from "../../src/index.js";
import { createTestRuntime, HELD_POLL_MS, runTest, VirtualHost } from "../../src/testing/index.js";

test("sleep(600000) under virtual time ends at once, and now() reads the virtual clock", async () => {
  const started = performance.now();
  const times = await runTest(function* () {
    const t0 = now();
    yield* sleep(600_000);
    const t1 = now();
    yield* sleep(1);
    return [t0, t1, now()];
  });
  assert.deepEqual(times, [0, 600_000, 600_001]);
  // Not a timing assertion: ten real minutes would never pass this, whatever the load.
  assert.ok(performance.now() - started < 60_000);
});

test("a 10-minute timeout fires under virtual time with the same clock reading every run", async () => {
  function* slowPeer(): Operation<string> {
    yield* sleep(3_600_000);
    return "too late";
  }
  const readings: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await runTest(function* () {
      try {
        yield* timeout(600_000, slowPeer());
        return -1;
      } catch (e) {
        assert.ok(e instanceof TimeoutError, String(e));
        return now();
      }
    });
    readings.push(r);
  }
  assert.deepEqual(readings, [600_000, 600_000, 600_000]);
});

test("time does not move while tasklets run; it jumps only when all are blocked", async () => {
  await runTest(function* () {
    const seen: number[] = [];
    const spinner = spawn(function* () {
      for (let i = 0; i < 1000; i++) {
        seen.push(now());
        yield* schedule();
      }
    });
    const sleeper = spawn(function* () {
      yield* sleep(10);
      seen.push(now());
    });
    yield* spinner.join();
    yield* sleeper.join();
    // The sleeper wakes only after the spinner, which never blocks, is done.
    assert.equal(seen.length, 1001);
    assert.ok(seen.slice(0, 1000).every((t) => t === 0));
    assert.equal(seen[1000], 10);
  });
});

test("equal deadlines wake in the order they were set, earlier deadlines first", async () => {
  const log: string[] = [];
  await runTest(function* () {
    const nap = function* (name: string, ms: number): Operation<void> {
      yield* sleep(ms);
      log.push(`${name}@${now()}`);
    };
    const ts = [
      spawn(nap("b", 20)),
      spawn(nap("a", 10)),
      spawn(nap("c1", 30)),
      spawn(nap("c2", 30)),
      spawn(nap("c3", 30)),
    ];
    for (const t of ts) yield* t.join();
  });
  assert.deepEqual(log, ["a@10", "b@20", "c1@30", "c2@30", "c3@30"]);
});

test("time does not jump while a host operation (a promise in call()) is outstanding", async () => {
  const rt = createTestRuntime();
  assert.ok(rt.host instanceof VirtualHost);
  const log: string[] = [];
  await run(
    function* () {
      const sleeper = spawn(function* () {
        yield* sleep(1);
        log.push(`sleeper woke at ${now()}`);
      });
      // A real promise that settles after several real polls of the held clock:
      // the 1 ms sleeper must not wake before it, since the I/O might have woken someone first.
      yield* call(() => new Promise<void>((r) => setTimeout(r, HELD_POLL_MS * 4)));
      log.push(`call settled at ${now()}`);
      yield* sleeper.join();
    },
    { runtime: rt },
  );
  (rt.host as VirtualHost).stop();
  assert.deepEqual(log, ["call settled at 0", "sleeper woke at 1"]);
});

test("virtualTime: false runs on the real clock", async () => {
  const rt = createTestRuntime({ virtualTime: false });
  assert.ok(!(rt.host instanceof VirtualHost));
  const before = performance.now();
  const t = await run(
    function* () {
      yield* sleep(2);
      return now();
    },
    { runtime: rt },
  );
  assert.ok(t >= before && t <= performance.now(), "the clock is performance.now()");
});

test("bad options are refused at the call, naming the option", () => {
  assert.throws(() => createTestRuntime({ seed: -1 }), /createTestRuntime: seed must be an integer/);
  assert.throws(() => createTestRuntime({ seed: 1.5 }), RangeError);
  assert.throws(() => createTestRuntime({ virtualTime: "yes" as unknown as boolean }), /options\.virtualTime/);
  assert.throws(() => runTest(sleep(1), { allowLeaks: 1 as unknown as boolean }), /runTest: options\.allowLeaks/);
  assert.throws(() => runTest(42 as unknown as Operation<void>), /runTest: body must be a generator/);
});
