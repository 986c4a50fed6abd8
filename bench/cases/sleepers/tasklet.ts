// sleepers: n tasklets, the i-th sleeps sleepMs(i) ms (0–1000) and returns it; join all.
import { type Operation, run, sleep, spawn, type Tasklet } from "../../../src/index.js";
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
  const ts = new Array<Tasklet<number>>(n);
  for (let i = 0; i < n; i++) ts[i] = spawn(sleeper(i));
  let s = 0;
  for (let i = 0; i < n; i++) s += yield* (ts[i] as Tasklet<number>).join();
  return s;
});
report(start, sum);
