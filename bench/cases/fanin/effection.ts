// fanin with Effection: n producer tasks each send 0..999 into one channel (createChannel), the main task
// receives all. Effection's channels are unbounded (no capacity, a send never waits), so
// this peer has no back-pressure: it measures the same traffic without the 1024 limit.
import { createChannel, type Operation, run, spawn, type Task } from "effection";
import { report, size } from "../../lib/report.js";

function* producer(send: (v: number) => Operation<void>, count: number): Operation<void> {
  for (let k = 0; k < count; k++) yield* send(k);
}

const VALUES = 1000; // each producer sends 0..999, as bench/cases/fanin/tasklet.ts
const producers = size(1000);
const each = VALUES;
const start = performance.now();
const sum = await run(function* (): Operation<number> {
  const ch = createChannel<number>();
  const values = yield* ch;
  const send = (v: number): Operation<void> => ch.send(v);
  const tasks: Task<void>[] = [];
  for (let p = 0; p < producers; p++) tasks.push(yield* spawn(() => producer(send, each)));
  let s = 0;
  for (let k = 0; k < producers * each; k++) s += (yield* values.next()).value as number;
  for (const t of tasks) yield* t;
  return s;
});
report(start, sum);
