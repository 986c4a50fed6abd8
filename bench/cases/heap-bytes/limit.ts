// heap-bytes on the reference scheduler (bench/lib/reference.ts), the limit of tasklet's design:
// n tasks blocked on a rendezvous receive, n in sleep (it has no mutex); heap bytes per task.
import { checkBlocked, extraOf, FOREVER_MS, heapAfterGc, type Kind } from "../../lib/heap.js";
import { Chan, run, schedule, sleep, spawn } from "../../lib/reference.js";
import { report, size } from "../../lib/report.js";

const n = size(100_000);
let blocked = 0;
const ch = new Chan<number>();

function* waiter(kind: Kind): Generator<unknown, void, unknown> {
  blocked++;
  if (kind === "recv") yield* ch.recv();
  else yield* sleep(FOREVER_MS);
}

function* main(): Generator<unknown, void, unknown> {
  const bytes: Partial<Record<Kind, number>> = {};
  for (const kind of ["recv", "sleep"] as const) {
    blocked = 0;
    const before = heapAfterGc();
    for (let i = 0; i < n; i++) spawn(waiter(kind));
    while (blocked < n) yield* schedule();
    checkBlocked(kind, blocked, n);
    bytes[kind] = Math.round((heapAfterGc() - before) / n);
  }
  report(start, n, extraOf(bytes));
  process.exit(0); // the waiters wait for ever
}

const start = performance.now();
await run(main());
