// cluster-spawn on a local WorkerPool of 2 threads (the embedded cluster's engine).
import { run } from "../../../src/index.js";
import { WorkerPool } from "../../../src/threads/index.js";
import { report, size } from "../../lib/report.js";
import { latencyJobs, percentiles } from "./_latency.js";

const JOBS = new URL("./_jobs.js", import.meta.url);
const n = size(5_000);
const pool = new WorkerPool({ size: 2 });
await run(function* () {
  yield* pool.spawn(JOBS, "inc", 0).join(); // start a worker before timing
});
const lat = await run(function* () {
  const out: number[] = [];
  for (let i = 0; i < latencyJobs(n); i++) {
    const t0 = performance.now();
    yield* pool.spawn<number>(JOBS, "inc", i).join();
    out.push(performance.now() - t0);
  }
  return out;
});
const start = performance.now();
const sum = await run(function* () {
  const jobs = Array.from({ length: n }, (_, i) => pool.spawn<number>(JOBS, "inc", i));
  let sum = 0;
  for (const j of jobs) sum += yield* j.join();
  return sum;
});
report(start, sum, percentiles(lat));
await pool.close();
