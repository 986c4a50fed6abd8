import assert from "node:assert/strict";
import { spawn as spawnProcess, spawnSync } from "node:child_process";
import { test } from "node:test";
import { call, type Operation, run, schedule, spawn } from "../../src/index.js";

const INDEX = JSON.stringify(new URL("../../src/index.js", import.meta.url).href);

/** Runs an ES module program in a child process; returns its exit code and output. */
function runProgram(body: string): { status: number | null; stdout: string; stderr: string } {
  const script = `import { channel, main, spawn, sleep, schedule, exit } from ${INDEX};\n${body}`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("main: when the root returns, the tasklets still alive are killed, their cleanup runs, exit code 0", () => {
  const r = runProgram(`
    main(function* () {
      spawn(function* () {
        try { yield* sleep(60000); } finally { yield* sleep(5); console.log("cleanup of a forgotten tasklet ran"); }
      }, { name: "forgotten" });
      yield* sleep(1);
      console.log("root returns");
    });
  `);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split("\n"), ["root returns", "cleanup of a forgotten tasklet ran"]);
});

test("main: an uncaught error is printed on stderr with the tasklet's name and the exit code is 1", () => {
  const r = runProgram(`
    main(function* () {
      spawn(function* () { yield* schedule(); throw new Error("disk on fire"); }, { name: "writer", joinable: false });
      try { yield* sleep(60000); } finally { console.log("root cleanup ran"); }
    });
  `);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /uncaught error in tasklet #\d+ writer: Error: disk on fire/);
  assert.match(r.stdout, /root cleanup ran/);
});

test("main: a deadlock is reported on stderr and the exit code is 2", () => {
  const r = runProgram(`
    main(function* () {
      const never = channel();
      const b = spawn(function* () { yield* schedule(); yield* never.recv(); }, { name: "waits-forever" });
      const a = spawn(function* () { yield* schedule(); yield* b.join(); }, { name: "waits-for-b" });
      yield* a.join();
    }, { name: "app" });
  `);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /all tasklets are asleep - deadlock!/);
  assert.match(r.stderr, /#\d+ app: waits on join of #\d+ waits-for-b/);
  assert.match(r.stderr, /#\d+ waits-for-b: waits on join of #\d+ waits-forever/);
});

/** Runs `script` in a child process, sends it one SIGTERM once it printed "ready", and waits for its exit. */
async function sigtermWhenReady(script: string): Promise<{ code: number | null; out: string }> {
  const child = spawnProcess(process.execPath, ["--input-type=module", "-e", script], { stdio: "pipe" });
  let out = "";
  let sent = false;
  child.stdout.setEncoding("utf8");
  const code = await new Promise<number | null>((resolve) => {
    const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdout.on("data", (d: string) => {
      out += d;
      if (!sent && out.includes("ready")) {
        sent = true; // once: a second signal means "exit now" to main()
        child.kill("SIGTERM");
      }
    });
    child.on("exit", (c) => {
      clearTimeout(guard);
      resolve(c);
    });
  });
  return { code, out };
}

test("main: SIGTERM kills the root, whose cleanup runs (and may block), exit code 128 + 15", async () => {
  const script = `import { main, sleep } from ${INDEX};
    main(function* () {
      try { console.log("ready"); yield* sleep(60000); }
      finally { yield* sleep(10); console.log("cleanup after signal"); }
    });`;
  const { code, out } = await sigtermWhenReady(script);
  assert.equal(code, 143, out);
  assert.match(out, /cleanup after signal/);
});

test("main: a SIGTERM'd server whose cleanup waits under a timeout exits when the timeout fires", async () => {
  // The cleanup waits for a channel nobody sends on, bounded by timeout(50, …); a listening
  // socket keeps the event loop alive, so only the timeout can end the cleanup.
  const script = `import { main, channel, timeout, TimeoutError } from ${INDEX};
    import net from "node:net";
    const server = net.createServer().listen(0, "127.0.0.1");
    main(function* () {
      const ch = channel();
      try { console.log("ready"); yield* ch.recv(); }
      finally {
        try { yield* timeout(50, ch.recv()); }
        catch (e) { console.log("cleanup bounded: " + (e instanceof TimeoutError)); }
        server.close();
      }
    });`;
  const { code, out } = await sigtermWhenReady(script);
  assert.equal(code, 143, out);
  assert.match(out, /cleanup bounded: true/);
});

test("run: tasklets spawned without a scope outlive the root, as goroutines do", async () => {
  const log: string[] = [];
  let open = (): void => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let orphan = null as unknown as ReturnType<typeof spawn>;
  await run(function* () {
    orphan = spawn(function* () {
      yield* call(() => gate); // waits for the test, not for a clock
      log.push("orphan finished");
    });
    log.push("root done");
  });
  assert.equal(orphan.isRunning(), true, "the orphan is still alive when run() resolves");
  open();
  await run(function* () {
    yield* orphan.join();
  });
  assert.deepEqual(log, ["root done", "orphan finished"]);
});

test("a long burst of ready work yields to the event loop, so I/O callbacks are not starved", async () => {
  let fired = false;
  let turns = 0;
  function* spinner(): Operation<void> {
    while (!fired && turns < 50_000_000) {
      turns++;
      yield* schedule();
    }
  }
  await run(function* () {
    setImmediate(() => {
      fired = true;
    });
    const a = spawn(spinner());
    const b = spawn(spinner());
    yield* a.join();
    yield* b.join();
  });
  assert.equal(fired, true, `the event loop got no turn in ${turns} switches`);
});
