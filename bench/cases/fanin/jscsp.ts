// fanin with js-csp: n producer processes each put 0..999 into one channel with a fixed buffer of 1024.
import csp, { type Chan } from "js-csp";
import { report, size } from "../../lib/report.js";

const VALUES = 1000; // each producer sends 0..999, as bench/cases/fanin/tasklet.ts

function* producer(ch: Chan<number>, count: number): Generator<unknown, void, unknown> {
  for (let k = 0; k < count; k++) yield csp.put(ch, k);
}

function* consumer(n: number, done: (sum: number) => void): Generator<unknown, void, unknown> {
  const producers = n;
  const each = VALUES;
  const ch = csp.chan<number>(1024);
  for (let p = 0; p < producers; p++) csp.go(producer, [ch, each]);
  let sum = 0;
  for (let k = 0; k < producers * each; k++) sum += (yield csp.take(ch)) as number;
  done(sum);
}

const n = size(1000);
const start = performance.now();
const sum = await new Promise<number>((resolve) => csp.go(consumer, [n, resolve]));
report(start, sum);
