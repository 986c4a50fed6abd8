// fanin with js-csp: P producer processes put into one channel with a fixed buffer of 1024.
import csp, { type Chan } from "js-csp";
import { report, size } from "../../lib/report.js";

function* producer(ch: Chan<number>, from: number, count: number): Generator<unknown, void, unknown> {
  for (let k = 0; k < count; k++) yield csp.put(ch, from + k);
}

function* consumer(n: number, done: (sum: number) => void): Generator<unknown, void, unknown> {
  const producers = Math.min(1000, n);
  const each = Math.floor(n / producers);
  const ch = csp.chan<number>(1024);
  for (let p = 0; p < producers; p++) csp.go(producer, [ch, p * each, each]);
  let sum = 0;
  for (let k = 0; k < producers * each; k++) sum += (yield csp.take(ch)) as number;
  done(sum);
}

const n = size(1_000_000);
const start = performance.now();
const sum = await new Promise<number>((resolve) => csp.go(consumer, [n, resolve]));
report(start, sum);
