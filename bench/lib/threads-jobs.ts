/**
 * The jobs of the threads benchmarks, one module for every runtime compared:
 * CPU-bound hashing (threads-cpu) and channel/port sinks (threads-chan).
 */

import { createHash } from "node:crypto";
import { parentPort } from "node:worker_threads";
import { ChannelClosedError, type Operation, schedule } from "../../src/index.js";
import type { ThreadChannel } from "../../src/threads/index.js";

export const JOBS = 64;
export const BLOCK = 64 * 1024;

/** sha256 chained `rounds` times over a 64 KiB block seeded by `seed`; the first word of the last digest. */
export function hashPlain(seed: number, rounds: number): number {
  const block = Buffer.alloc(BLOCK, seed & 0xff);
  let digest = Buffer.alloc(32);
  for (let r = 0; r < rounds; r++) {
    digest.copy(block, 0);
    digest = createHash("sha256").update(block).digest();
  }
  return digest.readUInt32BE(0);
}

/** The same as a tasklet: lets the others run every 8 rounds, as a well-behaved tasklet does. */
export function* hashTasklet(seed: number, rounds: number): Operation<number> {
  const block = Buffer.alloc(BLOCK, seed & 0xff);
  let digest = Buffer.alloc(32);
  for (let r = 0; r < rounds; r++) {
    digest.copy(block, 0);
    digest = createHash("sha256").update(block).digest();
    if ((r & 7) === 7) yield* schedule();
  }
  return digest.readUInt32BE(0);
}

/** Piscina's task: { seed, rounds }. */
export default function piscinaTask(task: { seed: number; rounds: number }): number {
  return hashPlain(task.seed, task.rounds);
}

/** Sums int32 values from `ch` until it closes (threads-chan, tasklet side). */
export function* sumChannel(ch: ThreadChannel<number>): Operation<{ sum: number; n: number }> {
  let sum = 0;
  let n = 0;
  for (;;) {
    try {
      sum += yield* ch.recv();
      n++;
    } catch (e) {
      if (e instanceof ChannelClosedError) return { sum, n };
      throw e;
    }
  }
}

/** threads-chan, postMessage side: run as a worker, sums numbers until it gets "end". */
export function portSink(): void {
  let sum = 0;
  let n = 0;
  parentPort?.on("message", (v: number | "end") => {
    if (v === "end") {
      parentPort?.postMessage({ sum, n });
      parentPort?.close();
    } else {
      sum += v;
      n++;
    }
  });
}

if (process.env.TASKLET_BENCH_PORT_SINK === "1") portSink();
