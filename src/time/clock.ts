import { current } from "../core/op.js";
import { runtime } from "../core/runtime.js";

/**
 * Milliseconds on the current runtime's monotonic clock: `performance.now()`
 * under a real runtime, virtual time under `tasklet/testing`.
 *
 * @example
 * const start = now();
 * yield* sleep(100);
 * console.log(`slept ${now() - start} ms`); // ≥ 100
 */
export function now(): number {
  return (current?.rt ?? runtime()).host.now();
}
