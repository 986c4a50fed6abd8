// sleepers with plain async/await: each sleeps on a promise of setTimeout.
import { sleepMs } from "../../lib/random.js";
import { report, size } from "../../lib/report.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function sleeper(i: number): Promise<number> {
  const ms = sleepMs(i);
  await sleep(ms);
  return ms;
}

const n = size(1_000_000);
const start = performance.now();
const ps = new Array<Promise<number>>(n);
for (let i = 0; i < n; i++) ps[i] = sleeper(i);
let sum = 0;
for (let i = 0; i < n; i++) sum += await (ps[i] as Promise<number>);
report(start, sum);
