/**
 * offload(): move a blocking or CPU-heavy plain function off this thread,
 * on a pool shared by the thread (created on first use, sized to the cores;
 * its idle workers never keep the process alive).
 */

import type { Operation } from "../core/op.js";
import { WorkerPool } from "./pool.js";

let shared: WorkerPool | null = null;

/**
 * The pool `offload()` uses on this thread, created on first use.
 *
 * @example
 * const t = defaultPool().spawn(new URL("./jobs.js", import.meta.url), "crunch", 7);
 */
export function defaultPool(): WorkerPool {
  shared ??= new WorkerPool({ name: "tasklet-offload" });
  return shared;
}

/**
 * Runs `fn` on a worker thread of the default pool, blocking only the
 * calling tasklet (libwire's wire_io): a self-contained function (sent as
 * source), or a module URL / absolute path followed by an export name. See
 * `WorkerPool.offload`.
 *
 * @example
 * const digest = yield* offload(new URL("./hash.js", import.meta.url), "sha256", bytes);
 * const sum = yield* offload((n: number) => { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }, 1e9);
 */
export function offload<R>(
  fn: ((...args: never[]) => R | Promise<R>) | string | URL,
  ...args: unknown[]
): Operation<R> {
  return defaultPool().offload(fn, ...args);
}
