// The harness's description of cluster-cpu (bench/lib/benchmarks.ts, BenchSpec).
export const spec = {
  measures: "CPU-bound jobs spread over 1, 2 and 3 `tasklet node` processes (one worker each) through NATS",
  does: "64 jobs, each sha256 chained n times over a 64 KiB block (threads-cpu's job), spawned on the cluster and joined; server and nodes started before timing. On a 2-core machine the speed-up is bounded by the cores",
  result: "sum mod 2^32 of the first word of each job's last digest",
  n: 400,
  quick: 4,
};
