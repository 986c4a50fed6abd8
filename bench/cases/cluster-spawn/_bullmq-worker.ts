// The bullmq case's worker process: one BullMQ Worker with concurrency 2 (the tasklet node's two
// worker threads), running cluster-spawn's job on its own thread. Args: REDIS_PORT CONCURRENCY.
import { Worker } from "bullmq";
import { inc } from "./_jobs.js";

const port = Number(process.argv[2]);
const concurrency = Number(process.argv[3] ?? 2);
const worker = new Worker(
  "cluster-spawn",
  async (job) => {
    // The same generator as the tasklet cases' job; it never suspends, so one step runs it to its end.
    const r = inc(job.data as number)
      [Symbol.iterator]()
      .next();
    if (r.done !== true) throw new Error("inc suspended");
    return r.value;
  },
  { connection: { host: "127.0.0.1", port }, concurrency },
);
await worker.waitUntilReady();
process.stdout.write("ready\n");
process.once("SIGTERM", () => {
  void worker.close().then(() => process.exit(0));
});
