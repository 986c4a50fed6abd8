// spawn, with a `function* () {…}` literal per tasklet: the form HACKING.md ("What a tasklet
// costs") warns about (each generator-function closure gets its own prototype, so V8 sees a
// new hidden class per generator). Shown beside tasklet.ts so the cost of the slow form stays visible.
import { run, spawn, type Tasklet } from "../../../src/index.js";
import { report, size } from "../../lib/report.js";

const n = size(1_000_000);
const start = performance.now();
const sum = await run(function* () {
  const ts = new Array<Tasklet<number>>(n);
  for (let i = 0; i < n; i++) {
    ts[i] = spawn(function* () {
      return i;
    });
  }
  let s = 0;
  for (let i = 0; i < n; i++) s += yield* (ts[i] as Tasklet<number>).join();
  return s;
});
report(start, sum);
