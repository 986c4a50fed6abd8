/** The fileread benchmark's entry for the harness (shape of bench/lib/benchmarks.ts's BenchSpec). */
export const spec = {
  measures: "sequential reads of a file through the thread pool, one 64 KiB read at a time",
  does: "write an n MiB temporary file, then read it to its end in 64 KiB reads (only the reading is timed)",
  result: "bytes read = n × 1 MiB",
  n: 256,
  quick: 4,
};
