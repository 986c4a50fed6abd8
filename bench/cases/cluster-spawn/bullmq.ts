// cluster-spawn on BullMQ over Redis: a redis-server of its own (not timed) and one worker process
// with concurrency 2 (_bullmq-worker.ts), the same jobs; join is BullMQ's waitUntilFinished.
// Skips, saying why, without redis-server or the bullmq package (a devDependency).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { report, size, skip } from "../../lib/report.js";
import { latencyJobs, percentiles } from "./_latency.js";
import { redisMissing, startRedis } from "./_redis.js";

const n = size(5_000);
const missing = redisMissing();
if (missing !== null) skip(missing);
let bullmq: typeof import("bullmq");
try {
  bullmq = await import("bullmq");
} catch (e) {
  skip(`the bullmq package cannot be loaded (npm i -D bullmq ioredis): ${(e as Error).message}`);
}
const { Queue, QueueEvents } = bullmq;

const redis = await startRedis();
const worker = spawn(
  process.execPath,
  [fileURLToPath(new URL("./_bullmq-worker.js", import.meta.url)), String(redis.port), "2"],
  { stdio: ["ignore", "pipe", "inherit"] },
);
const exited = new Promise((r) => worker.once("exit", r));
try {
  await new Promise<void>((resolve, reject) => {
    let out = "";
    worker.stdout?.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.includes("ready")) resolve();
    });
    worker.once("exit", (code) => reject(new Error(`the BullMQ worker exited with ${code} before it was ready`)));
  });
  const connection = { host: "127.0.0.1", port: redis.port };
  const queue = new Queue("cluster-spawn", { connection });
  const events = new QueueEvents("cluster-spawn", { connection });
  await events.waitUntilReady();
  const join = async (job: { waitUntilFinished(e: typeof events): Promise<unknown> }): Promise<number> =>
    Number(await job.waitUntilFinished(events));

  await join(await queue.add("inc", 0)); // warm the worker before timing
  const lat: number[] = [];
  for (let i = 0; i < latencyJobs(n); i++) {
    const t0 = performance.now();
    await join(await queue.add("inc", i));
    lat.push(performance.now() - t0);
  }
  const start = performance.now();
  // All added at once (the commands go out back to back on one connection, as spawn publishes
  // without waiting), then joined in order.
  const jobs = await Promise.all(Array.from({ length: n }, (_, i) => queue.add("inc", i)));
  let sum = 0;
  for (const j of jobs) sum += await join(j);
  report(start, sum, percentiles(lat));
  await events.close();
  await queue.close();
  worker.kill("SIGTERM");
  await exited;
} finally {
  if (worker.exitCode === null && worker.signalCode === null) worker.kill("SIGKILL");
  await redis.stop();
}
