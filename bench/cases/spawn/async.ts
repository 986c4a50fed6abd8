// spawn with plain async/await: an async function call is the task, awaiting its promise the join.
import { report, size } from "../../lib/report.js";

async function leaf(i: number): Promise<number> {
  return i;
}

const n = size(1_000_000);
const start = performance.now();
const ps = new Array<Promise<number>>(n);
for (let i = 0; i < n; i++) ps[i] = leaf(i);
let sum = 0;
for (let i = 0; i < n; i++) sum += await (ps[i] as Promise<number>);
report(start, sum);
