// heap-bytes with Effect: n fibers blocked in Queue.take on an empty queue, n in Semaphore.take on
// a semaphore of 1 permit held for ever (Effect's lock), n in Effect.sleep; heap bytes per fiber
// (bench/lib/heap.ts).
import { Effect, Queue, Semaphore } from "effect";
import { checkBlocked, extraOf, FOREVER_MS, heapAfterGc, KINDS, type Kind } from "../../lib/heap.js";
import { report, size } from "../../lib/report.js";

const n = size(10_000);
let blocked = 0;
const count = Effect.sync(() => {
  blocked++;
});

const start = performance.now();
const program = Effect.gen(function* () {
  const queue = yield* Queue.unbounded<number>();
  const lock = yield* Semaphore.make(1);
  yield* Semaphore.take(lock, 1); // held for ever: every waiter blocks
  const wait: Record<Kind, Effect.Effect<unknown>> = {
    recv: Effect.andThen(count, Queue.take(queue)),
    mutex: Effect.andThen(count, Semaphore.take(lock, 1)),
    sleep: Effect.andThen(count, Effect.sleep(FOREVER_MS)),
  };
  const bytes: Partial<Record<Kind, number>> = {};
  for (const kind of KINDS) {
    blocked = 0;
    const before = heapAfterGc();
    for (let i = 0; i < n; i++) yield* Effect.forkChild(wait[kind]);
    while (blocked < n) yield* Effect.yieldNow;
    yield* Effect.yieldNow; // the last one counted reaches its wait
    checkBlocked(kind, blocked, n);
    bytes[kind] = Math.round((heapAfterGc() - before) / n);
  }
  return bytes;
});
const bytes = await Effect.runPromise(program);
report(start, n, extraOf(bytes));
process.exit(0); // the waiters wait for ever
