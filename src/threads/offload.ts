/**
 * offload(): move a blocking or CPU-heavy plain function off this thread,
 * on a pool shared by the thread (created on first use, sized to the cores,
 * or to TASKLET_WORKERS when set, as `tasklet run --workers N` does; its idle
 * workers never keep the process alive).
 */

import type { Operation } from "../core/op.js";
import { WorkerPool, type WorkerPoolOptions } from "./pool.js";

let shared: WorkerPool | null = null;

/**
 * The pool `offload()` uses on this thread, created on first use.
 *
 * @example
 * const t = defaultPool().spawn(new URL("./jobs.js", import.meta.url), "crunch", 7);
 */
export function defaultPool(): WorkerPool {
  shared ??= new WorkerPool(defaultOptions());
  return shared;
}

/** The default pool's options: TASKLET_WORKERS (set by `tasklet run --workers N`) is its size. */
function defaultOptions(): WorkerPoolOptions {
  const env = process.env["TASKLET_WORKERS"]?.trim();
  if (env === undefined || env === "") return { name: "tasklet-offload" };
  const size = Number(env);
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`TASKLET_WORKERS must be a whole number >= 1, got ${JSON.stringify(env)}`);
  }
  return { name: "tasklet-offload", size };
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
export function offload<F extends (...args: never[]) => unknown>(
  fn: F,
  ...args: Parameters<F>
): Operation<Awaited<ReturnType<F>>>;
export function offload<R = unknown>(module: string | URL, exportName: string, ...args: unknown[]): Operation<R>;
export function offload(fn: ((...args: never[]) => unknown) | string | URL, ...args: unknown[]): Operation<unknown> {
  return defaultPool().offload(fn as string, ...(args as [string, ...unknown[]]));
}
