// fanin with plain async/await and a hand-written buffered channel (bench/lib/benchmarks.ts):
// n producers each send 0..999 into one channel of capacity 1024, one consumer receives all.
// The channel is the usual minimal one: a ring of values, FIFO queues of waiting senders and
// receivers, a promise only when a side must wait.
import { report, size } from "../../lib/report.js";

/** A FIFO that does not shift (Array#shift is O(length) on large arrays). */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(v: T): void {
    this.items.push(v);
  }
  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const v = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }
}

class Channel<T> {
  private readonly buf = new Fifo<T>();
  private readonly senders = new Fifo<{ v: T; resolve: () => void }>();
  private readonly receivers = new Fifo<(v: T) => void>();
  constructor(private readonly capacity: number) {}

  send(v: T): Promise<void> | undefined {
    const r = this.receivers.shift();
    if (r !== undefined) {
      r(v);
      return undefined;
    }
    if (this.buf.length < this.capacity) {
      this.buf.push(v);
      return undefined;
    }
    return new Promise((resolve) => this.senders.push({ v, resolve }));
  }

  recv(): Promise<T> | T {
    if (this.buf.length > 0) {
      const v = this.buf.shift() as T;
      const s = this.senders.shift();
      if (s !== undefined) {
        this.buf.push(s.v);
        s.resolve();
      }
      return v;
    }
    const s = this.senders.shift();
    if (s !== undefined) {
      s.resolve();
      return s.v;
    }
    return new Promise((resolve) => this.receivers.push(resolve));
  }
}

async function producer(ch: Channel<number>, count: number): Promise<void> {
  for (let k = 0; k < count; k++) await ch.send(k);
}

const VALUES = 1000; // each producer sends 0..999, as bench/cases/fanin/tasklet.ts
const producers = size(1000);
const each = VALUES;
const start = performance.now();
const ch = new Channel<number>(1024);
const done = [];
for (let p = 0; p < producers; p++) done.push(producer(ch, each));
let sum = 0;
for (let k = 0; k < producers * each; k++) sum += await ch.recv();
await Promise.all(done);
report(start, sum);
