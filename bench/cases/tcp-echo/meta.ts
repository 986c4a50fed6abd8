/** The tcp-echo benchmark's entry for the harness (shape of bench/lib/benchmarks.ts's BenchSpec). */
export const spec = {
  measures: "a TCP echo server on loopback: one tasklet per connection against a plain Node net server",
  does: "100 connections (a client in its own process) each send n 32-byte messages, waiting for each echo",
  result: "number of echoes received = 100 n (extra fields: p50/p99 latency in µs, msgsPerSec, server CPU µs/msg)",
  n: 2000,
  quick: 20,
};
