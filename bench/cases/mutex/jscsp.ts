// mutex with js-csp: the CSP lock, a channel of capacity 1 holding one token: take it to lock,
// put it back to unlock (takers wait FIFO). n processes each lock it 1000 times; inside, they
// yield once (`yield null`, a reschedule) and increment a counter.
import csp, { type Chan } from "js-csp";
import { report, size } from "../../lib/report.js";

const ROUNDS = 1000;
let counter = 0;

function* worker(lock: Chan<boolean>): Generator<unknown, void, unknown> {
  for (let i = 0; i < ROUNDS; i++) {
    yield csp.take(lock);
    yield null;
    counter++;
    yield csp.put(lock, true);
  }
}

function* main(n: number, done: () => void): Generator<unknown, void, unknown> {
  const lock = csp.chan<boolean>(1);
  yield csp.put(lock, true);
  const workers: Chan[] = [];
  for (let w = 0; w < n; w++) workers.push(csp.go(worker, [lock]));
  for (const w of workers) yield csp.take(w);
  done();
}

const n = size(1000);
const start = performance.now();
await new Promise<void>((resolve) => csp.go(main, [n, resolve]));
report(start, counter);
