// heap-bytes: n tasklets blocked on a channel receive, n on a mutex, n in sleep; heap bytes per
// blocked tasklet of each kind (bench/lib/heap.ts).
import { channel, Mutex, type Operation, run, schedule, sleep, spawn } from "../../../src/index.js";
import { checkBlocked, extraOf, FOREVER_MS, heapAfterGc, KINDS, type Kind } from "../../lib/heap.js";
import { report, size } from "../../lib/report.js";

const n = size(100_000);
let blocked = 0;
const ch = channel<number>();
const lock = new Mutex();

function* waiter(kind: Kind): Operation<void> {
  blocked++;
  if (kind === "recv") yield* ch.recv();
  else if (kind === "mutex") yield* lock.lock();
  else yield* sleep(FOREVER_MS);
}

const start = performance.now();
await run(function* () {
  yield* lock.lock(); // held for ever: every waiter blocks
  const bytes: Partial<Record<Kind, number>> = {};
  for (const kind of KINDS) {
    blocked = 0;
    const before = heapAfterGc();
    for (let i = 0; i < n; i++) spawn(waiter(kind));
    while (blocked < n) yield* schedule(); // spawned tasklets run first: one turn suffices
    checkBlocked(kind, blocked, n);
    bytes[kind] = Math.round((heapAfterGc() - before) / n);
  }
  report(start, n, extraOf(bytes));
  process.exit(0); // the waiters wait for ever
});
