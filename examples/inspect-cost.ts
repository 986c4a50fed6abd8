/**
 * What seeing inside costs: `node dist/examples/inspect-cost.js [tasklets]`.
 *
 * Measures, on this machine: spawn+join with and without spawn-site tracing
 * (TASKLET_TRACE), a switch before and after dumps (the probe leaves no cost
 * behind), and `tasklets()` / `dump()` over many blocked tasklets. Prints one
 * line per figure; the numbers move from run to run, the ratios hold.
 */

import { dump, type Operation, run, schedule, sleep, spawn, tasklets, trace } from "../src/index.js";

const N = Number(process.argv[2] ?? 10_000);

function* leaf(): Operation<void> {
  yield* schedule();
}
function* spawnJoin(n: number): Operation<void> {
  const ts = [];
  for (let i = 0; i < n; i++) ts.push(spawn(leaf()));
  for (const t of ts) yield* t.join();
}
function* spinner(n: number): Operation<void> {
  for (let i = 0; i < n; i++) yield* schedule();
}
function* blocked(depth: number): Operation<void> {
  if (depth === 0) yield* sleep(600_000);
  else yield* blocked(depth - 1);
}

function best(f: () => number, reps = 3): number {
  let b = Number.POSITIVE_INFINITY;
  for (let i = 0; i < reps; i++) b = Math.min(b, f());
  return b;
}

async function timeRun(body: () => Operation<void>): Promise<number> {
  const t0 = performance.now();
  await run(body);
  return performance.now() - t0;
}

const SPAWNS = 200_000;
const results: string[] = [];
for (const traced of [false, true]) {
  trace(traced);
  let b = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) b = Math.min(b, await timeRun(() => spawnJoin(SPAWNS)));
  results.push(
    `spawn+join, spawn sites ${traced ? "traced " : "off    "}: ${((b * 1e6) / SPAWNS).toFixed(0)} ns a tasklet`,
  );
}
trace(false);

const SWITCHES = 2_000_000;
const switchNs = async (): Promise<number> => {
  let b = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    b = Math.min(
      b,
      await timeRun(function* () {
        const a = spawn(spinner(SWITCHES / 2));
        const c = spawn(spinner(SWITCHES / 2));
        yield* a.join();
        yield* c.join();
      }),
    );
  }
  return (b * 1e6) / SWITCHES;
};
results.push(`switch before any dump: ${(await switchNs()).toFixed(0)} ns`);

await run(function* () {
  const ts = [];
  for (let i = 0; i < N; i++) ts.push(spawn(blocked(i % 4)));
  yield* sleep(1);
  const cheap = best(() => {
    const t0 = performance.now();
    tasklets({ stacks: false });
    return performance.now() - t0;
  });
  const full = best(() => {
    const t0 = performance.now();
    tasklets();
    return performance.now() - t0;
  });
  let text = "";
  const d = best(() => {
    const t0 = performance.now();
    text = dump();
    return performance.now() - t0;
  });
  results.push(
    `tasklets({ stacks: false }) of ${N} blocked: ${cheap.toFixed(1)} ms (${((cheap * 1e6) / N).toFixed(0)} ns a tasklet)`,
  );
  results.push(
    `tasklets() with stacks of ${N} blocked: ${full.toFixed(1)} ms (${((full * 1e3) / N).toFixed(1)} µs a tasklet)`,
  );
  results.push(`dump() of ${N} blocked: ${d.toFixed(1)} ms, ${text.split("\n").length} lines`);
  for (const t of ts) t.kill();
});
results.push(`switch after dumps: ${(await switchNs()).toFixed(0)} ns`);
console.log(`node ${process.version}\n${results.join("\n")}`);
