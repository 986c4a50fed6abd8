/**
 * Deterministic pseudo-random numbers for the benchmarks, the same in every
 * runtime: bench/go/sleepers.go computes `sleepMs` with the same steps on
 * uint32 (change both together). The mixing steps are MurmurHash3's fmix32.
 */

/** The delay of the i-th sleeper: 0..1000 ms, spread evenly. */
export function sleepMs(i: number): number {
  let x = (i + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  x ^= x >>> 16;
  return (x >>> 0) % 1001;
}
