// skynet with Effection: a node spawns its 10 children as tasks and joins them.
import { type Operation, run, spawn, type Task } from "effection";
import { report, size } from "../../lib/report.js";

function* skynet(num: number, size: number): Operation<number> {
  if (size === 1) return num;
  const child = size / 10;
  const tasks: Task<number>[] = [];
  for (let i = 0; i < 10; i++) tasks.push(yield* spawn(() => skynet(num + i * child, child)));
  let sum = 0;
  for (const t of tasks) sum += yield* t;
  return sum;
}

const n = size(1_000_000);
const start = performance.now();
report(start, await run(() => skynet(0, n)));
