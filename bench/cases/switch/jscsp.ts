// switch with js-csp: a process that yields a value that is no instruction (here null) is
// rescheduled through setImmediate, which lets the other process run.
import csp, { type Chan } from "js-csp";
import { report, size } from "../../lib/report.js";

function* yielder(times: number): Generator<unknown, number, unknown> {
  let k = 0;
  for (; k < times; k++) yield null;
  return k;
}

function* main(n: number, done: (count: number) => void): Generator<unknown, void, unknown> {
  const a: Chan = csp.go(yielder, [n >> 1]);
  const b: Chan = csp.go(yielder, [n - (n >> 1)]);
  done(((yield csp.take(a)) as number) + ((yield csp.take(b)) as number));
}

const n = size(10_000_000);
const start = performance.now();
const count = await new Promise<number>((resolve) => csp.go(main, [n, resolve]));
report(start, count);
