// threads-cpu on a WorkerPool (one thread per core): the same 64 hashing tasklets, pool start-up included.
import { run } from "../../../src/index.js";
import { WorkerPool } from "../../../src/threads/index.js";
import { report, size } from "../../lib/report.js";
import { JOBS } from "../../lib/threads-jobs.js";

const MODULE = new URL("../../lib/threads-jobs.js", import.meta.url);
const rounds = size(400);
const start = performance.now();
const pool = new WorkerPool();
const result = await run(function* () {
  const ts = Array.from({ length: JOBS }, (_, i) => pool.spawn<number>(MODULE, "hashTasklet", i, rounds));
  let sum = 0;
  for (const t of ts) sum = (sum + (yield* t.join())) % 2 ** 32;
  return sum;
});
await pool.close();
report(start, result);
