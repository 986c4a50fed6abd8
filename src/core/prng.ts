/**
 * The one seeded pseudo-random generator of the package: seeded schedules
 * (testing/runtime.ts), `explore`'s seeds, and SimNetwork's packet losses
 * (system/simnet.ts) draw from it. It lives in core so that every layer may
 * import it.
 *
 * The generator is xoshiro128** 1.1 by David Blackman and Sebastiano Vigna
 * ("Scrambled linear pseudorandom number generators", ACM TOMS 47(4), 2021;
 * reference C code at https://prng.di.unimi.it/xoshiro128starstar.c): 128 bits
 * of state, period 2^128 - 1, four 32-bit words updated with shifts, xors and
 * rotations, so it runs on 32-bit integer arithmetic in V8 with no boxing.
 * The state is filled from the 32-bit seed with SplitMix32 (the 32-bit
 * variant of Steele, Lea and Flood's SplitMix, as Vigna recommends for
 * seeding), so nearby seeds (1, 2, 3, … as `explore` uses) give unrelated
 * streams, and no seed gives the all-zero state.
 *
 * Not for cryptography: it only has to be fast, uniform enough to visit
 * schedules evenly and to draw losses, and exactly reproducible from its seed.
 * A seed is taken modulo 2^32 (`seed | 0`).
 */

/** Checks a seed argument: an integer in [0, 2^32). */
export function checkSeed(what: string, seed: unknown): number {
  if (typeof seed !== "number" || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`${what}: seed must be an integer from 0 to 2^32 - 1, got ${String(seed)}`);
  }
  return seed;
}

export class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // SplitMix32: each call adds the golden-ratio increment and mixes.
    let s = seed | 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) | 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1;
  }

  /** The next 32 random bits, as an unsigned integer. */
  nextU32(): number {
    const b = this.b;
    // result = rotl(b * 5, 7) * 9
    const x = Math.imul(b, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = (this.d << 11) | (this.d >>> 21);
    return result;
  }

  /** A uniform number in [0, 1), with 32 random bits. */
  random(): number {
    return this.nextU32() / 4294967296;
  }

  /** A uniform integer in [0, n) for n >= 1 (multiply-shift: each value's probability is off by at most n / 2^32). */
  below(n: number): number {
    return Math.floor((this.nextU32() * n) / 4294967296);
  }
}
