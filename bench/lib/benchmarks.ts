/**
 * What each benchmark is: its meaning of the size `n`, the result every
 * runtime must agree on, and the sizes the harness runs it at.
 *
 * Every case of a benchmark (bench/cases/<name>/<runtime>.ts) implements
 * the `does` line and prints the `result` line's value, so that the harness
 * can check one against the other. A case directory may hold a `meta.ts`
 * exporting `spec: Partial<BenchSpec>`, whose fields override this table's
 * (exec, fileread and threads-* give theirs so). A benchmark with neither
 * runs at its cases' default size.
 */

export interface BenchSpec {
  /** One line: what the benchmark measures. */
  measures: string;
  /** What `n` counts and what the case does with it. */
  does: string;
  /** The value of `result`, as a function of n (documentation). */
  result: string;
  /** The full size. */
  n: number;
  /** The size of `--quick` (the smoke test). */
  quick: number;
  /**
   * Runtimes too slow (or too big) for the full size run at this one; the
   * harness compares them per operation (ms × n / n_runtime) and says so.
   */
  smaller?: Record<string, number>;
  /**
   * A time every run takes whatever the runtime (sleepers: the longest
   * sleep); the per-operation ratios compare the time above it.
   */
  floorMs?: number;
  /**
   * The tasklet case again under each of these environments (name → variables), for the
   * table "Cost of inspection" (bench/lib/variants.ts runs them).
   */
  variants?: Record<string, VariantEnv>;
}

/** A variant's environment: variable → value. */
export type VariantEnv = Record<string, string>;

/**
 * The inspection features of issue 14 that cost something when on, by name, with the
 * environment that turns each on. The wait-for check has no switch (it is always on, on the
 * slow path of a blocked lock or join only), so it has no variant: docs/inspect.md gives its
 * cost on `mutex`, measured against the build before it.
 */
export const INSPECTION: Record<string, VariantEnv> = {
  watchdog: { TASKLET_WATCHDOG_MS: "1000" },
  debug: { TASKLET_DEBUG: "1" },
  console: { TASKLET_CONSOLE: "1" },
  leaks: { TASKLET_LEAKS: "1" },
};

/** Some of INSPECTION, in its order. */
export function inspection(...names: string[]): Record<string, VariantEnv> {
  const out: Record<string, VariantEnv> = {};
  for (const [name, env] of Object.entries(INSPECTION)) if (names.includes(name)) out[name] = env;
  return out;
}

export const BENCHMARKS: Record<string, BenchSpec> = {
  spawn: {
    measures: "creating, starting and joining many short tasklets",
    does: "spawn n tasklets, the i-th returning i; then join each in order",
    result: "sum of the joined values = n(n-1)/2",
    n: 1_000_000,
    quick: 1_000,
    smaller: { effection: 10_000, jscsp: 100_000 },
    // The console does nothing per spawn (it counts spawns from the next id): not measured here.
    variants: inspection("watchdog", "leaks"), // debug on spawn 1M takes 30–60 s a run: measured on the others,
  },
  switch: {
    measures: "the cost of one context switch (yield to the scheduler and back)",
    does: "2 tasklets each yield n/2 times (schedule(), Effect.yieldNow, await null…), alternating",
    result: "number of yields done = n",
    n: 10_000_000,
    quick: 10_000,
    smaller: { effect: 1_000_000, effection: 1_000_000, jscsp: 1_000_000 },
    variants: INSPECTION,
  },
  sleepers: {
    measures: "many timers at once: the timer structure and the memory of a parked tasklet",
    does: "spawn n tasklets; the i-th sleeps sleepMs(i) (0–1000 ms, bench/lib/random.ts) and returns it; join all",
    result: "sum of sleepMs(i) over i < n",
    n: 1_000_000,
    quick: 1_000,
    smaller: { effect: 100_000, effection: 10_000, jscsp: 100_000 },
    floorMs: 1000,
  },
  pingpong: {
    measures: "a round trip over two rendezvous channels (2 switches, 2 hand-offs)",
    does: "ping sends 0..n-1 on channel a; pong receives each and sends it + 1 back on channel b; ping receives it",
    result: "sum of the values ping received back = n(n+1)/2",
    n: 1_000_000,
    quick: 1_000,
    smaller: { effect: 100_000, effection: 100_000, jscsp: 100_000 },
    variants: INSPECTION,
  },
  fanin: {
    measures: "many producers into one buffered channel (capacity 1024), one consumer",
    does: "n producers each send 0..999; one consumer receives all n × 1000",
    result: "sum of the values received = n × 499 500",
    n: 1_000,
    quick: 10,
    smaller: { effection: 100, jscsp: 100 },
  },
  skynet: {
    measures:
      "a tree of 1M tasklets: spawn and join in bulk (github.com/atemerev/skynet, in the join form its JavaScript versions use)",
    does: "a node of size s spawns 10 children of size s/10 and sums their results by joining them; a leaf returns its number",
    result: "sum of the leaf numbers = n(n-1)/2 (n a power of 10)",
    n: 1_000_000,
    quick: 1_000,
    smaller: { effect: 100_000, effection: 10_000 },
  },
  "skynet-chan": {
    measures: "the original skynet: the same tree, each node sending its sum on its parent's rendezvous channel",
    does: "a node of size s spawns 10 children of size s/10 and receives 10 sums on its own unbuffered channel; a leaf sends its number",
    result: "sum of the leaf numbers = n(n-1)/2 (n a power of 10)",
    n: 1_000_000,
    quick: 1_000,
    smaller: { jscsp: 100_000 },
  },
  mutex: {
    measures: "a contended lock: FIFO hand-off between waiting tasklets",
    does: "n tasklets each take the lock 1000 times; inside it they yield once and increment a counter",
    result: "the counter = n × 1000",
    n: 1_000,
    quick: 2,
    smaller: { effect: 100, effection: 100, jscsp: 100 },
    variants: INSPECTION,
  },
  "tcp-echo": {
    measures: "an echo server on loopback: one tasklet per connection against a plain Node net server",
    does: "100 connections (a load generator in another process) each send n 32-byte messages, one at a time, waiting for each echo",
    result: "messages echoed = 100 × n",
    n: 2_000,
    quick: 20,
  },
};

/** The runtime every ratio is taken against first; then the second. */
export const BASE = "tasklet";
export const SECOND = "async";
/** The reference scheduler's runtime (bench/lib/reference.ts): the tables show tasklet ÷ it. */
export const LIMIT = "limit";

/** Column order of the table; runtimes not listed come before Go's, in name order. */
export const RUNTIME_ORDER = [
  "tasklet",
  "tasklet-closure",
  "tasklet-now",
  "limit",
  "async",
  "effect",
  "effection",
  "jscsp",
  "go-1",
  "go",
];
