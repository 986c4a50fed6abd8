import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { ClosedError, type Operation, run, schedule, spawn, TimeoutError, timeout } from "../../src/index.js";
import { exec } from "../../src/io/exec.js";
import { spawnProcess } from "../../src/io/process.js";
import { waitSignal, watchSignals } from "../../src/io/signal.js";
import { errorOf, GIVE_UP_MS, pollUntil } from "../helpers.js";

const ioUrl = (file: string): string => JSON.stringify(new URL(`../../src/io/${file}`, import.meta.url).href);
const mainUrl = JSON.stringify(new URL("../../src/index.js", import.meta.url).href);

test("waitSignal wakes the tasklet when the process receives the signal, then stops catching it", async () => {
  await run(function* () {
    assert.equal(process.listenerCount("SIGUSR1"), 0);
    const t = spawn(waitSignal("SIGUSR1"));
    yield* schedule(); // t waits
    assert.equal(process.listenerCount("SIGUSR1"), 1);
    process.kill(process.pid, "SIGUSR1");
    assert.equal(yield* timeout(GIVE_UP_MS, t.join()), "SIGUSR1");
    assert.equal(process.listenerCount("SIGUSR1"), 0, "nobody waits: the handler is gone");
  });
});

test("each signal wakes only its own waiters, every one of them", async () => {
  await run(function* () {
    const a1 = spawn(waitSignal("SIGURG"));
    const a2 = spawn(waitSignal("SIGURG"));
    const b = spawn(waitSignal("SIGWINCH"));
    yield* schedule();
    process.kill(process.pid, "SIGURG");
    assert.equal(yield* timeout(GIVE_UP_MS, a1.join()), "SIGURG");
    assert.equal(yield* timeout(GIVE_UP_MS, a2.join()), "SIGURG");
    assert.equal(b.stateName, "blocked", "SIGWINCH's waiter still waits");
    b.kill();
    assert.equal(process.listenerCount("SIGWINCH"), 0, "a killed wait removes the handler");
  });
});

test("a signal wait under timeout() throws TimeoutError and leaves no handler", async () => {
  await run(function* () {
    yield* errorOf(timeout(20, waitSignal("SIGURG")), TimeoutError);
    assert.equal(process.listenerCount("SIGURG"), 0);
  });
});

test("a SignalSet keeps signals pending between recvs, once per signal, until closed", async () => {
  await run(function* () {
    const sigs = watchSignals("SIGURG", "SIGWINCH");
    // Signals arrive asynchronously: count them with plain listeners to know when all three came.
    let arrived = 0;
    const count = (): void => {
      arrived++;
    };
    process.on("SIGURG", count);
    process.on("SIGWINCH", count);
    try {
      process.kill(process.pid, "SIGURG");
      process.kill(process.pid, "SIGWINCH");
      process.kill(process.pid, "SIGURG");
      yield* pollUntil("three signals arrived", () => arrived === 3);
      const got: string[] = [];
      for (let i = 0; i < 2; i++) got.push(yield* timeout(GIVE_UP_MS, sigs.recv()));
      assert.deepEqual(got.sort(), ["SIGURG", "SIGWINCH"]);
      yield* errorOf(timeout(50, sigs.recv()), TimeoutError);
      const waiter = spawn(sigs.recv());
      yield* schedule();
      sigs.close();
      yield* errorOf(waiter.join(), ClosedError);
    } finally {
      sigs.close();
      process.off("SIGURG", count);
      process.off("SIGWINCH", count);
    }
    assert.equal(process.listenerCount("SIGURG"), 0);
  });
  assert.throws(() => waitSignal("SIGKILL"), /SIGKILL cannot be caught/);
  assert.throws(() => waitSignal("SIGNOPE" as NodeJS.Signals), /unknown signal SIGNOPE/);
});

test("in a child process: the awaited signal is caught, and afterwards its default action is back", async () => {
  const script = `
    import { run, spawn } from ${mainUrl};
    import { waitSignal } from ${ioUrl("signal.js")};
    import { sleep } from ${mainUrl};
    const keepAlive = setInterval(() => {}, 1000); // a signal wait alone does not keep a process alive
    await run(function* () {
      // Spawned, so it prints once the root waits (the handler is installed by then).
      spawn(function* () { console.log("waiting"); });
      console.log("got", yield* waitSignal("SIGUSR2"));
      clearInterval(keepAlive);
      yield* sleep(20000); // nobody listens now: SIGUSR2 must end the process
      console.log("not killed");
    });
  `;
  await run(function* (): Operation<void> {
    const p = spawnProcess([process.execPath, "--input-type=module", "-e", script]);
    try {
      const out = p.stdout as NonNullable<typeof p.stdout>;
      const buf = Buffer.alloc(256);
      let text = "";
      const readLine = function* (): Operation<void> {
        while (!text.includes("\n")) text += buf.toString("utf8", 0, yield* timeout(GIVE_UP_MS, out.recv(buf)));
      };
      yield* readLine();
      assert.equal(text, "waiting\n");
      text = "";
      assert.ok(p.kill("SIGUSR2"));
      yield* readLine();
      assert.equal(text, "got SIGUSR2\n");
      assert.ok(p.kill("SIGUSR2"));
      assert.equal(yield* timeout(GIVE_UP_MS, p.wait()), 128 + 12, "ended by SIGUSR2's default action");
    } finally {
      p.kill();
    }
  });
});

test("a signal wait does not keep the process alive", async () => {
  const script = `
    import { run, spawn } from ${mainUrl};
    import { waitSignal } from ${ioUrl("signal.js")};
    run(function* () { yield* waitSignal("SIGUSR2"); }).then(() => console.log("woken"), (e) => console.log("failed", e.message));
    process.on("exit", () => console.log("exited"));
  `;
  const r = await run(exec([process.execPath, "--input-type=module", "-e", script]));
  assert.equal(r.stdout, "exited\n", r.stderr);
  assert.equal(r.exitStatus, 0);
  // The same from spawnSync, for a second opinion that nothing hangs.
  const s = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
  assert.equal(s.status, 0);
});
