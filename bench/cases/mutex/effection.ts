// mutex with Effection, which has no lock: the minimal FIFO lock written with action() (as the
// async/await peer writes its own); unlock hands the lock to the first waiter. n tasks each
// take it 1000 times; inside, they yield once (an action resolved at once, as in
// bench/cases/switch/effection.ts) and increment a counter.
import { action, type Operation, run, spawn, type Task } from "effection";
import { report, size } from "../../lib/report.js";

const noop = (): void => {};
const yieldNow = (): Operation<void> =>
  action<void>((resolve) => {
    resolve();
    return noop;
  });

class Lock {
  private locked = false;
  private waiters: (() => void)[] = [];
  *lock(): Operation<void> {
    if (!this.locked) {
      this.locked = true;
      return;
    }
    yield* action<void>((resolve) => {
      this.waiters.push(resolve);
      return () => {
        const i = this.waiters.indexOf(resolve);
        if (i !== -1) this.waiters.splice(i, 1);
      };
    });
  }
  unlock(): void {
    const next = this.waiters.shift();
    if (next === undefined) this.locked = false;
    else next(); // the lock passes to `next` still locked
  }
}

const ROUNDS = 1000;
const n = size(1000);
let counter = 0;

function* worker(lock: Lock): Operation<void> {
  for (let i = 0; i < ROUNDS; i++) {
    yield* lock.lock();
    try {
      yield* yieldNow();
      counter++;
    } finally {
      lock.unlock();
    }
  }
}

const start = performance.now();
await run(function* () {
  const lock = new Lock();
  const tasks: Task<void>[] = [];
  for (let w = 0; w < n; w++) tasks.push(yield* spawn(() => worker(lock)));
  for (const t of tasks) yield* t;
});
report(start, counter);
