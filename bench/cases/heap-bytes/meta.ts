// heap-bytes: what a blocked task costs in heap (bench/lib/heap.ts); the harness's table for it.
import type { BenchSpec } from "../../lib/benchmarks.js";

export const spec: Partial<BenchSpec> = {
  measures: "heap bytes per tasklet blocked on a channel receive, on a mutex and in sleep (issue 15's goal: ≤ 280)",
  does: "for each kind of wait: a full GC, n tasks that each block for ever on it, a full GC; (heap used after − before) ÷ n (extra columns recvBytes, mutexBytes, sleepBytes; ms is the whole case)",
  result: "n (each kind checks that its n tasks all reached their wait)",
  n: 100_000,
  quick: 1_000,
  smaller: { effection: 1_000, effect: 10_000 },
};
