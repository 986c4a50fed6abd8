/**
 * Heap bytes per blocked task, for bench/cases/heap-bytes: `perTask(n, block, blocked)` takes
 * the heap after a full collection, has `block()` make n tasks that each wait for ever, waits
 * until `blocked()` counts n of them at their wait, collects again and returns
 * (heap after − heap before) ÷ n, rounded. The collections are V8's full GC (`gc()`, exposed
 * here as `--expose-gc` would, so the case needs no flag of its own).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** The heap in use after two full collections (the second catches what finalizers of the first let go). */
export function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** How long a blocked sleeper sleeps: longer than any run, so none wakes while measured. */
export const FOREVER_MS = 3_600_000;

/** The kinds of wait measured, in order; a runtime without one (the reference has no mutex) skips it. */
export const KINDS = ["recv", "mutex", "sleep"] as const;
export type Kind = (typeof KINDS)[number];

/** The report's extra fields: `recvBytes`, `mutexBytes`, `sleepBytes`. */
export function extraOf(bytes: Partial<Record<Kind, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of KINDS) if (bytes[k] !== undefined) out[`${k}Bytes`] = bytes[k];
  return out;
}

/** Throws unless every task reached its wait: the result line then states n. */
export function checkBlocked(kind: Kind, blocked: number, n: number): void {
  if (blocked !== n) throw new Error(`heap-bytes ${kind}: ${blocked} of ${n} tasks reached their wait`);
}
