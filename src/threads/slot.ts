/**
 * Slot: what a WorkerPool knows of one of its worker threads.
 *
 * A slot is created with its Worker (pool.ts's startSlot) and lives in the
 * pool's `slots` until the thread exits or is retired. Fields, all changed by
 * pool.ts only:
 *   - `online`: the worker has asked for work at least once (it started);
 *   - `credit`: true only while the worker is online, asked for work and was
 *     sent none since (libtf's idle-vcpu list);
 *   - `jobs`: the jobs running on it, by id (a job is here or in the pool's
 *     queue, never both); `calls` counts the offloaded calls among them;
 *   - `retiring`: the pool ended it on purpose; it gets no more work;
 *   - `idleTimer`: armed while a surplus slot has no job (shrinking).
 *
 * pool.ts knows the layout of this class; handle.ts keeps a job's slot in
 * `PoolTasklet.slot`.
 */

import type { Worker } from "node:worker_threads";
import type { PoolTasklet } from "./handle.js";

export class Slot {
  credit = false;
  online = false;
  retiring = false;
  calls = 0;
  readonly jobs = new Map<number, PoolTasklet<unknown>>();
  error: Error | null = null;
  idleTimer: ReturnType<typeof setTimeout> | null = null;
  /** Kept here: `worker.threadId` reads -1 once the thread has exited. */
  readonly threadId: number;
  constructor(
    readonly worker: Worker,
    readonly name: string,
  ) {
    this.threadId = worker.threadId;
  }
  describe(): string {
    return `worker ${this.name} (thread ${this.threadId})`;
  }
}

/**
 * The compiled worker beside this file. Run from source (tsx), it does not
 * exist, and tsx's loader does not reach worker threads on Node 20: the
 * first spawn then fails with a WorkerError saying the worker failed to start.
 */
export const WORKER_URL = new URL("./worker.js", import.meta.url);
