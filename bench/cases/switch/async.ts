// switch with plain async/await: `await null` gives the thread to the other async function
// through the microtask queue.
import { report, size } from "../../lib/report.js";

async function yielder(times: number): Promise<number> {
  let k = 0;
  for (; k < times; k++) await null;
  return k;
}

const n = size(10_000_000);
const start = performance.now();
const [a, b] = await Promise.all([yielder(n >> 1), yielder(n - (n >> 1))]);
report(start, a + b);
