// heap-bytes with plain async/await: n async calls awaiting a receive on a hand-written channel
// (a promise whose resolver the channel keeps), n awaiting a lock (the same, on the lock's queue),
// n awaiting a promise of setTimeout; heap bytes per blocked call of each kind (bench/lib/heap.ts).
import { Chan } from "../../lib/async-chan.js";
import { checkBlocked, extraOf, FOREVER_MS, heapAfterGc, KINDS, type Kind } from "../../lib/heap.js";
import { report, size } from "../../lib/report.js";

const n = size(100_000);
let blocked = 0;
const ch = new Chan<number>();
/** The lock is held for ever: each lock() is a promise whose resolver waits on the queue. */
const lockQueue: (() => void)[] = [];
const lock = (): Promise<void> => new Promise((resolve) => lockQueue.push(resolve));

async function waiter(kind: Kind): Promise<void> {
  blocked++;
  if (kind === "recv") await ch.recv();
  else if (kind === "mutex") await lock();
  else await new Promise((resolve) => setTimeout(resolve, FOREVER_MS));
}

const start = performance.now();
const bytes: Partial<Record<Kind, number>> = {};
for (const kind of KINDS) {
  blocked = 0;
  const before = heapAfterGc();
  for (let i = 0; i < n; i++) void waiter(kind);
  checkBlocked(kind, blocked, n); // an async call runs to its first await at once
  bytes[kind] = Math.round((heapAfterGc() - before) / n);
}
report(start, n, extraOf(bytes));
process.exit(0); // the waiters wait for ever
