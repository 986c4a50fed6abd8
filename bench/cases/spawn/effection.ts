// spawn with Effection: spawn() a task per leaf, join each by yielding to its Task.
import { type Operation, run, spawn, type Task } from "effection";
import { report, size } from "../../lib/report.js";

function* leaf(i: number): Operation<number> {
  return i;
}

const n = size(1_000_000);
const start = performance.now();
const sum = await run(function* () {
  const tasks = new Array<Task<number>>(n);
  for (let i = 0; i < n; i++) tasks[i] = yield* spawn(() => leaf(i));
  let s = 0;
  for (let i = 0; i < n; i++) s += yield* tasks[i] as Task<number>;
  return s;
});
report(start, sum);
