// threads-chan with tasklets: n int32 values one way, main thread -> a pool worker, over a ThreadChannel.
import { run } from "../../../src/index.js";
import { ThreadChannel, WorkerPool } from "../../../src/threads/index.js";
import { report, size } from "../../lib/report.js";

const MODULE = new URL("../../lib/threads-jobs.js", import.meta.url);
const n = size(5_000_000);
const pool = new WorkerPool({ size: 1 });
// Start the worker before timing, as postmessage.ts does.
await run(function* () {
  yield* pool.spawn(MODULE, "sumChannel", closed()).join();
});
const start = performance.now();
const result = await run(function* () {
  const ch = new ThreadChannel<number>(4096);
  const sink = pool.spawn<{ sum: number; n: number }>(MODULE, "sumChannel", ch);
  for (let i = 0; i < n; i++) yield* ch.send(i);
  ch.close();
  return (yield* sink.join()).sum;
});
report(start, result);
await pool.close();

function closed(): ThreadChannel<number> {
  const ch = new ThreadChannel<number>(1);
  ch.close();
  return ch;
}
