// threads-cpu on one thread: 64 CPU-bound hashing tasklets on the main thread's runtime.
import { run, spawn } from "../../../src/index.js";
import { report, size } from "../../lib/report.js";
import { hashTasklet, JOBS } from "../../lib/threads-jobs.js";

const rounds = size(400);
const start = performance.now();
const result = await run(function* () {
  const ts = Array.from({ length: JOBS }, (_, i) => spawn(hashTasklet(i, rounds)));
  let sum = 0;
  for (const t of ts) sum = (sum + (yield* t.join())) % 2 ** 32;
  return sum;
});
report(start, result);
