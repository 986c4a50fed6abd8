// heap-bytes with Effection: n tasks blocked on a channel receive (each subscribed, as Effection's
// broadcast channels require), n on a lock (Effection has none: the minimal FIFO lock written with
// action(), as bench/cases/mutex/effection.ts), n in sleep(); heap bytes per task (bench/lib/heap.ts).
import { action, createChannel, type Operation, run, sleep, spawn } from "effection";
import { checkBlocked, extraOf, FOREVER_MS, heapAfterGc, KINDS, type Kind } from "../../lib/heap.js";
import { report, size } from "../../lib/report.js";

const n = size(1_000);
let blocked = 0;
const ch = createChannel<number>();
/** The lock is held for ever: each lock() is an action whose resolver waits on the queue. */
const lockQueue: (() => void)[] = [];
const lock = (): Operation<void> =>
  action<void>((resolve) => {
    lockQueue.push(resolve);
    return () => {
      const i = lockQueue.indexOf(resolve);
      if (i !== -1) lockQueue.splice(i, 1);
    };
  });

function* waiter(kind: Kind): Operation<void> {
  if (kind === "recv") {
    const sub = yield* ch;
    blocked++;
    yield* sub.next();
  } else {
    blocked++;
    if (kind === "mutex") yield* lock();
    else yield* sleep(FOREVER_MS);
  }
}

const start = performance.now();
await run(function* () {
  const bytes: Partial<Record<Kind, number>> = {};
  for (const kind of KINDS) {
    blocked = 0;
    const before = heapAfterGc();
    for (let i = 0; i < n; i++) yield* spawn(() => waiter(kind));
    while (blocked < n) yield* sleep(0);
    checkBlocked(kind, blocked, n);
    bytes[kind] = Math.round((heapAfterGc() - before) / n);
  }
  report(start, n, extraOf(bytes));
  process.exit(0); // the waiters wait for ever
});
