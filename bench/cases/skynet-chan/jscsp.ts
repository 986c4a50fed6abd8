// skynet with js-csp, as the original Go program: each node sends its sum on its parent's
// unbuffered channel; a parent takes 10 values from its own.
import csp, { type Chan } from "js-csp";
import { report, size } from "../../lib/report.js";

function* skynet(out: Chan<number>, num: number, size: number): Generator<unknown, void, unknown> {
  if (size === 1) {
    yield csp.put(out, num);
    return;
  }
  const child = size / 10;
  const mine = csp.chan<number>();
  for (let i = 0; i < 10; i++) csp.go(skynet, [mine, num + i * child, child]);
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += (yield csp.take(mine)) as number;
  yield csp.put(out, sum);
}

function* main(n: number, done: (sum: number) => void): Generator<unknown, void, unknown> {
  const out = csp.chan<number>();
  csp.go(skynet, [out, 0, n]);
  done((yield csp.take(out)) as number);
}

const n = size(1_000_000);
const start = performance.now();
const sum = await new Promise<number>((resolve) => csp.go(main, [n, resolve]));
report(start, sum);
