// The harness's description of threads-cpu (bench/lib/benchmarks.ts, BenchSpec): a case directory may give its own.
export const spec = {
  measures: "CPU-bound tasklets on one thread against a pool of worker threads (one per core) and piscina",
  does: "64 jobs, each sha256 chained n times over a 64 KiB block; tasklet-1 runs them as tasklets on the main thread, tasklet-pool on a WorkerPool (start-up included), piscina as plain functions",
  result: "sum mod 2^32 of the first word of each job's last digest",
  n: 400,
  quick: 4,
};
