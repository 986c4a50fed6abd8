// cluster-spawn's latency figure, taken before the timed throughput part: jobs one at a time,
// each spawned and joined before the next, from spawn to the join's return.

/** How many one-at-a-time jobs each case times (fewer when n is smaller: --quick). */
export const latencyJobs = (n: number): number => Math.min(n, 300);

/** The report's extra fields: median and 99th percentile of the samples (ms), in µs. */
export function percentiles(samplesMs: number[]): { p50us: number; p99us: number } {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number): number => Math.round((s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0) * 1000);
  return { p50us: at(0.5), p99us: at(0.99) };
}
