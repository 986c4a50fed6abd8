// The harness's description of cluster-chan (bench/lib/benchmarks.ts, BenchSpec).
export const spec = {
  measures: "cluster channel throughput over NATS against a raw NATS publish/subscribe of the same values",
  does: "a nats-server on loopback (started by the case, not timed); send 0..n-1 from one connection to another of the same process: over cluster.channel(name, 1024) (tasklet: credit-based backpressure, sequence checks, values batched per turn) or one NATS publish per value, V8-serialized, to a plain subscription (nats)",
  result: "sum of 0..n-1 = n(n-1)/2",
  n: 500_000,
  quick: 1_000,
};
