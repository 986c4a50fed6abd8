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
import type { UncaughtError } from "../core/errors.js";
import { runtime } from "../core/runtime.js";

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
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new TypeError(`WorkerPool: options must be an object, got ${String(options)}`);
  }
  const size = options?.size ?? availableParallelism();
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`WorkerPool: options.size must be a positive integer, got ${String(size)}`);
  }
  const maxSize = options?.maxSize ?? size * 4;
  if (!Number.isInteger(maxSize) || maxSize < size) {
    throw new RangeError(`WorkerPool: options.maxSize must be an integer >= size (${size}), got ${String(maxSize)}`);
  }
  const idleMs = options?.idleMs ?? 5000;
  if (typeof idleMs !== "number" || !(idleMs >= 0) || !Number.isFinite(idleMs)) {
    throw new RangeError(`WorkerPool: options.idleMs must be a finite number >= 0, got ${String(idleMs)}`);
  }
  const name = options?.name ?? "tasklet-pool";
  if (typeof name !== "string") throw new TypeError(`WorkerPool: options.name must be a string, got ${typeof name}`);
  const onUncaught = options?.onUncaught ?? ((e: UncaughtError) => runtime().host.fatal(e));
  if (typeof onUncaught !== "function") {
    throw new TypeError(`WorkerPool: options.onUncaught must be a function, got ${typeof onUncaught}`);
  }
  return { size, maxSize, idleMs, name, onUncaught };
}
