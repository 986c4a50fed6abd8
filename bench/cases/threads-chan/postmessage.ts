// threads-chan with postMessage: n int32 values one way, main thread -> a worker, one message each.
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { report, size } from "../../lib/report.js";

const n = size(5_000_000);
const worker = new Worker(new URL("../../lib/threads-jobs.js", import.meta.url), {
  env: { ...process.env, TASKLET_BENCH_PORT_SINK: "1" },
});
await once(worker, "online");
const start = performance.now();
for (let i = 0; i < n; i++) worker.postMessage(i);
worker.postMessage("end");
const [result] = (await once(worker, "message")) as [{ sum: number; n: number }];
report(start, result.sum);
await worker.terminate();
