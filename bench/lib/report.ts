/**
 * The one protocol between a benchmark case and the harness (bench/run.ts).
 *
 * A case is a standalone script `bench/cases/<benchmark>/<runtime>.ts`,
 * compiled to `dist/bench/cases/<benchmark>/<runtime>.js`, run by the
 * harness as its own process: `node <file> <n>` (n = problem size; the case
 * picks its default when absent). It does the work once and calls `report`
 * once, which prints one JSON line on stdout:
 *   {"ms": elapsed milliseconds of the timed part,
 *    "result": a value that proves the work was done (a sum, a count),
 *    "rssMB": peak resident set size of the process in MiB}
 * The harness checks `result` against the other runtimes' and prints ratios.
 * A case that cannot run here (its server or package is missing) calls
 * `skip(reason)` instead: {"skipped": reason}; the harness leaves it out of
 * the table and puts the reason in the notes.
 */

/** Size from argv[2], or `fallback`. */
export function size(fallback: number): number {
  const arg = process.argv[2];
  if (arg === undefined) return fallback;
  const n = Number(arg);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`size must be a positive integer, got ${arg}`);
  return n;
}

/**
 * Prints the case's one line. `start` is a `performance.now()` taken before the timed part.
 * `extra` fields (latency percentiles, throughput) are appended to the line.
 */
export function report(start: number, result: unknown, extra?: Record<string, number>): void {
  const ms = performance.now() - start;
  const rssMB = process.resourceUsage().maxRSS / 1024;
  const line = { ms: Math.round(ms * 10) / 10, result, rssMB: Math.round(rssMB), ...extra };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Prints the line of a case that cannot run on this machine, saying why, and exits (status 0). */
export function skip(reason: string): never {
  process.stderr.write(`skipped: ${reason}\n`);
  process.stdout.write(`${JSON.stringify({ skipped: reason })}\n`);
  process.exit(0);
}
