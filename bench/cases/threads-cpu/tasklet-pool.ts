// threads-cpu on a WorkerPool (one thread per core): the same 64 hashing tasklets, spread over the pool.
// The pool is started and warmed (threads up, module loaded) before the timed part, as piscina.ts does.
import { run } from "../../../src/index.js";
import { WorkerPool } from "../../../src/threads/index.js";
import { report, size } from "../../lib/report.js";
import { JOBS } from "../../lib/threads-jobs.js";

const MODULE = new URL("../../lib/threads-jobs.js", import.meta.url);
const rounds = size(400);
const pool = new WorkerPool();
await run(function* () {
  const warm = Array.from({ length: pool.size * 2 }, (_, i) => pool.spawn<number>(MODULE, "hashTasklet", i, 1));
  for (const t of warm) yield* t.join();
});
const start = performance.now();
const result = await run(function* () {
  const ts = Array.from({ length: JOBS }, (_, i) => pool.spawn<number>(MODULE, "hashTasklet", i, rounds));
  let sum = 0;
  for (const t of ts) sum = (sum + (yield* t.join())) % 2 ** 32;
  return sum;
});
report(start, result);
await pool.close();
