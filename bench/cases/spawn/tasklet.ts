// spawn: spawn n tasklets, the i-th returning i; join each in order (bench/lib/benchmarks.ts).
// The fast form of spawn: a generator made by a named generator function (a closure literal
// per tasklet is several times slower: HACKING.md, "What a tasklet costs"; tasklet-closure.ts).
import { type Operation, run, spawn, type Tasklet } from "../../../src/index.js";
import { report, size } from "../../lib/report.js";

function* leaf(i: number): Operation<number> {
  return i;
}

const n = size(1_000_000);
const start = performance.now();
const sum = await run(function* () {
  const ts = new Array<Tasklet<number>>(n);
  for (let i = 0; i < n; i++) ts[i] = spawn(leaf(i));
  let s = 0;
  for (let i = 0; i < n; i++) s += yield* (ts[i] as Tasklet<number>).join();
  return s;
});
report(start, sum);
