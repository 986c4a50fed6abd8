// CPU-bound tasklets on a pool of worker threads, checked against the same work on this
// thread. Run it: npm run build && node dist/examples/threads/main.js
import { run } from "../../src/index.js";
import { WorkerPool } from "../../src/threads/index.js";
import { hashChain } from "./jobs.js";

const JOBS = 8;
const ROUNDS = 100_000;
const jobs = new URL("./jobs.js", import.meta.url);
const pool = new WorkerPool({ size: 2 }); // default: one thread per core

const here = await run(function* () {
  const start = performance.now();
  const digests: string[] = [];
  for (let i = 0; i < JOBS; i++) digests.push(yield* hashChain(`job-${i}`, ROUNDS));
  return { digests, ms: performance.now() - start };
});

const there = await run(function* () {
  const start = performance.now();
  const handles = Array.from({ length: JOBS }, (_, i) => pool.spawn<string>(jobs, "hashChain", `job-${i}`, ROUNDS));
  const digests: string[] = [];
  for (const h of handles) digests.push(yield* h.join()); // a join that crosses threads
  return { digests, ms: performance.now() - start };
});
await pool.close();

const same = here.digests.every((d, i) => d === there.digests[i]);
console.log(`${JOBS} jobs of ${ROUNDS} sha256 rounds`);
console.log(`  this thread: ${here.ms.toFixed(0)} ms`);
console.log(`  pool of 2:   ${there.ms.toFixed(0)} ms (start-up included)`);
console.log(`  digests ${same ? "agree" : "DIFFER"}: ${there.digests[0]?.slice(0, 16)}…`);
process.exitCode = same ? 0 : 1;
