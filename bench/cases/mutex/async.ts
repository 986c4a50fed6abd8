/**
 * Mutex contention with async/await: n async functions × 1000 rounds of
 * lock / `await null` / unlock on a simple promise-queue mutex (FIFO
 * hand-off, as the tasklet Mutex). Result: n × 1000.
 */
import { report, size } from "../../lib/report.js";

class AsyncMutex {
  private locked = false;
  private readonly queue: (() => void)[] = [];
  lock(): Promise<void> | undefined {
    if (!this.locked) {
      this.locked = true;
      return undefined;
    }
    return new Promise<void>((resolve) => this.queue.push(resolve));
  }
  unlock(): void {
    const next = this.queue.shift();
    if (next === undefined) this.locked = false;
    else next();
  }
}

const ROUNDS = 1000;
const n = size(1000);
let counter = 0;

async function locker(m: AsyncMutex): Promise<void> {
  for (let i = 0; i < ROUNDS; i++) {
    await m.lock();
    await null;
    counter++;
    m.unlock();
  }
}

const start = performance.now();
const m = new AsyncMutex();
const all: Promise<void>[] = [];
for (let i = 0; i < n; i++) all.push(locker(m));
await Promise.all(all);
report(start, counter);
