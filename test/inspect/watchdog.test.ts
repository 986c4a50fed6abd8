// The watchdog (src/core/watchdog.ts): a tasklet holding the thread past N ms is named on stderr
// while it still holds it, and again when it yields. Each program runs in a child process: the
// helper thread lasts as long as its thread, and its reports go to the child's stderr.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { main, run } from "../../src/index.js";
import { parseArgs } from "../../src/inspect/cli.js";
import { Child, CLI, fixtureDir, LIB } from "./child.js";

// A named tasklet busy for 300 ms without yielding; "loop end" is written the moment the loop ends.
const HOG = `
import { writeSync } from "node:fs";
import { main, run, schedule, sleep, spawn } from ${JSON.stringify(LIB)};
function* busy() {
  yield* schedule();
  const end = Date.now() + 300;
  while (Date.now() < end) {}
  writeSync(2, "loop end\\n");
  yield* sleep(20);
}
export default function* app() {
  const t = spawn(busy(), { name: "busy" });
  yield* t.join();
}
const form = process.argv[2];
if (form === "env") await main(app, { exit: false });
if (form === "option") {
  await run(app, { watchdog: 100, onHog: (r) => process.stdout.write("onHog " + JSON.stringify(r) + "\\n") });
}
`;

/** The lines of `stderr` the watchdog wrote while the tasklet held the thread, and after. */
function reports(stderr: string): { during: number; end: number; held: number } {
  const during = stderr.search(/tasklet watchdog: #\d+ busy has held the thread for \d+ ms and still holds it/);
  const loopEnd = stderr.indexOf("loop end");
  const m = /tasklet watchdog: #\d+ busy held the thread for (\d+) ms/.exec(stderr);
  assert.ok(during >= 0, `no report while the tasklet held the thread:\n${stderr}`);
  assert.ok(loopEnd >= 0, `the loop never ended:\n${stderr}`);
  assert.ok(m !== null, `no report when the tasklet yielded:\n${stderr}`);
  return { during, end: loopEnd, held: Number(m[1]) };
}

test("a tasklet that holds the thread past TASKLET_WATCHDOG_MS is named on stderr before its loop ends, and again with the time held", async () => {
  const fx = fixtureDir({ "hog.mjs": HOG });
  const child = new Child([join(fx.dir, "hog.mjs"), "env"], { env: { TASKLET_WATCHDOG_MS: "100" } });
  try {
    assert.equal(await child.exit(), 0, child.stderr);
    const r = reports(child.stderr);
    assert.ok(r.during < r.end, `the report came after the loop ended:\n${child.stderr}`);
    assert.ok(child.stderr.indexOf("held the thread for", r.end) > r.end, child.stderr);
    assert.ok(r.held >= 100, `held ${r.held} ms, reported past 100 ms`);
  } finally {
    child.kill();
    fx.cleanup();
  }
});

test("run's watchdog option reports the hog, and onHog gets its id, name and time held", async () => {
  const fx = fixtureDir({ "hog.mjs": HOG });
  const child = new Child([join(fx.dir, "hog.mjs"), "option"], { env: { TASKLET_WATCHDOG_MS: "" } });
  try {
    assert.equal(await child.exit(), 0, child.stderr);
    const r = reports(child.stderr);
    assert.ok(r.during < r.end, child.stderr);
    const m = /onHog (.*)\n/.exec(child.stdout);
    assert.ok(m !== null, `onHog was not called:\n${child.stdout}`);
    const got = JSON.parse(m[1] as string) as { id: number; name: string; heldMs: number };
    assert.equal(got.name, "busy");
    assert.equal(typeof got.id, "number");
    assert.ok(got.heldMs >= 100, `heldMs ${got.heldMs}`);
    assert.match(child.stderr, new RegExp(`#${got.id} busy held the thread for ${got.heldMs} ms`));
  } finally {
    child.kill();
    fx.cleanup();
  }
});

test("the runner's --watchdog N turns the watchdog on for the app", async () => {
  const fx = fixtureDir({ "hog.mjs": HOG });
  const child = new Child([CLI, "run", "hog.mjs", "--watchdog", "100"], {
    cwd: fx.dir,
    env: { TASKLET_WATCHDOG_MS: "" },
  });
  try {
    assert.equal(await child.exit(), 0, child.stderr);
    const r = reports(child.stderr);
    assert.ok(r.during < r.end, child.stderr);
  } finally {
    child.kill();
    fx.cleanup();
  }
});

// Many tasklets switching, each stretch short, sleeps between (the thread idles in the event loop).
const POLITE = `
import { main, schedule, sleep, spawn } from ${JSON.stringify(LIB)};
await main(function* () {
  const ts = [];
  for (let i = 0; i < 20; i++) {
    ts.push(spawn(function* () {
      for (let k = 0; k < 50; k++) {
        const end = Date.now() + 2;
        while (Date.now() < end) {}
        yield* schedule();
        if (k % 10 === 0) yield* sleep(30);
      }
    }, { name: "polite-" + i }));
  }
  yield* sleep(300);
  for (const t of ts) yield* t.join();
  yield* sleep(400); // nothing runs: the thread waits in the event loop
  process.stdout.write("done\\n");
}, { exit: false });
`;

test("well-behaved tasklets and an idle thread are never reported", async () => {
  const fx = fixtureDir({ "polite.mjs": POLITE });
  // Each tasklet holds the thread 2 ms at a time, 2 s in all: a watchdog that summed holds,
  // or counted the idle thread, would report at 1000 ms. The bound is that high because on
  // a loaded 2-core machine the OS can stop the main thread for 500 ms while the watchdog's
  // thread runs (seen at load 15): the watchdog cannot tell that from a hog.
  const child = new Child([join(fx.dir, "polite.mjs")], { env: { TASKLET_WATCHDOG_MS: "1000" } });
  try {
    assert.equal(await child.exit(), 0, child.stderr);
    assert.match(child.stdout, /done/);
    assert.doesNotMatch(child.stderr, /tasklet watchdog/);
  } finally {
    child.kill();
    fx.cleanup();
  }
});

test("a bad watchdog option or TASKLET_WATCHDOG_MS is an error at the call that names it", () => {
  function* body(): Generator<never, void> {}
  assert.throws(
    () => run(body, { watchdog: 0 }),
    /run: options\.watchdog must be a whole number of ms >= 1, got the number 0/,
  );
  assert.throws(() => run(body, { watchdog: 1.5 }), /options\.watchdog must be a whole number of ms >= 1/);
  assert.throws(
    () => main(body, { exit: false, onHog: "x" as unknown as () => void }),
    /main: options\.onHog must be a function/,
  );
  assert.equal(parseArgs(["run", "a.ts", "--watchdog", "250"]).watchdog, 250);
  assert.throws(() => parseArgs(["run", "a.ts", "--watchdog", "0"]), /--watchdog must be a whole number >= 1, got 0/);
});

test("a TASKLET_WATCHDOG_MS that is not a whole number of ms is an error at the first run", async () => {
  const fx = fixtureDir({ "hog.mjs": HOG });
  const child = new Child([join(fx.dir, "hog.mjs"), "env"], { env: { TASKLET_WATCHDOG_MS: "soon" } });
  try {
    assert.notEqual(await child.exit(), 0);
    assert.match(child.stderr, /main: TASKLET_WATCHDOG_MS must be a whole number of ms >= 1, got "soon"/);
  } finally {
    child.kill();
    fx.cleanup();
  }
});
