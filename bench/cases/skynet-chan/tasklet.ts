// Skynet (github.com/atemerev/skynet): each node spawns 10 children and sums
// what they send on its channel; the 1 000 000 leaves send their number.
import { type Channel, channel, type Operation, run, spawn } from "../../../src/index.js";
import { report, size } from "../../lib/report.js";

function* skynet(out: Channel<number>, num: number, size: number, div: number): Operation<void> {
  if (size === 1) {
    yield* out.send(num);
    return;
  }
  const rc = channel<number>();
  const sub = size / div;
  for (let i = 0; i < div; i++) spawn(skynet(rc, num + i * sub, sub, div));
  let sum = 0;
  for (let i = 0; i < div; i++) sum += yield* rc.recv();
  yield* out.send(sum);
}

const leaves = size(1_000_000);
const start = performance.now();
const sum = await run(function* () {
  const ch = channel<number>();
  spawn(skynet(ch, 0, leaves, 10));
  return yield* ch.recv();
});
report(start, sum);
