// spawn with js-csp: csp.go() starts a process and returns the channel its result arrives on;
// taking from that channel is the join.
import csp, { type Chan } from "js-csp";
import { report, size } from "../../lib/report.js";

function* leaf(i: number): Generator<unknown, number, unknown> {
  return i;
}

function* main(n: number, done: (sum: number) => void): Generator<unknown, void, unknown> {
  const chans = new Array<Chan>(n);
  for (let i = 0; i < n; i++) chans[i] = csp.go(leaf, [i]);
  let s = 0;
  for (let i = 0; i < n; i++) s += (yield csp.take(chans[i] as Chan)) as number;
  done(s);
}

const n = size(1_000_000);
const start = performance.now();
const sum = await new Promise<number>((resolve) => csp.go(main, [n, resolve]));
report(start, sum);
