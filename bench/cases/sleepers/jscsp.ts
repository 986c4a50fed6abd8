// sleepers with js-csp: a process per sleeper (csp.sleep), joined by taking its result channel.
import csp, { type Chan } from "js-csp";
import { sleepMs } from "../../lib/random.js";
import { report, size } from "../../lib/report.js";

function* sleeper(i: number): Generator<unknown, number, unknown> {
  const ms = sleepMs(i);
  yield csp.sleep(ms);
  return ms;
}

function* main(n: number, done: (sum: number) => void): Generator<unknown, void, unknown> {
  const chans = new Array<Chan>(n);
  for (let i = 0; i < n; i++) chans[i] = csp.go(sleeper, [i]);
  let s = 0;
  for (let i = 0; i < n; i++) s += (yield csp.take(chans[i] as Chan)) as number;
  done(s);
}

const n = size(1_000_000);
const start = performance.now();
const sum = await new Promise<number>((resolve) => csp.go(main, [n, resolve]));
report(start, sum);
