// spawn on the reference scheduler (bench/lib/reference.ts), the limit of tasklet's design:
// spawn n tasks, the i-th returning i; join each in order.
import { run, spawn, type Task } from "../../lib/reference.js";
import { report, size } from "../../lib/report.js";

function* leaf(i: number): Generator<unknown, number, unknown> {
  return i;
}

function* main(n: number): Generator<unknown, number, unknown> {
  const ts = new Array<Task<number>>(n);
  for (let i = 0; i < n; i++) ts[i] = spawn(leaf(i));
  let s = 0;
  for (let i = 0; i < n; i++) s += yield* (ts[i] as Task<number>).join();
  return s;
}

const n = size(1_000_000);
const start = performance.now();
const sum = await run(main(n));
report(start, sum);
