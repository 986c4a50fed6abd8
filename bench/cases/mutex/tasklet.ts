/**
 * Mutex contention: n tasklets × 1000 rounds of lock / schedule / unlock on
 * one fair Mutex (every lock after the first round is a hand-off).
 * Result: the counter incremented inside the lock, n × 1000.
 */
import { Mutex, type Operation, run, schedule, spawn, type Tasklet } from "../../../src/index.js";
import { report, size } from "../../lib/report.js";

const ROUNDS = 1000;
const n = size(1000);
let counter = 0;

function* locker(m: Mutex): Operation<void> {
  for (let i = 0; i < ROUNDS; i++) {
    yield* m.lock();
    yield* schedule();
    counter++;
    m.unlock();
  }
}

const start = performance.now();
await run(function* () {
  const m = new Mutex();
  const ts: Tasklet[] = [];
  for (let i = 0; i < n; i++) ts.push(spawn(() => locker(m)));
  for (const t of ts) yield* t.join();
});
report(start, counter);
