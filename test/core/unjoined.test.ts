// No failure is silent (Node's rule for unhandled rejections): a tasklet's
// error that no join() is waiting for when it happens, and that nobody joins
// before the runtime next goes idle or the root ends, goes to onUncaught; a
// later join() still gets it. A throwing onUncaught handler never stalls the
// runtime, and a snapshot never runs a tasklet's code.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { type Operation, run, schedule, sleep, spawn, tasklets, UncaughtError } from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";
import { errorOf } from "../helpers.js";

const INDEX = JSON.stringify(new URL("../../src/index.js", import.meta.url).href);

function* failsAfter(ms: number, message: string): Operation<void> {
  yield* sleep(ms);
  throw new Error(message);
}

test("the issue's program: an unjoined failure is reported at the next idle with the tasklet's name, id and stack", async () => {
  const reports: UncaughtError[] = [];
  let id = 0;
  await run(
    function* () {
      id = spawn(failsAfter(1, "kaboom"), { name: "doomed" }).id;
      // 400 ms, not less: a process stalled past both deadlines wakes both tasklets in one
      // stretch, and then the root would run before the idle that reports.
      yield* sleep(400);
      // Reported while the root still sleeps: at the idle that followed the failure.
      assert.equal(reports.length, 1);
    },
    { onUncaught: (e) => reports.push(e) },
  );
  assert.equal(reports.length, 1);
  const r = reports[0] as UncaughtError;
  assert.ok(r instanceof UncaughtError);
  assert.equal(r.taskletName, "doomed");
  assert.equal(r.taskletId, id);
  assert.match(r.message, new RegExp(`#${id} doomed: Error: kaboom`));
  assert.match((r.cause as Error).stack ?? "", /failsAfter/);
});

test("under main(), the same program prints the report and exits non-zero", () => {
  const script = `import { main, spawn, sleep } from ${INDEX};
    main(function* () {
      spawn(function* () { yield* sleep(1); throw new Error("kaboom"); }, { name: "doomed" });
      yield* sleep(50);
    });`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /uncaught error in tasklet #\d+ doomed: Error: kaboom/);
});

test("a failure a join() is waiting for is not reported", async () => {
  const reports: unknown[] = [];
  const err = await run(
    function* () {
      const t = spawn(failsAfter(1, "seen"));
      try {
        yield* t.join();
      } catch (e) {
        return e;
      }
      return null;
    },
    { onUncaught: (e) => reports.push(e) },
  );
  assert.equal((err as Error).message, "seen");
  assert.deepEqual(reports, []);
});

test("a failure joined later in the same stretch of work, before the runtime goes idle, is not reported", async () => {
  const reports: unknown[] = [];
  await run(
    function* () {
      const b = spawn(function* (): Operation<void> {
        throw new Error("b failed");
      });
      yield* schedule(); // b runs and fails; the runtime has not gone idle
      yield* schedule();
      assert.equal((yield* errorOf(b.join(), Error)).message, "b failed");
      yield* sleep(5); // idle now: nothing left to report
    },
    { onUncaught: (e) => reports.push(e) },
  );
  assert.deepEqual(reports, []);
});

test("a join after the report still gets the error", async () => {
  const reports: UncaughtError[] = [];
  const seen = await run(
    function* () {
      const t = spawn(failsAfter(1, "late"), { name: "late-joined" });
      yield* sleep(20); // goes idle: reported
      assert.equal(reports.length, 1);
      try {
        yield* t.join();
        return "no error";
      } catch (e) {
        return (e as Error).message;
      }
    },
    { onUncaught: (e) => reports.push(e) },
  );
  assert.equal(seen, "late");
  assert.equal(reports.length, 1);
});

test("a failure in the stretch in which the root ends is reported before run() settles", async () => {
  const reports: UncaughtError[] = [];
  await run(
    function* () {
      spawn(
        function* (): Operation<void> {
          throw new Error("at the very end");
        },
        { name: "last-words" },
      );
      yield* schedule();
    },
    { onUncaught: (e) => reports.push(e) },
  );
  // Synchronously after the await: nothing was left for a collection to find.
  assert.equal(reports.length, 1);
  assert.match(reports[0]?.message ?? "", /last-words: Error: at the very end/);
});

test("under runTest an unjoined failure fails the test at once, not only when collected", async () => {
  await assert.rejects(
    runTest(function* () {
      spawn(failsAfter(1, "lost in a test"), { name: "orphan" });
      yield* sleep(10);
    }),
    /orphan: Error: lost in a test/,
  );
});

test("an onUncaught handler that throws does not stall the runtime; its error is reported and the run goes on", async () => {
  const written: string[] = [];
  const write = process.stderr.write;
  const exitCode = process.exitCode;
  process.stderr.write = ((s: string | Uint8Array) => {
    written.push(String(s));
    return true;
  }) as typeof process.stderr.write;
  const log: string[] = [];
  let v: string;
  try {
    v = await run(
      function* () {
        spawn(failsAfter(1, "first"), { name: "doomed" });
        yield* sleep(20);
        log.push("root woke");
        return "done";
      },
      {
        onUncaught: () => {
          throw new Error("the handler itself failed");
        },
      },
    );
  } finally {
    process.stderr.write = write;
    const code = process.exitCode;
    process.exitCode = exitCode;
    assert.equal(code, 7, "as Node does for an error in an uncaughtException handler: exit code 7");
  }
  assert.equal(v, "done");
  assert.deepEqual(log, ["root woke"]);
  const text = written.join("");
  assert.match(text, /onUncaught handler threw/);
  assert.match(text, /the handler itself failed/);
  assert.match(text, /doomed: Error: first/);
});

test("a snapshot never runs a tasklet's code, even after a throwing handler", async () => {
  const log: string[] = [];
  const write = process.stderr.write;
  const exitCode = process.exitCode;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  let p: Promise<void> | null = null;
  try {
    p = run(
      function* () {
        spawn(failsAfter(1, "x"));
        yield* sleep(400); // far beyond the 10 ms below, even when the OS stalls us
        log.push("root ran past its sleep");
      },
      {
        onUncaught: () => {
          throw new Error("handler failed");
        },
      },
    );
    await new Promise((r) => setTimeout(r, 10));
    const list = tasklets();
    assert.deepEqual(log, [], "tasklets() resumed the root");
    assert.ok(
      list.some((i) => i.state === "blocked" && /sleep\(400\)/.test(i.waitsOn ?? "")),
      JSON.stringify(list),
    );
    await p;
  } finally {
    process.stderr.write = write;
    process.exitCode = exitCode;
  }
  assert.deepEqual(log, ["root ran past its sleep"]);
});
