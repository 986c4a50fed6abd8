// The harness's description of cluster-spawn (bench/lib/benchmarks.ts, BenchSpec).
export const spec = {
  measures:
    "remote spawn + join throughput and latency: a local WorkerPool, jobs through NATS to a tasklet node process, and BullMQ on Redis to a worker process",
  does: "n trivial jobs (return i + 1), all spawned then joined in order, on a WorkerPool of 2 threads (tasklet-pool), through a JetStream work queue to one `tasklet node --workers 2` process (tasklet-cluster), or through a BullMQ queue on a redis-server to one worker process of concurrency 2 (bullmq; joined with waitUntilFinished); servers and workers started and warmed before timing. Before the timed part, min(n, 300) jobs one at a time give the latency from spawn to join (p50us, p99us)",
  result: "sum of 1..n = n(n+1)/2",
  n: 5_000,
  quick: 100,
};
