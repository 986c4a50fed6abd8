// threads-cpu on piscina (one thread per core, its default): the same 64 hashing jobs as plain functions.
// The pool is warmed (threads up, module loaded) before the timed part, as tasklet-pool.ts does.
import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import { report, size } from "../../lib/report.js";
import { JOBS } from "../../lib/threads-jobs.js";

const rounds = size(400);
const threads = availableParallelism();
const pool = new Piscina({
  filename: new URL("../../lib/threads-jobs.js", import.meta.url).href,
  minThreads: threads,
  maxThreads: threads,
});
await Promise.all(Array.from({ length: threads * 2 }, (_, i) => pool.run({ seed: i, rounds: 1 })));
const start = performance.now();
const results = await Promise.all(
  Array.from({ length: JOBS }, (_, i) => pool.run({ seed: i, rounds }) as Promise<number>),
);
let sum = 0;
for (const r of results) sum = (sum + r) % 2 ** 32;
report(start, sum);
await pool.destroy();
