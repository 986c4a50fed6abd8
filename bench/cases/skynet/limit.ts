// Skynet, join form, on the reference scheduler (bench/lib/reference.ts), the limit of
// tasklet's design: each node spawns 10 children and sums their results by joining them.
import { run, spawn, type Task } from "../../lib/reference.js";
import { report, size } from "../../lib/report.js";

function* skynet(num: number, size: number, div: number): Generator<unknown, number, unknown> {
  if (size === 1) return num;
  const sub = size / div;
  const children: Task<number>[] = new Array(div);
  for (let i = 0; i < div; i++) children[i] = spawn(skynet(num + i * sub, sub, div));
  let sum = 0;
  for (let i = 0; i < div; i++) sum += yield* (children[i] as Task<number>).join();
  return sum;
}

const leaves = size(1_000_000);
const start = performance.now();
const sum = await run(skynet(0, leaves, 10));
report(start, sum);
