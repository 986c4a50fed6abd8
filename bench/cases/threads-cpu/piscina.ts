// threads-cpu on piscina (one thread per core, its default): the same 64 hashing jobs as plain functions.
import { Piscina } from "piscina";
import { report, size } from "../../lib/report.js";
import { JOBS } from "../../lib/threads-jobs.js";

const rounds = size(400);
const start = performance.now();
const pool = new Piscina({ filename: new URL("../../lib/threads-jobs.js", import.meta.url).href });
const results = await Promise.all(
  Array.from({ length: JOBS }, (_, i) => pool.run({ seed: i, rounds }) as Promise<number>),
);
let sum = 0;
for (const r of results) sum = (sum + r) % 2 ** 32;
await pool.destroy();
report(start, sum);
