// Fan-in: producers × values into one channel of capacity 1024, one consumer.
import { type Channel, channel, type Operation, run, spawn } from "../../../src/index.js";
import { report, size } from "../../lib/report.js";

function* producer(ch: Channel<number>, values: number): Operation<void> {
  for (let i = 0; i < values; i++) yield* ch.send(i);
}

const producers = size(1000);
const values = 1000;
const start = performance.now();
const sum = await run(function* () {
  const ch = channel<number>(1024);
  for (let p = 0; p < producers; p++) spawn(producer(ch, values));
  let total = 0;
  for (let i = producers * values; i > 0; i--) total += yield* ch.recv();
  return total;
});
report(start, sum);
