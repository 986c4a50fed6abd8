// A newcomer's mistakes are caught where they are made, with a message that says what to do:
// an operation awaited from async code, a tasklet used as an operation (`yield* spawn(...)`),
// Node's global Event where tasklet's is expected.
import assert from "node:assert/strict";
import { test } from "node:test";
import { describe } from "../../src/core/check.js";
import { channel, Event, Mutex, type Operation, run, select, sleep, spawn } from "../../src/index.js";

function isAwaitMistake(e: unknown): boolean {
  return (
    e instanceof TypeError &&
    /is an operation, not a promise/.test(e.message) &&
    /yield\*/.test(e.message) &&
    /run\(/.test(e.message)
  );
}

test("await of an operation throws a TypeError that says to use yield* in a tasklet or run() from async code", async () => {
  const ch = channel<number>(1);
  await assert.rejects(async () => {
    await sleep(100);
  }, isAwaitMistake);
  await assert.rejects(async () => {
    await ch.recv();
  }, isAwaitMistake);
  await assert.rejects(async () => {
    await new Mutex().lock();
  }, isAwaitMistake);
  await assert.rejects(Promise.resolve(ch.send(1)), isAwaitMistake);
  // Nothing was sent: the send was never started.
  assert.equal(ch.tryRecv().ok, false);
});

test("the await trap names the operation and leaves yield* as it was", async () => {
  await assert.rejects(
    async () => {
      await sleep(5);
    },
    (e: unknown) => e instanceof TypeError && /\(Sleep\)/.test(e.message),
  );
  const ch = channel<number>(1);
  const got = await run(function* () {
    yield* sleep(1);
    yield* ch.send(7);
    return yield* ch.recv();
  });
  assert.equal(got, 7);
});

test("an operation still reads as an operation in argument errors, not as a promise", () => {
  assert.notEqual(describe(sleep(1)), "a promise");
});

test("yield* spawn(...) throws a TypeError that says spawn returns a Tasklet and to use t.join()", async () => {
  function* child(): Operation<number> {
    return 1;
  }
  await assert.rejects(
    run(function* () {
      // A JavaScript user (or a cast) writes Effection's form.
      yield* spawn(child()) as unknown as Operation<number>;
    }),
    (e: unknown) =>
      e instanceof TypeError &&
      /spawn returns a Tasklet, not an operation: use t\.join\(\) to wait for it/.test(e.message),
  );
});

test("spawn of a Tasklet (in place of its body) is refused at the call", async () => {
  await run(function* () {
    const t = spawn(function* () {});
    assert.throws(
      () => spawn(t as never),
      (e: unknown) => e instanceof TypeError && /^spawn: body must be/.test(e.message) && /Tasklet/.test(e.message),
    );
    yield* t.join();
  });
});

test("Node's global Event cannot pass for tasklet's: its constructor needs a type, and a select names the import", async () => {
  const GlobalEvent = globalThis.Event;
  assert.throws(() => new (GlobalEvent as unknown as new () => object)());
  const dom = new GlobalEvent("ready");
  assert.equal(typeof (dom as unknown as { wait?: unknown }).wait, "undefined");
  await run(function* () {
    assert.throws(
      () => select(dom as never),
      (e: unknown) =>
        e instanceof TypeError &&
        /Node's global Event/.test(e.message) &&
        /import \{ Event \} from "tasklet"/.test(e.message),
    );
    // Ours works as a case.
    const ev = new Event();
    ev.set();
    yield* select(ev.waitCase());
  });
});
