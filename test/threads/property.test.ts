// Property: whatever the capacity, the mix of producers and consumers on the main thread and on
// two workers, the receive timeouts and the kills of consumers, every value sent over a thread
// channel is received exactly once, and each receiver sees each producer's values in order.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  ChannelClosedError,
  ChannelTimeoutError,
  type Operation,
  run,
  sleep,
  spawn,
  type Tasklet,
} from "../../src/index.js";
import { ThreadChannel, WorkerPool } from "../../src/threads/index.js";

const JOBS = new URL("./fixtures/jobs.js", import.meta.url);
/** Values of producer p are p * STRIDE + i. */
const STRIDE = 100_000;

function* consumer(ch: ThreadChannel<number>, got: number[], timeoutMs: number): Operation<void> {
  for (;;) {
    try {
      got.push(timeoutMs > 0 ? yield* ch.recvTimeout(timeoutMs) : yield* ch.recv());
    } catch (e) {
      if (e instanceof ChannelClosedError) return;
      if (!(e instanceof ChannelTimeoutError)) throw e;
    }
  }
}

function* producer(ch: ThreadChannel<number>, from: number, to: number): Operation<void> {
  for (let i = from; i < to; i++) yield* ch.send(i);
}

test("thread channel: every value is received exactly once, in per-producer order (random programs)", async () => {
  const pool = new WorkerPool({ size: 2 });
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          capacity: fc.constantFrom(0, 1, 4, 64),
          mainProducers: fc.integer({ min: 0, max: 2 }),
          workerProducers: fc.integer({ min: 1, max: 2 }),
          mainConsumers: fc.array(
            fc.record({ timeoutMs: fc.constantFrom(0, 1, 3), killAfterMs: fc.option(fc.integer({ min: 0, max: 20 })) }),
            { maxLength: 3 },
          ),
          workerConsumers: fc.integer({ min: 1, max: 2 }),
          perProducer: fc.integer({ min: 1, max: 400 }),
        }),
        async (p) => {
          await run(function* () {
            const ch = new ThreadChannel<number>(p.capacity);
            const mainGot: number[][] = [];
            const local: Tasklet[] = [];
            for (const c of p.mainConsumers) {
              const got: number[] = [];
              mainGot.push(got);
              const t = spawn(() => consumer(ch, got, c.timeoutMs));
              local.push(t);
              if (c.killAfterMs !== null) {
                spawn(function* () {
                  yield* sleep(c.killAfterMs as number);
                  t.kill();
                });
              }
            }
            const remote = Array.from({ length: p.workerConsumers }, () =>
              pool.spawn<{ got: number[] }>(JOBS, "drainWhere", ch),
            );
            let id = 0;
            const producers: Operation<unknown>[] = [];
            for (let i = 0; i < p.mainProducers; i++, id++) {
              const t = spawn(producer(ch, id * STRIDE, id * STRIDE + p.perProducer));
              producers.push(t.join());
            }
            for (let i = 0; i < p.workerProducers; i++, id++) {
              producers.push(pool.spawn(JOBS, "produce", ch, id * STRIDE, id * STRIDE + p.perProducer).join());
            }
            for (const j of producers) yield* j;
            ch.close();
            const all: number[][] = [...mainGot];
            for (const t of local) {
              try {
                yield* t.join();
              } catch {
                // killed: what it received before is in its array
              }
            }
            for (const r of remote) all.push((yield* r.join()).got);
            const flat = all.flat().sort((a, b) => a - b);
            const expected: number[] = [];
            for (let k = 0; k < id; k++) for (let i = 0; i < p.perProducer; i++) expected.push(k * STRIDE + i);
            assert.deepEqual(flat, expected);
            for (const got of all) {
              const last = new Map<number, number>();
              for (const v of got) {
                const k = Math.floor(v / STRIDE);
                assert.ok(v > (last.get(k) ?? -1), "per-producer order");
                last.set(k, v);
              }
            }
          });
        },
      ),
      { numRuns: 60, seed: Number(process.env.TASKLET_SEED ?? 42) },
    );
  } finally {
    await pool.close();
  }
});
