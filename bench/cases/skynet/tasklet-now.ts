// Skynet, join form: each node spawns 10 children and sums their results by
// joining them (the form github.com/atemerev/skynet uses for JavaScript
// promises); the 1 000 000 leaves return their number. With spawnNow: each
// child runs inside the call up to its first join, and a leaf ends there.
import { type Operation, run, spawnNow, type Tasklet } from "../../../src/index.js";
import { report, size } from "../../lib/report.js";

function* skynet(num: number, size: number, div: number): Operation<number> {
  if (size === 1) return num;
  const sub = size / div;
  const children: Tasklet<number>[] = new Array(div);
  for (let i = 0; i < div; i++) children[i] = spawnNow(skynet(num + i * sub, sub, div));
  let sum = 0;
  for (let i = 0; i < div; i++) sum += yield* (children[i] as Tasklet<number>).join();
  return sum;
}

const leaves = size(1_000_000);
const start = performance.now();
const sum = await run(skynet(0, leaves, 10));
report(start, sum);
