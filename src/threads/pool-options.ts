/**
 * WorkerPool's options: their meaning, defaults and checks.
 *
 * `resolveOptions` turns what the user passed into a complete record or
 * throws a TypeError/RangeError naming the option, before the pool starts
 * anything. Invariants of the result: `size` >= 1 and `maxSize` >= `size`
 * (integers), `idleMs` finite and >= 0.
 *
 * pool.ts reads the resolved record once, in WorkerPool's constructor; the
 * meaning of size, maxSize and idleMs (growth and shrinking) is stated at
 * the top of pool.ts.
 */

import { availableParallelism } from "node:os";
import { checkDuration, checkFunction, checkInteger, checkOptionKeys, checkString, rangeError } from "../core/check.js";
import type { UncaughtError } from "../core/errors.js";
import { runtime } from "../core/runtime.js";

/** Options of `new WorkerPool(options)`. */
export interface WorkerPoolOptions {
  /** Threads the pool keeps (default `os.availableParallelism()`). */
  size?: number;
  /** Threads the pool may grow to while offloaded calls block every thread (default 4 × size). */
  maxSize?: number;
  /** How long a thread beyond `size` stays without a job before it ends, in ms (default 5000). */
  idleMs?: number;
  /** Prefix of the workers' names (default "tasklet-pool"). */
  name?: string;
  /**
   * Called with the error of a pool tasklet that failed and whose handle was
   * collected without a join (`cause` is the error). By default the process
   * crashes, as for a local tasklet nobody joins.
   */
  onUncaught?: (error: UncaughtError) => void;
}

/** WorkerPoolOptions with every default filled in. */
export interface ResolvedPoolOptions {
  size: number;
  maxSize: number;
  idleMs: number;
  name: string;
  onUncaught: (error: UncaughtError) => void;
}

/** Checks `options` and fills in the defaults; throws naming the bad option. */
export function resolveOptions(options: WorkerPoolOptions | undefined): ResolvedPoolOptions {
  const W = "WorkerPool";
  checkOptionKeys(W, options, ["size", "maxSize", "idleMs", "name", "onUncaught"]);
  const size = checkInteger(W, "options.size", options?.size ?? availableParallelism(), 1);
  const maxSize = checkInteger(W, "options.maxSize", options?.maxSize ?? size * 4, size);
  const idleMs = options?.idleMs ?? 5000;
  if (checkDuration(W, idleMs, "options.idleMs") === Number.POSITIVE_INFINITY) {
    throw rangeError(W, "options.idleMs", "a finite number >= 0", idleMs);
  }
  const name = checkString(W, "options.name", options?.name ?? "tasklet-pool");
  const onUncaught = checkFunction<(e: UncaughtError) => void>(
    W,
    "options.onUncaught",
    options?.onUncaught ?? ((e: UncaughtError) => runtime().host.fatal(e)),
  );
  return { size, maxSize, idleMs, name, onUncaught };
}
