// sleepers on the reference scheduler (bench/lib/reference.ts), the limit of tasklet's design:
// n tasks, the i-th sleeps sleepMs(i) ms (0–1000) and returns it; join all.
import { sleepMs } from "../../lib/random.js";
import { run, sleep, spawn, type Task } from "../../lib/reference.js";
import { report, size } from "../../lib/report.js";

function* sleeper(i: number): Generator<unknown, number, unknown> {
  const ms = sleepMs(i);
  yield* sleep(ms);
  return ms;
}

function* main(n: number): Generator<unknown, number, unknown> {
  const ts = new Array<Task<number>>(n);
  for (let i = 0; i < n; i++) ts[i] = spawn(sleeper(i));
  let s = 0;
  for (let i = 0; i < n; i++) s += yield* (ts[i] as Task<number>).join();
  return s;
}

const n = size(1_000_000);
const start = performance.now();
const sum = await run(main(n));
report(start, sum);
