// Jobs for examples/threads/main.ts: generator functions that a WorkerPool runs on its
// threads. A job is named by this module's URL and its export name.
import { createHash } from "node:crypto";
import { type Operation, schedule } from "../../src/index.js";

/** The hex SHA-256 of `seed` hashed `rounds` times over; yields now and then, as a good tasklet does. */
export function* hashChain(seed: string, rounds: number): Operation<string> {
  let digest = Buffer.from(seed);
  for (let i = 0; i < rounds; i++) {
    digest = createHash("sha256").update(digest).digest();
    if (i % 10_000 === 0) yield* schedule();
  }
  return digest.toString("hex");
}
