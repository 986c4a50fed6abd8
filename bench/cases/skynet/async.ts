// Skynet, join form, with plain async/await: each node awaits
// Promise.all of its 10 children (github.com/atemerev/skynet's JavaScript form).
import { report, size } from "../../lib/report.js";

async function skynet(num: number, size: number, div: number): Promise<number> {
  if (size === 1) return num;
  const sub = size / div;
  const children: Promise<number>[] = new Array(div);
  for (let i = 0; i < div; i++) children[i] = skynet(num + i * sub, sub, div);
  const sums = await Promise.all(children);
  let sum = 0;
  for (let i = 0; i < div; i++) sum += sums[i] as number;
  return sum;
}

const leaves = size(1_000_000);
const start = performance.now();
const sum = await skynet(0, leaves, 10);
report(start, sum);
