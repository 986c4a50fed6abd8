/** The seeded generator, where the testing layer's files and scripts/soak.ts import it from: it lives in core/prng.ts, so that system/simnet.ts draws from the same one. */
export { checkSeed, Xoshiro128 } from "../core/prng.js";
