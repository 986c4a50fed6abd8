// Cancellation inside a tasklet (core/cancel.ts): a kill is never lost
// behind a library frame whose cleanup blocks, a scope's cancellation never
// reaches the body's catch blocks, and no interrupt is dropped.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  channel,
  exit,
  KilledError,
  type Operation,
  run,
  schedule,
  scope,
  sleep,
  spawn,
  type Tasklet,
  TaskletError,
  TimeoutError,
  timeout,
} from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";
import { yields } from "../helpers.js";

/** Joins `t`, logging the class of the error it ends with. */
function* joinLogging(t: Tasklet, log: string[]): Operation<void> {
  try {
    yield* t.join();
  } catch (e) {
    log.push((e as Error).constructor.name);
  }
}

function* blockingCleanup(log: string[]): Operation<void> {
  try {
    yield* sleep(60_000);
  } finally {
    yield* sleep(5);
    log.push("cleanup done");
  }
}

test("a kill is not lost when the op under a timeout blocks in its cleanup: the code after the timeout never runs", async () => {
  const log: string[] = [];
  await runTest(function* () {
    const t = spawn(function* () {
      yield* timeout(1000, blockingCleanup(log));
      log.push("ran on after the kill");
      yield* sleep(5);
      log.push("still running");
    });
    yield* sleep(1);
    t.kill();
    yield* joinLogging(t, log);
  });
  assert.deepEqual(log, ["cleanup done", "KilledError"]);
});

test("a kill of a scope's owner waits for the children's cleanup, then the owner goes on unwinding", async () => {
  const log: string[] = [];
  await runTest(function* () {
    const owner = spawn(function* () {
      try {
        yield* scope(function* (s) {
          s.spawn(() => blockingCleanup(log));
          yield* sleep(60_000);
        });
        log.push("ran on after the scope");
      } finally {
        log.push("owner's finally");
      }
    });
    yield* sleep(1);
    owner.kill();
    yield* joinLogging(owner, log);
  });
  assert.deepEqual(log, ["cleanup done", "owner's finally", "KilledError"]);
});

test("a failing scope cancels its body without its catch blocks seeing the cancellation", async () => {
  const caught: string[] = [];
  const err = await run(function* () {
    try {
      yield* scope(function* (s) {
        s.spawn(function* () {
          yield* sleep(5);
          throw new Error("child failed");
        });
        const ch = channel<number>();
        try {
          yield* ch.recv();
        } catch (e) {
          caught.push((e as Error).name);
          throw e;
        } finally {
          caught.push("body's finally");
        }
      });
      return null;
    } catch (e) {
      return e;
    }
  });
  assert.equal((err as Error).message, "child failed");
  assert.deepEqual(caught, ["body's finally"]);
});

test("two timeouts expiring while the tasklet has a value in hand: neither is dropped, each ends its own frame", async () => {
  const log: string[] = [];
  await run(function* () {
    const ch = channel<number>(1);
    const w = spawn(function* () {
      try {
        yield* timeout(
          2,
          (function* () {
            const v = yield* timeout(1, ch.recv());
            log.push(`inner got ${v}`);
            yield* sleep(1000); // the outer timeout must end this
            log.push("not reached");
          })(),
        );
      } catch (e) {
        log.push(`${(e as Error).constructor.name} at the outer frame`);
      }
    });
    yield* schedule(); // w waits on the channel under both timeouts
    // Fillers ahead of w in the ready queue: the loop polls the timers between them, before w runs.
    for (let i = 0; i < 200; i++) spawn(() => yields(2));
    ch.sendAsync(7); // w has 7 in hand, and does not run before both timers are due
    const until = performance.now() + 10;
    while (performance.now() < until) {
      // busy: both deadlines pass
    }
    yield* w.join();
  });
  assert.deepEqual(log, ["inner got 7", "TimeoutError at the outer frame"]);
});

test("a killed tasklet whose own frame's finally blocks still ends killed, and a second kill changes nothing", async () => {
  const log: string[] = [];
  await runTest(function* () {
    const t = spawn(function* () {
      try {
        yield* sleep(60_000);
      } finally {
        yield* sleep(10);
        log.push("own cleanup done");
      }
      log.push("not reached");
    });
    yield* sleep(1);
    t.kill();
    yield* sleep(2);
    t.kill();
    try {
      yield* t.join();
    } catch (e) {
      assert.ok(e instanceof KilledError);
      log.push("killed");
    }
  });
  assert.deepEqual(log, ["own cleanup done", "killed"]);
});

test("no internal class reaches user code through timeouts and scopes nested in each other", async () => {
  const seen: string[] = [];
  await run(function* () {
    for (let i = 0; i < 20; i++) {
      try {
        yield* timeout(
          1 + (i % 3),
          scope(function* (s) {
            s.spawn(function* () {
              yield* sleep(i % 4);
              if (i % 2 === 0) throw new Error("child");
            });
            try {
              yield* timeout(2 + (i % 2), sleep(50));
            } catch (e) {
              seen.push((e as Error).constructor.name);
              throw e;
            }
          }),
        );
      } catch (e) {
        seen.push((e as Error).constructor.name);
      }
    }
  });
  const allowed = new Set(["TimeoutError", "Error"]);
  assert.ok(
    seen.every((n) => allowed.has(n)),
    seen.join(", "),
  );
  assert.ok(TimeoutError.prototype instanceof TaskletError);
});

function* helperWithWaitingCleanup(log: string[], name = "helper"): Operation<void> {
  try {
    yield* sleep(60_000);
  } finally {
    yield* sleep(5);
    log.push(`${name} cleanup`);
  }
}

function* twoPartCleanup(log: string[]): Operation<void> {
  yield* sleep(1);
  log.push("first part");
}

test("a killed tasklet whose helper's cleanup waited does not wait on anything after the helper: the kill is delivered again at its next op", async () => {
  const log: string[] = [];
  await runTest(function* () {
    const t = spawn(function* () {
      try {
        yield* helperWithWaitingCleanup(log);
        log.push("the caller's synchronous code ran (the documented limit)");
        yield* sleep(5);
        log.push("still running after the kill");
      } finally {
        yield* sleep(1); // the caller's own cleanup runs, and may wait
        log.push("caller's finally");
      }
    });
    yield* sleep(1);
    t.kill();
    yield* joinLogging(t, log);
  });
  assert.deepEqual(log, [
    "helper cleanup",
    "the caller's synchronous code ran (the documented limit)",
    "caller's finally",
    "KilledError",
  ]);
});

test("a cleanup that calls a helper and then waits itself runs to its end (no false re-delivery)", async () => {
  const log: string[] = [];
  await runTest(function* () {
    const t = spawn(function* () {
      function* inner(): Operation<void> {
        try {
          yield* sleep(60_000);
        } finally {
          yield* twoPartCleanup(log);
          yield* sleep(1);
          log.push("second part");
          yield* sleep(1);
          log.push("third part");
        }
      }
      yield* inner();
      log.push("not reached: after inner");
      yield* sleep(1);
    });
    yield* sleep(1);
    t.kill();
    yield* joinLogging(t, log);
  });
  // "after inner" is the caller's synchronous code (the documented limit); its next op does not wait.
  assert.deepEqual(log, ["first part", "second part", "third part", "not reached: after inner", "KilledError"]);
});

test("two levels of helpers whose cleanups wait: each runs, nothing after them waits", async () => {
  const log: string[] = [];
  await runTest(function* () {
    const t = spawn(function* () {
      function* outer(): Operation<void> {
        try {
          yield* helperWithWaitingCleanup(log, "inner");
          log.push("outer ran on (sync)");
          yield* sleep(5);
          log.push("outer still running");
        } finally {
          yield* sleep(2);
          log.push("outer cleanup");
        }
      }
      yield* outer();
      log.push("body ran on (sync)");
      yield* sleep(5);
      log.push("body still running");
    });
    yield* sleep(1);
    t.kill();
    yield* joinLogging(t, log);
  });
  assert.deepEqual(log, ["inner cleanup", "outer ran on (sync)", "outer cleanup", "body ran on (sync)", "KilledError"]);
});

test("exit() from a helper whose cleanup waits ends the tasklet with the exit value, nothing after waits", async () => {
  const log: string[] = [];
  const v = await runTest(function* () {
    const t = spawn(function* () {
      function* leaves(): Operation<void> {
        try {
          yield* exit("exited");
        } finally {
          yield* sleep(2);
          log.push("cleanup");
        }
      }
      yield* leaves();
      yield* sleep(5);
      log.push("ran on after exit");
      return "returned";
    });
    return yield* t.join();
  });
  assert.equal(v, "exited");
  assert.deepEqual(log, ["cleanup"]);
});
