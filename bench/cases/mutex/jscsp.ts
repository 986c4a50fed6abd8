// mutex with js-csp: the CSP lock, a channel of capacity 1 holding one token: take it to lock,
// put it back to unlock (takers wait FIFO). 100 processes each lock n/100 times, increment a
// counter and yield once inside (`yield null`, a reschedule).
import csp, { type Chan } from "js-csp";
import { report, size } from "../../lib/report.js";

const WORKERS = 100;
let counter = 0;

function* worker(lock: Chan<boolean>, times: number): Generator<unknown, void, unknown> {
  for (let k = 0; k < times; k++) {
    yield csp.take(lock);
    counter++;
    yield null;
    yield csp.put(lock, true);
  }
}

function* main(n: number, done: () => void): Generator<unknown, void, unknown> {
  const lock = csp.chan<boolean>(1);
  yield csp.put(lock, true);
  const workers: Chan[] = [];
  for (let w = 0; w < WORKERS; w++) workers.push(csp.go(worker, [lock, Math.floor(n / WORKERS)]));
  for (const w of workers) yield csp.take(w);
  done();
}

const n = size(1_000_000);
const start = performance.now();
await new Promise<void>((resolve) => csp.go(main, [n, resolve]));
report(start, counter);
