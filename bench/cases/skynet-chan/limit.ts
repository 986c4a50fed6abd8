// Skynet on the reference scheduler (bench/lib/reference.ts), the limit of tasklet's design:
// each node spawns 10 children and sums what they send on its rendezvous channel.
import { Chan, run, spawn } from "../../lib/reference.js";
import { report, size } from "../../lib/report.js";

function* skynet(out: Chan<number>, num: number, size: number, div: number): Generator<unknown, void, unknown> {
  if (size === 1) {
    yield* out.send(num);
    return;
  }
  const rc = new Chan<number>();
  const sub = size / div;
  for (let i = 0; i < div; i++) spawn(skynet(rc, num + i * sub, sub, div));
  let sum = 0;
  for (let i = 0; i < div; i++) sum += yield* rc.recv();
  yield* out.send(sum);
}

function* main(leaves: number): Generator<unknown, number, unknown> {
  const ch = new Chan<number>();
  spawn(skynet(ch, 0, leaves, 10));
  return yield* ch.recv();
}

const leaves = size(1_000_000);
const start = performance.now();
const sum = await run(main(leaves));
report(start, sum);
