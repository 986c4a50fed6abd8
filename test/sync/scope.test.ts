import assert from "node:assert/strict";
import { test } from "node:test";
import {
  KilledError,
  type Operation,
  run,
  type Scope,
  schedule,
  scope,
  sleep,
  spawn,
  type Tasklet,
  TaskletError,
  TimeoutError,
  timeout,
  type UncaughtError,
} from "../../src/index.js";

function* after<T>(n: number, v: T): Operation<T> {
  for (let i = 0; i < n; i++) yield* schedule();
  return v;
}

function* failAfter(n: number, message: string): Operation<never> {
  yield* after(n, 0);
  throw new Error(message);
}

function* forever(log: string[], name: string): Operation<void> {
  try {
    for (;;) yield* sleep(1000);
  } finally {
    log.push(`${name} cleanup start`);
    yield* sleep(1); // cleanup may block; the scope waits for it
    log.push(`${name} cleanup end`);
  }
}

test("scope returns the body's value after every child has ended", async () => {
  const ended: number[] = [];
  const r = await run(function* () {
    return yield* scope(function* (s) {
      for (let i = 1; i <= 3; i++) {
        s.spawn(function* () {
          yield* after(i, 0);
          ended.push(i);
        });
      }
      return "body";
    });
  });
  assert.equal(r, "body");
  assert.deepEqual(ended, [1, 2, 3]);
});

test("the first child failure kills the others, cancels the body and propagates unchanged", async () => {
  const log: string[] = [];
  const boom = new Error("boom");
  const uncaught: UncaughtError[] = [];
  await run(
    function* () {
      try {
        yield* scope(function* (s) {
          s.spawn(() => forever(log, "a"));
          s.spawn(function* () {
            yield* after(2, 0);
            throw boom;
          });
          yield* sleep(10_000); // cancelled by the failure
          log.push("body went on");
        });
        assert.fail("scope should throw");
      } catch (e) {
        assert.equal(e, boom);
        assert.equal((e as { suppressed?: unknown }).suppressed, undefined);
      }
    },
    { onUncaught: (e) => uncaught.push(e) },
  );
  assert.deepEqual(log, ["a cleanup start", "a cleanup end"]);
  assert.equal(uncaught.length, 0);
});

test("a failure of the body kills the children and is rethrown after their cleanup", async () => {
  const log: string[] = [];
  await run(function* () {
    try {
      yield* scope(function* (s) {
        s.spawn(() => forever(log, "a"));
        yield* schedule();
        throw new Error("body failed");
      });
      assert.fail("scope should throw");
    } catch (e) {
      assert.equal((e as Error).message, "body failed");
    }
    log.push("after");
  });
  assert.deepEqual(log, ["a cleanup start", "a cleanup end", "after"]);
});

test("later failures ride along on the first as `suppressed`", async () => {
  await run(function* () {
    try {
      yield* scope(function* (s) {
        s.spawn(function* () {
          try {
            yield* sleep(1000);
          } finally {
            // biome-ignore lint/correctness/noUnsafeFinally: a cleanup that fails is the case under test
            throw new Error("cleanup failed");
          }
        });
        s.spawn(() => failAfter(1, "first"));
      });
      assert.fail("scope should throw");
    } catch (e) {
      assert.equal((e as Error).message, "first");
      const sup = (e as { suppressed?: unknown[] }).suppressed;
      assert.deepEqual(
        sup?.map((x) => (x as Error).message),
        ["cleanup failed"],
      );
    }
  });
});

test("a child killed from outside is not a failure", async () => {
  const r = await run(function* () {
    return yield* scope(function* (s) {
      const c = s.spawn(() => after(100, 0));
      c.kill();
      s.spawn(() => after(2, 0));
      return "ok";
    });
  });
  assert.equal(r, "ok");
});

test("a kill of the owner kills the children and waits for their cleanup", async () => {
  const log: string[] = [];
  await run(function* () {
    const owner = spawn(function* () {
      try {
        yield* scope(function* (s) {
          s.spawn(() => forever(log, "a"));
          s.spawn(() => forever(log, "b"));
          yield* sleep(10_000);
        });
      } finally {
        log.push("owner unwound");
      }
    });
    yield* sleep(2);
    owner.kill();
    try {
      yield* owner.join();
    } catch (e) {
      assert.ok(e instanceof KilledError);
    }
  });
  assert.deepEqual(log, ["a cleanup start", "b cleanup start", "a cleanup end", "b cleanup end", "owner unwound"]);
});

test("a timeout around a scope kills the children, waits for their cleanup, and throws TimeoutError", async () => {
  const log: string[] = [];
  await run(function* () {
    try {
      yield* timeout(
        3,
        scope(function* (s) {
          s.spawn(() => forever(log, "a"));
          return 1;
        }),
      );
      assert.fail("should time out");
    } catch (e) {
      assert.ok(e instanceof TimeoutError, String(e));
    }
    assert.deepEqual(log, ["a cleanup start", "a cleanup end"]);
  });
});

test("children may spawn into the scope; spawning into an ended scope throws", async () => {
  let saved: Scope | null = null;
  const ended: string[] = [];
  await run(function* () {
    yield* scope(function* (s) {
      saved = s;
      s.spawn(function* () {
        yield* schedule();
        s.spawn(function* () {
          yield* after(3, 0);
          ended.push("grandchild");
        });
      });
    });
    assert.deepEqual(ended, ["grandchild"]);
    assert.throws(() => (saved as unknown as Scope).spawn(() => after(1, 0)), TaskletError);
  });
});

test("a child's join inside the scope sees its value", async () => {
  const r = await run(function* () {
    return yield* scope(function* (s) {
      const a: Tasklet<number> = s.spawn(() => after(1, 20));
      const b: Tasklet<number> = s.spawn(() => after(2, 22));
      return (yield* a.join()) + (yield* b.join());
    });
  });
  assert.equal(r, 42);
});

test("a child's error rethrown by the body's join is one failure, not two", async () => {
  const boom = new Error("boom");
  await run(function* () {
    try {
      yield* scope(function* (s) {
        const c = s.spawn(function* (): Operation<void> {
          throw boom;
        });
        try {
          yield* sleep(1000); // the child fails meanwhile: the body is cancelled here
        } catch {
          // swallowed: the body goes on and joins the failed child, which rethrows its error
        }
        yield* c.join();
      });
      assert.fail("should throw");
    } catch (e) {
      assert.equal(e, boom);
      assert.equal((e as { suppressed?: unknown }).suppressed, undefined);
    }
  });
});

test("a child spawned into a failing scope is killed before it starts", async () => {
  let ran = false;
  await run(function* () {
    try {
      yield* scope(function* (s) {
        s.spawn(() => failAfter(0, "first"));
        try {
          yield* sleep(1000);
        } catch {
          // the body swallows its cancellation and spawns again
        }
        s.spawn(function* () {
          ran = true;
        });
      });
      assert.fail("should throw");
    } catch (e) {
      assert.equal((e as Error).message, "first");
    }
  });
  assert.equal(ran, false);
});

test("a scope made inside the cleanup of a killed tasklet still cancels its body when a child fails", async () => {
  const log: string[] = [];
  await run(function* () {
    const t = spawn(function* () {
      try {
        yield* sleep(60_000);
      } finally {
        try {
          yield* scope(function* (s) {
            s.spawn(function* () {
              yield* sleep(5);
              throw new Error("child of the cleanup failed");
            });
            yield* sleep(60_000);
            log.push("not reached");
          });
        } catch (e) {
          log.push(`cleanup's scope threw: ${(e as Error).message}`);
        }
      }
    });
    yield* sleep(1);
    t.kill();
    try {
      yield* t.join();
    } catch (e) {
      log.push((e as Error).constructor.name);
    }
  });
  assert.deepEqual(log, ["cleanup's scope threw: child of the cleanup failed", "KilledError"]);
});
