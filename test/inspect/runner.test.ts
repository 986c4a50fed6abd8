import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseArgs } from "../../src/inspect/cli.js";
import { Child, CLI, fixtureDir, LIB } from "./child.js";

// A program under main(): three tasklets stuck in sleep, a root that says "ready" and cleans up when killed.
const STUCK = `import { main, sleep, spawn } from ${JSON.stringify(LIB)};
function* stuck() {
  yield* sleep(600000); // line 3
}
main(function* () {
  for (let i = 0; i < 3; i++) spawn(stuck(), { name: "stuck-" + i });
  yield* sleep(1);
  console.log("ready");
  try {
    yield* sleep(600000);
  } finally {
    console.log("cleanup ran");
  }
});
`;

test("SIGQUIT makes a program under main() print the dump and go on; SIGTERM then ends it with cleanup", async () => {
  const fx = fixtureDir({ "stuck.mjs": STUCK });
  const child = new Child([join(fx.dir, "stuck.mjs")], { env: { TASKLET_TRACE: "1" } });
  try {
    await child.waitFor("stdout", /ready/);
    child.proc.kill("SIGQUIT");
    await child.waitFor("stderr", /spawned at .*stuck\.mjs:6:\d+\n/);
    const err = child.stderr;
    assert.match(err, /^SIGQUIT: tasklet dump: 4 tasklets \(4 blocked\), pid \d+, up /);
    assert.match(err, /\n {2}#\d+ stuck-0, age [\d.]+ m?s, 1 switch, parent #\d+: sleep\(600000\) \(\d+ ms left\)\n/);
    assert.match(err, /\nblocked on sleep\(600000\): 4 tasklets\n {2}#1 main, [^\n]*\n {4}at .*stuck\.mjs:10:\d+\n/);
    assert.match(err, /\n {4}at stuck \(.*stuck\.mjs:3:\d+\)\n {4}spawned at .*stuck\.mjs:6:\d+\n/);
    assert.doesNotMatch(err, /TASKLET_TRACE=1 to see/, "spawn sites are recorded");
    // Still running: a second SIGQUIT prints a second dump.
    child.proc.kill("SIGQUIT");
    await child.waitFor("stderr", /SIGQUIT[\s\S]*SIGQUIT: tasklet dump/);
    child.proc.kill("SIGTERM");
    assert.equal(await child.exit(), 143);
    assert.match(child.stdout, /cleanup ran/);
  } finally {
    child.kill();
    fx.cleanup();
  }
});

const TS_APP = `import { type Operation, sleep, spawn } from ${JSON.stringify(LIB)};
interface Job { ms: number; label: string }
function* work(job: Job): Operation<string> {
  yield* sleep(job.ms);
  return job.label;
}
function* forever(): Operation<void> {
  yield* sleep(600000);
}
export default function* (...args: string[]): Operation<void> {
  const t = spawn(work({ ms: 5, label: "typed" }), { name: "worker" });
  spawn(forever(), { name: "left-behind" });
  const label: string = yield* t.join();
  console.log(JSON.stringify({ label, args, workers: process.env.TASKLET_WORKERS ?? null }));
}
`;

const JS_APP = `import { sleep, spawn } from ${JSON.stringify(LIB)};
export function* main(...args) {
  const t = spawn(function* () { yield* sleep(5); return "plain"; });
  console.log(JSON.stringify({ label: yield* t.join(), args, workers: process.env.TASKLET_WORKERS ?? null }));
}
`;

test("tasklet run runs a TypeScript module's default export under main(), with --workers and --dump-on-exit", async () => {
  const fx = fixtureDir({ "app.ts": TS_APP });
  const child = new Child([CLI, "run", "app.ts", "one", "--workers", "3", "--dump-on-exit", "--", "--two"], {
    cwd: fx.dir,
  });
  try {
    assert.equal(await child.exit(), 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), { label: "typed", args: ["one", "--two"], workers: "3" });
    // The dump at exit shows what the main tasklet leaves behind, at its TypeScript line (source maps).
    // (After the note that tsx loads it, on a Node that cannot strip types.)
    assert.match(
      child.stderr,
      /^(?:tasklet: loading app\.ts through tsx [^\n]*\n)?tasklet dump: 2 tasklets \(1 running, 1 blocked\)/,
    );
    assert.match(
      child.stderr,
      /blocked on sleep\(600000\): 1 tasklet\n {2}#\d+ left-behind, [^\n]*\n {4}at forever \(.*app\.ts:8:\d+\)/,
    );
  } finally {
    child.kill();
    fx.cleanup();
  }
});

test("tasklet run --workers N sizes the threads layer's default pool (TASKLET_WORKERS)", async () => {
  const threads = LIB.replace(/index\.js$/, "threads/index.js");
  const fx = fixtureDir({
    "pool.mjs": `import { defaultPool } from ${JSON.stringify(threads)};
export default function* () { console.log(defaultPool().size); }
`,
  });
  try {
    for (const [flags, want] of [
      [["--workers", "3"], "3"],
      [[], String(availableParallelism())],
    ] as const) {
      const child = new Child([CLI, "run", "pool.mjs", ...flags], { cwd: fx.dir, env: { TASKLET_WORKERS: "" } });
      try {
        assert.equal(await child.exit(), 0, child.stderr);
        assert.equal(child.stdout.trim(), want);
      } finally {
        child.kill();
      }
    }
  } finally {
    fx.cleanup();
  }
});

test("tasklet run runs a JavaScript module's export named main; no dump unless asked", async () => {
  const fx = fixtureDir({ "app.mjs": JS_APP });
  const child = new Child([CLI, "run", join(fx.dir, "app.mjs"), "x"]);
  try {
    assert.equal(await child.exit(), 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), { label: "plain", args: ["x"], workers: null });
    assert.equal(child.stderr, "");
  } finally {
    child.kill();
    fx.cleanup();
  }
});

test("tasklet run: a deadlock prints the dump and exits 2; an error exits 1; mistakes exit 2 with a message", async () => {
  const fx = fixtureDir({
    "deadlock.mjs": `import { channel, spawn } from ${JSON.stringify(LIB)};
function* joinOther(get) { yield* get().join(); }
export default function* () {
  const never = channel();
  const a = spawn(function* () { yield* never.recv(); }, { name: "a" });
  spawn(joinOther(() => a), { name: "b" });
  yield* a.join();
}
`,
    "fails.mjs": "export default function* () { throw new Error('boom in app'); }\n",
    "nomain.mjs": "export const x = 1;\n",
    "old.cts": "export default function* () {}\n",
  });
  const runIt = async (...args: string[]): Promise<Child & { code: number }> => {
    const c = new Child([CLI, ...args], { cwd: fx.dir });
    try {
      return Object.assign(c, { code: await c.exit() });
    } finally {
      c.kill();
    }
  };
  try {
    const dl = await runIt("run", "deadlock.mjs");
    assert.equal(dl.code, 2);
    assert.match(
      dl.stderr,
      /^all tasklets are asleep - deadlock!\n(?: {2}#\d+ [^\n]+\n){3}\ntasklet dump: 3 tasklets \(3 blocked\)/,
    );
    assert.match(dl.stderr, /blocked on join of #\d+ a: 2 tasklets/);
    assert.match(dl.stderr, /at joinOther \(.*deadlock\.mjs:2:\d+\)/);

    const fails = await runIt("run", "fails.mjs");
    assert.equal(fails.code, 1);
    assert.match(fails.stderr, /Error: boom in app/);

    const nomain = await runIt("run", "nomain.mjs");
    assert.equal(nomain.code, 2);
    assert.match(nomain.stderr, /nomain\.mjs has no main tasklet: export a generator function as default/);

    const missing = await runIt("run", "missing.ts");
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot find missing\.ts/);

    const cjs = await runIt("run", "old.cts");
    assert.equal(cjs.code, 2);
    assert.match(cjs.stderr, /old\.cts would load as CommonJS: name it \.mts or add "type": "module"/);

    const badFlag = await runIt("run", "fails.mjs", "--workers", "0");
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /--workers must be a whole number >= 1, got 0\n\nusage: tasklet run/);
  } finally {
    fx.cleanup();
  }
});

test("the runner's command line: flags before or after the file, the app's arguments after it or --", () => {
  assert.deepEqual(parseArgs(["run", "--trace", "a.ts", "x", "--workers=2", "--", "--y"]), {
    file: "a.ts",
    workers: 2,
    dumpOnExit: false,
    trace: true,
    watchdog: null,
    console: false,
    args: ["x", "--y"],
  });
  assert.equal(parseArgs(["run", "a.ts", "--console"]).console, true);
  assert.throws(() => parseArgs(["go", "a.ts"]), /unknown command: go/);
  assert.throws(() => parseArgs(["run"]), /no file to run/);
  assert.throws(() => parseArgs(["run", "a.ts", "--bogus"]), /unknown flag: --bogus/);
  assert.throws(() => parseArgs(["run", "a.ts", "--workers", "1.5"]), /--workers must be a whole number/);
});
