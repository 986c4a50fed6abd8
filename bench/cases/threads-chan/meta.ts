// The harness's description of threads-chan (bench/lib/benchmarks.ts, BenchSpec): a case directory may give its own.
export const spec = {
  measures: "cross-thread message throughput: int32 values one way, main thread to one worker",
  does: "send 0..n-1 over a ThreadChannel(4096) to a tasklet on a pool worker (tasklet), or one postMessage each to a worker (postmessage); the worker sums them",
  result: "sum of 0..n-1 = n(n-1)/2",
  n: 5_000_000,
  quick: 1_000,
};
