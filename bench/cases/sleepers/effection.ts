// sleepers with Effection: a task per sleeper (sleep()), joined in order.
import { type Operation, run, sleep, spawn, type Task } from "effection";
import { sleepMs } from "../../lib/random.js";
import { report, size } from "../../lib/report.js";

function* sleeper(i: number): Operation<number> {
  const ms = sleepMs(i);
  yield* sleep(ms);
  return ms;
}

const n = size(1_000_000);
const start = performance.now();
const sum = await run(function* () {
  const tasks = new Array<Task<number>>(n);
  for (let i = 0; i < n; i++) tasks[i] = yield* spawn(() => sleeper(i));
  let s = 0;
  for (let i = 0; i < n; i++) s += yield* tasks[i] as Task<number>;
  return s;
});
report(start, sum);
