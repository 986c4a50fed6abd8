/**
 * explore(body, { runs, seed }): runs a program under many seeded schedules
 * and reports the first one that fails with the seed that replays it.
 *
 * Run i (from 0) uses seed `(seed + i) mod 2^32`; each run is a fresh
 * runTest (fresh runtime, virtual clock at 0, ids from 1), so a run depends
 * only on the program and its seed, and `runTest(body, { seed })` with the
 * printed seed (and the same options) replays the failure step for step.
 * This is random exploration, not an exhaustive one (tokio's loom is): it
 * finds an interleaving bug with a probability that grows with `runs`.
 */

import { checkInteger, operationHint, typeError } from "../core/check.js";
import { TaskletError } from "../core/errors.js";
import type { Operation } from "../core/op.js";
import { checkSeed } from "./prng.js";
import { checkTestOptions, runTest, TEST_OPTION_KEYS, type TestOptions } from "./run-test.js";

/**
 * A run of `explore` failed; `seed` replays it with `runTest(body, { seed })`,
 * and `cause` is the run's own error.
 *
 * @example
 * try { await explore(racy, { runs: 100 }); }
 * catch (e) { if (e instanceof ExploreError) await runTest(racy, { seed: e.seed }); }
 */
export class ExploreError extends TaskletError {
  override name = "ExploreError";
  constructor(
    message: string,
    /** The seed of the failing run. */
    readonly seed: number,
    /** Which run failed, from 1. */
    readonly run: number,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/** Options of `explore(body, options)`: those of `runTest` with `runs`, and `seed` as the first run's. */
export interface ExploreOptions extends Omit<TestOptions, "seed"> {
  /** How many schedules to try (default 100). */
  runs?: number | undefined;
  /** Seed of the first run; run i uses seed + i. Default: a random one (the failure names it). */
  seed?: number | undefined;
}

/** What `explore` resolves with when every run passed. */
export interface ExploreResult {
  /** How many runs passed (all of them). */
  runs: number;
  /** The seed of the first run. */
  seed: number;
}

/**
 * Runs `body` (a function that makes a fresh generator per run) under `runs`
 * seeded schedules with virtual time. Resolves when every run passed;
 * rejects at the first failure with an `ExploreError` whose message names
 * the seed that replays it, and whose `cause` is the run's error.
 *
 * @example
 * await explore(() => transferTwice(account), { runs: 500, seed: 1 });
 * // ExploreError: explore: run 37 of 500 failed under seed 37 …
 * await runTest(() => transferTwice(account), { seed: 37 }); // the same failure
 */
export function explore<T>(body: () => Operation<T>, options?: ExploreOptions): Promise<ExploreResult> {
  if (typeof body !== "function") {
    throw typeError("explore", "body", "a function returning a fresh generator per run", body, operationHint(body));
  }
  checkTestOptions("explore", options, [...TEST_OPTION_KEYS, "runs"]);
  const runs = checkInteger("explore", "options.runs", options?.runs ?? 100, 1);
  const base = options?.seed === undefined ? (Math.random() * 0x100000000) >>> 0 : checkSeed("explore", options.seed);
  return exploreRuns(body, options, runs, base);
}

async function exploreRuns<T>(
  body: () => Operation<T>,
  options: ExploreOptions | undefined,
  runs: number,
  base: number,
): Promise<ExploreResult> {
  const { runs: _runs, ...testOptions } = options ?? {};
  for (let i = 0; i < runs; i++) {
    const seed = (base + i) >>> 0;
    try {
      await runTest(body, { ...testOptions, seed });
    } catch (e) {
      const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      throw new ExploreError(
        `explore: run ${i + 1} of ${runs} failed under seed ${seed}; ` +
          `replay it with runTest(body, { seed: ${seed} }) and the same options:\n  ${what}`,
        seed,
        i + 1,
        { cause: e },
      );
    }
  }
  return { runs, seed: base };
}
