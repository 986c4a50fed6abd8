// timeout(): each expiry is a TimeoutError seen by exactly the frame it
// belongs to, at any depth and in any mix of nesting; no internal class
// escapes; timeouts work inside the cleanup of a killed tasklet; long and
// infinite durations neither spin nor fire early.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ChannelTimeoutError,
  call,
  channel,
  KilledError,
  type Operation,
  run,
  select,
  sleep,
  spawn,
  TaskletError,
  TimeoutError,
  timeout,
} from "../../src/index.js";
import { exec } from "../../src/io/index.js";
import { after } from "../../src/sync/select.js";
import { runTest } from "../../src/testing/index.js";
import { ThreadChannel } from "../../src/threads/index.js";
import { errorOf } from "../helpers.js";

/** Runs `op`, returning "ok:<value>" or "<ErrorClass>@<label>" with the label of the frame that caught it. */
function* catching<T>(label: string, op: Operation<T>, log: string[]): Operation<T | undefined> {
  try {
    return yield* op;
  } catch (e) {
    log.push(`${(e as Error).constructor.name}@${label}`);
    if (!(e instanceof TaskletError)) throw e;
    return undefined;
  }
}

test("the issue's program: an inner timeout is caught by inner's own catch, not leaked to run() as an internal error", async () => {
  const log: string[] = [];
  function* inner(): Operation<string> {
    try {
      yield* timeout(10, sleep(100));
      return "not reached";
    } catch (e) {
      log.push(`${(e as Error).constructor.name} caught in inner`);
      return "inner recovered";
    }
  }
  const v = await run(function* () {
    return yield* timeout(1000, inner());
  });
  assert.equal(v, "inner recovered");
  assert.deepEqual(log, ["TimeoutError caught in inner"]);
});

test("three nested timeouts: whichever expires is seen as TimeoutError by exactly its own frame", async () => {
  // [outer, middle, inner] durations; the shortest one fires. Inner work sleeps 10 s.
  const cases: { ms: [number, number, number]; caughtBy: string }[] = [
    { ms: [1000, 1000, 10], caughtBy: "inner" },
    { ms: [1000, 10, 1000], caughtBy: "middle" },
    { ms: [10, 1000, 1000], caughtBy: "outer" },
  ];
  for (const c of cases) {
    const log: string[] = [];
    await runTest(function* () {
      const [o, m, i] = c.ms;
      yield* catching(
        "outer",
        timeout(o, catching("middle", timeout(m, catching("inner", timeout(i, sleep(10_000)), log)), log)),
        log,
      );
    });
    assert.deepEqual(log, [`TimeoutError@${c.caughtBy}`], `durations ${c.ms.join("/")}`);
  }
});

test("an inner timeout caught inside, then the outer one expiring later, each seen by its own frame", async () => {
  const log: string[] = [];
  await run(function* () {
    yield* catching(
      "outer",
      timeout(
        60,
        (function* () {
          yield* catching("inner", timeout(5, sleep(1000)), log);
          log.push("inner done");
          yield* sleep(1000);
        })(),
      ),
      log,
    );
  });
  assert.deepEqual(log, ["TimeoutError@inner", "inner done", "TimeoutError@outer"]);
});

test("timeout around recvTimeout, select with after() and a nested timeout: each sees its own error class", async () => {
  const log: string[] = [];
  await run(function* () {
    const ch = channel<number>();
    yield* catching("outer", timeout(1000, catching("recv", ch.recvTimeout(5), log)), log);
    const r = yield* timeout(1000, select(ch.recv(), after(5)));
    log.push(`select index ${r.index}`);
    yield* catching("outer2", timeout(1000, catching("inner2", timeout(5, ch.recv()), log)), log);
  });
  assert.deepEqual(log, ["ChannelTimeoutError@recv", "select index 1", "TimeoutError@inner2"]);
  assert.ok(ChannelTimeoutError.prototype instanceof TaskletError);
});

test("timeout around ThreadChannel.recvTimeout and around exec: the inner error reaches the inner catch", async () => {
  const log: string[] = [];
  const ch = new ThreadChannel<number>(1);
  await run(function* () {
    yield* catching("outer", timeout(5000, catching("thread recvTimeout", ch.recvTimeout(10), log)), log);
    yield* catching("outer exec", timeout(5000, catching("inner exec", timeout(50, exec(["sleep", "5"])), log)), log);
    const r = yield* timeout(5000, exec(["sh", "-c", "echo hi"]));
    log.push(`exec ${r.stdout.trim()}`);
  });
  assert.deepEqual(log, ["ChannelTimeoutError@thread recvTimeout", "TimeoutError@inner exec", "exec hi"]);
});

test("both timers due at once: the inner is caught inside, the outer still ends the outer frame", async () => {
  const log: string[] = [];
  await runTest(function* () {
    yield* catching(
      "outer",
      timeout(
        10,
        (function* () {
          yield* catching("inner", timeout(10, sleep(1000)), log);
          log.push("after inner");
          yield* sleep(1000);
          log.push("not reached");
        })(),
      ),
      log,
    );
  });
  // Either order of the two expiries is sound; neither leaks past its frame.
  assert.ok(log.at(-1) === "TimeoutError@outer", log.join(", "));
  assert.ok(!log.includes("not reached"));
  assert.ok(
    log.every((l) => !l.startsWith("Interrupt")),
    log.join(", "),
  );
});

test("inside the cleanup of a killed tasklet, timeout() fires and is caught there", async () => {
  const log: string[] = [];
  await run(function* () {
    const ch = channel<number>();
    const t = spawn(function* () {
      try {
        yield* sleep(60_000);
      } finally {
        yield* catching("cleanup recv", timeout(20, ch.recv()), log);
        yield* catching("cleanup sleep", timeout(20, sleep(60_000)), log);
        yield* catching("cleanup recvTimeout", ch.recvTimeout(10), log);
        const r = yield* select(ch.recv(), after(10));
        log.push(`cleanup select index ${r.index}`);
        log.push("cleanup done");
      }
    });
    yield* sleep(5);
    t.kill();
    try {
      yield* t.join();
    } catch (e) {
      log.push(e instanceof KilledError ? "joined: killed" : `joined: ${String(e)}`);
    }
  });
  assert.deepEqual(log, [
    "TimeoutError@cleanup recv",
    "TimeoutError@cleanup sleep",
    "ChannelTimeoutError@cleanup recvTimeout",
    "cleanup select index 1",
    "cleanup done",
    "joined: killed",
  ]);
});

test("a timeout that bounds a stuck cleanup ends it, the kill is consumed once, the tasklet ends killed", async () => {
  const log: string[] = [];
  await runTest(function* () {
    const t = spawn(function* () {
      try {
        yield* sleep(60_000);
      } finally {
        try {
          yield* timeout(50, sleep(60_000));
        } catch (e) {
          log.push((e as Error).constructor.name);
        }
        yield* sleep(5); // the kill was consumed: this sleep is not killed again
        log.push("slept after the timeout");
      }
    });
    yield* sleep(1);
    t.kill();
    yield* catching("join", t.join(), log);
  });
  assert.deepEqual(log, ["TimeoutError", "slept after the timeout", "KilledError@join"]);
});

test("a cleanup kills and joins its own children, and they may use timeouts in their cleanup too", async () => {
  const log: string[] = [];
  await runTest(function* () {
    const t = spawn(function* () {
      const child = spawn(function* () {
        try {
          yield* sleep(60_000);
        } finally {
          yield* catching("child cleanup", timeout(5, sleep(60_000)), log);
        }
      });
      try {
        yield* sleep(60_000);
      } finally {
        child.kill();
        yield* catching("child join", child.join(), log);
      }
    });
    yield* sleep(1);
    t.kill();
    yield* catching("join", t.join(), log);
  });
  assert.deepEqual(log, ["TimeoutError@child cleanup", "KilledError@child join", "KilledError@join"]);
});

test("a second kill of a tasklet already in cleanup does nothing: the cleanup runs to its end", async () => {
  const log: string[] = [];
  await runTest(function* () {
    const t = spawn(function* () {
      try {
        yield* sleep(60_000);
      } finally {
        yield* sleep(20);
        log.push("cleanup finished");
      }
    });
    yield* sleep(1);
    t.kill();
    yield* sleep(5);
    t.kill(); // in cleanup now
    yield* catching("join", t.join(), log);
  });
  assert.deepEqual(log, ["cleanup finished", "KilledError@join"]);
});

test("a timeout armed before the kill does not interrupt the cleanup: the kill already won", async () => {
  const log: string[] = [];
  await runTest(function* () {
    const t = spawn(function* () {
      yield* catching(
        "outer timeout",
        timeout(
          10,
          (function* () {
            try {
              yield* sleep(60_000);
            } finally {
              yield* sleep(30); // past the outer timeout's deadline
              log.push("cleanup finished");
            }
          })(),
        ),
        log,
      );
    });
    yield* sleep(1);
    t.kill();
    yield* catching("join", t.join(), log);
  });
  assert.deepEqual(log, ["cleanup finished", "KilledError@join"]);
});

test("a sleep longer than the host's largest timer delay neither spins nor fires early", async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => {
    warnings.push(w);
  };
  process.on("warning", onWarning);
  const cpu0 = process.cpuUsage();
  const woke: string[] = [];
  try {
    await run(function* () {
      const long = spawn(function* () {
        yield* sleep(3e9);
        woke.push("long sleeper woke");
      });
      const longTimeout = spawn(function* () {
        yield* timeout(3e9, sleep(4e9));
        woke.push("long timeout fired");
      });
      // Wait without a runtime timer, so that the long ones are the earliest deadline.
      yield* call(() => new Promise((r) => setTimeout(r, 200)));
      long.kill();
      longTimeout.kill();
    });
  } finally {
    process.off("warning", onWarning);
  }
  const cpu = process.cpuUsage(cpu0);
  assert.deepEqual(woke, []);
  assert.deepEqual(
    warnings.map((w) => w.name),
    [],
  );
  // A spinning host timer burns ~all of the 200 ms; an idle wait burns next to nothing.
  assert.ok(cpu.user + cpu.system < 150_000, `cpu ${cpu.user + cpu.system} µs in 200 ms`);
});

test("Infinity means never: sleep(Infinity) waits until killed, timeout(Infinity, op) is op", async () => {
  const v = await runTest(function* () {
    const t = spawn(sleep(Number.POSITIVE_INFINITY));
    const r = yield* timeout(Number.POSITIVE_INFINITY, sleep(10));
    yield* sleep(1000);
    assert.equal(t.isRunning(), true);
    t.kill();
    yield* errorOf(t.join(), KilledError);
    return r;
  });
  assert.equal(v, undefined);
  // Alone, a sleep(Infinity) can never end: that is a deadlock, reported as such.
  await assert.rejects(
    runTest(function* () {
      yield* sleep(Number.POSITIVE_INFINITY);
    }),
    /deadlock/,
  );
});

test("the TimeoutError of an expired timeout is thrown at the timeout, and its class is public", async () => {
  const e = await runTest(function* () {
    try {
      yield* timeout(10, sleep(1000));
      return null;
    } catch (err) {
      return err;
    }
  });
  assert.ok(e instanceof TimeoutError);
  assert.equal((e as Error).name, "TimeoutError");
});
