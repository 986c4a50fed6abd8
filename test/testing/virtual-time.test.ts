import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { call, now, type Operation, run, schedule, sleep, spawn, TimeoutError, timeout } from "../../src/index.js";
import { createTestRuntime, runTest, VirtualHost } from "../../src/testing/index.js";

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
  const log: string[] = [];
  await runTest(function* () {
    const sleeper = spawn(function* () {
      yield* sleep(600_000);
      log.push(`sleeper woke at ${now()}`);
    });
    // A real reply in a few real ms must beat a 10-minute virtual sleep: no jump while it is pending.
    yield* call(() => new Promise<void>((r) => setTimeout(r, 5)));
    log.push("reply came first");
    yield* sleeper.join();
  });
  assert.deepEqual(log, ["reply came first", "sleeper woke at 600000"]);
});

test("while a host operation is outstanding the clock follows the real one, so a timeout around it still fires", async () => {
  const took = await runTest(function* () {
    const start = now();
    try {
      yield* timeout(
        20,
        call(() => new Promise(() => {})),
      );
      assert.fail("should time out");
    } catch (e) {
      assert.ok(e instanceof TimeoutError, String(e));
    }
    return now() - start;
  });
  assert.ok(took >= 20, `the timeout fired after ${took} virtual ms`);
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

test("a hold released without waking anyone does not stop the clock for good", async () => {
  const rt = createTestRuntime();
  const t = await run(
    function* () {
      // Stands for a host operation that ends without a wake-up (a socket closed with no reader).
      rt.holds++;
      setTimeout(() => rt.holds--, 5);
      yield* sleep(20);
      yield* sleep(600_000); // no hold now: a jump
      return now();
    },
    { runtime: rt },
  );
  (rt.host as VirtualHost).stop();
  assert.ok(t >= 600_020, `now() = ${t}`);
  assert.ok(t < 700_000, `now() = ${t}`);
});

test("property: every sleeper wakes at exactly the sum of its sleeps, in time order, seeded or not", async () => {
  const program = fc.array(fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 5 }), {
    minLength: 1,
    maxLength: 8,
  });
  await fc.assert(
    fc.asyncProperty(
      program,
      fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
      async (sleeps, seed) => {
        const wakes = await runTest(
          function* () {
            const log: [number, number, number][] = []; // [tasklet, step, now]
            const sleeper = function* (k: number, ms: number[]): Operation<void> {
              for (let i = 0; i < ms.length; i++) {
                yield* sleep(ms[i] as number);
                log.push([k, i, now()]);
              }
            };
            const ts = sleeps.map((ms, k) => spawn(sleeper(k, ms)));
            for (const t of ts) yield* t.join();
            return log;
          },
          { seed },
        );
        for (const [k, i, at] of wakes) {
          const due = (sleeps[k] as number[]).slice(0, i + 1).reduce((a, b) => a + b, 0);
          assert.equal(at, due, `tasklet ${k} step ${i}`);
        }
        for (let j = 1; j < wakes.length; j++)
          assert.ok(((wakes[j - 1] as number[])[2] as number) <= ((wakes[j] as number[])[2] as number));
        assert.equal(wakes.length, sleeps.flat().length);
      },
    ),
    { numRuns: 200 },
  );
});
