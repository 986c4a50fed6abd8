// The harness's description of cluster-spawn (bench/lib/benchmarks.ts, BenchSpec).
export const spec = {
  measures: "remote spawn + join throughput: a local WorkerPool against jobs through NATS to a tasklet node process",
  does: "n trivial jobs (return i + 1), all spawned then joined in order, on a WorkerPool of 2 threads (tasklet-pool) or through a JetStream work queue to one `tasklet node --workers 2` process (tasklet-cluster; server and node started before timing)",
  result: "sum of 1..n = n(n+1)/2",
  n: 5_000,
  quick: 100,
};
