/**
 * WorkerPool: tasklets on a pool of worker threads (M:N), after libtf's
 * M:N scheduler and the Qpid event channel's thread pool (docs/threads.md).
 *
 * Each worker thread runs worker.ts, which runs its own tasklet runtime. A
 * job (a tasklet to spawn by module and export name, or an offloaded plain
 * call) waits in ONE queue here, on the thread that owns the pool; a worker
 * asks for a job (`want`) when its runtime is idle and gets exactly one, so
 * a busy worker never holds queued work that another could run (libtf's
 * big scheduling queue, with the idle-vcpu list as `credit`). A tasklet
 * stays on the worker it started on.
 *
 * Size, growth and shrinking (the Qpid event channel's pool, sized to the cores, grows instead of deadlocking):
 *   - `size` threads (default `os.availableParallelism()`), started lazily,
 *     as queued work needs them; they stay until `close()`, unref'd while
 *     they have no job so they never keep the process alive on their own.
 *   - Growth: a worker running an offloaded call is blocked for the pool's
 *     purposes (the call holds its thread). When every worker is so blocked
 *     and work waits in the queue, one more thread starts, up to `maxSize`
 *     (default 4 × size). A blocked call that waits for queued work (a job
 *     it spawned, a channel fed by one) therefore cannot deadlock the pool
 *     while fewer than `maxSize` calls block at once.
 *   - Growth is bounded: past `maxSize` work waits in the queue until a
 *     call returns. Unbounded growth would trade the deadlock for running
 *     out of memory; a program that truly needs more blocked calls than
 *     `maxSize` at once must raise it.
 *   - Shrinking: a thread beyond `size` that has had no job for `idleMs`
 *     (default 5 000) ends; the first `size` threads are kept (a thread is
 *     ~10 MB; starting one costs tens of ms).
 *
 * Crashes: a worker that exits unexpectedly (process.exit in it, an error
 * thrown outside any tasklet, an unjoined tasklet's error) fails every job
 * that was on it with a `WorkerError` naming the worker, and is replaced.
 *
 * Invariants:
 *   - a job is in `queue` (QUEUED) or in exactly one slot's `jobs`
 *     (RUNNING), never both, until it is DONE;
 *   - `credit` is true only for an online slot that asked for work and was
 *     sent none since; `calls` counts the slot's offloaded calls in flight.
 *
 * Beside this file: slot.ts (one worker thread's record; this file knows its
 * layout and is the only one to change it), pool-options.ts (options,
 * defaults, checks), job-source.ts (module URLs, function sources, and
 * offload's join), handle.ts (PoolTasklet, the job's handle), protocol.ts
 * (the messages to and from worker.ts).
 */

import { Worker } from "node:worker_threads";
import { TaskletError, UncaughtError } from "../core/errors.js";
import type { Operation } from "../core/op.js";
import { runtime } from "../core/runtime.js";
import { PoolTasklet, QUEUED, RUNNING, WorkerError } from "./handle.js";
import { functionSource, joinCall, moduleUrl } from "./job-source.js";
import { resolveOptions, type WorkerPoolOptions } from "./pool-options.js";
import { type FromWorker, fromWire, pack, type RunMessage, unpack } from "./protocol.js";
import { Slot, WORKER_URL } from "./slot.js";

export type { WorkerPoolOptions } from "./pool-options.js";

/** `spawn<T>`'s arguments: typed when `T` is the exported generator function's type. */
export type ArgsOf<T> = T extends (...args: infer A) => Operation<unknown> ? A : unknown[];
/** `spawn<T>`'s result: the exported function's result when `T` is its type, else `T`. */
export type ResultOf<T> = T extends (...args: never[]) => Operation<infer R> ? R : T;

/**
 * A pool of worker threads, each running its own tasklet runtime. Spawn a
 * tasklet on it by module URL and export name (a generator function), with
 * structured-cloneable arguments (`ThreadChannel`s included); move a
 * blocking or CPU-heavy plain function off this thread with `offload`.
 * Create and use it on one thread; `close()` it when done.
 *
 * @example
 * const pool = new WorkerPool({ size: 2 });
 * const jobs = new URL("./jobs.js", import.meta.url);
 * await run(function* () {
 *   const ts = [1, 2, 3].map((i) => pool.spawn<string>(jobs, "hash", i));
 *   for (const t of ts) console.log(yield* t.join());
 * });
 * await pool.close();
 */
export class WorkerPool {
  /** Threads the pool keeps (`WorkerPoolOptions.size`). */
  readonly size: number;
  /** Threads it may grow to while offloaded calls block every thread (`WorkerPoolOptions.maxSize`). */
  readonly maxSize: number;
  /** How long a thread beyond `size` may stay idle before it ends, in ms (`WorkerPoolOptions.idleMs`). */
  readonly idleMs: number;
  private readonly prefix: string;
  private readonly queue: PoolTasklet<unknown>[] = [];
  private readonly slots = new Set<Slot>();
  private nextJob = 1;
  private nextSlot = 1;
  private closing = false;
  private closed: Promise<void> | null = null;
  private onQuiet: (() => void) | null = null;
  private readonly onUncaught: (error: UncaughtError) => void;

  constructor(options?: WorkerPoolOptions) {
    const { size, maxSize, idleMs, name, onUncaught } = resolveOptions(options);
    this.size = size;
    this.maxSize = maxSize;
    this.idleMs = idleMs;
    this.prefix = name;
    this.onUncaught = onUncaught;
  }

  /** Threads alive (or starting), jobs queued, and jobs running. */
  get stats(): { threads: number; queued: number; running: number } {
    let running = 0;
    for (const s of this.slots) running += s.jobs.size;
    return { threads: this.slots.size, queued: this.queue.length, running };
  }

  /**
   * Spawns a tasklet on a worker: the export `exportName` of `module` (a URL
   * or an absolute path), a generator function, is called with `args`
   * (structured-cloned; a `ThreadChannel` is shared). It waits in the
   * pool's queue until a worker is idle, then stays on that worker.
   *
   * The type argument is either the tasklet's result, or the exported
   * function's type (`typeof jobs.sum`), which then also types `args`.
   *
   * @example
   * const t = pool.spawn<number>(new URL("./jobs.js", import.meta.url), "sum", ch);
   * const u = pool.spawn<typeof jobs.sum>(new URL("./jobs.js", import.meta.url), "sum", ch); // args checked
   */
  spawn<T = unknown>(module: string | URL, exportName: string, ...args: ArgsOf<T>): PoolTasklet<ResultOf<T>> {
    return this.submit<ResultOf<T>>("tasklet", moduleUrl("spawn", module), exportName, args);
  }

  /**
   * Runs a plain function off this thread, as an operation that blocks the
   * calling tasklet only (libwire's wire_io). `fn` is either a module (URL or
   * absolute path) followed by the export name, or a self-contained
   * function (sent as its source: it must not use variables from outside
   * it). An async function is awaited on the worker. A kill of the caller
   * withdraws a queued call; one already running runs to its end there (a
   * thread cannot be interrupted) and its result is dropped.
   *
   * @example
   * const n = yield* pool.offload(async (p: string) => (await import("node:fs")).readFileSync(p).length, "/etc/hosts");
   * const digest = yield* pool.offload(new URL("./jobs.js", import.meta.url), "sha256", bytes);
   */
  offload<F extends (...args: never[]) => unknown>(fn: F, ...args: Parameters<F>): Operation<Awaited<ReturnType<F>>>;
  offload<R = unknown>(module: string | URL, exportName: string, ...args: unknown[]): Operation<R>;
  offload<R>(fn: ((...args: never[]) => unknown) | string | URL, ...args: unknown[]): Operation<R> {
    let job: PoolTasklet<R>;
    if (typeof fn === "function") {
      job = this.submit<R>("source", functionSource(fn), fn.name, args);
    } else {
      const exportName = args.shift();
      if (typeof exportName !== "string") {
        throw new TypeError(`offload: the export name after a module must be a string, got ${typeof exportName}`);
      }
      job = this.submit<R>("call", moduleUrl("offload", fn), exportName, args);
    }
    return joinCall(job);
  }

  /**
   * Closes the pool: queued jobs are dropped (their joins throw
   * `KilledError`), running tasklets are killed and their cleanup runs on
   * their workers, then every worker ends. Offloaded calls still running are
   * abandoned (their callers get a `WorkerError`). Idempotent.
   */
  close(): Promise<void> {
    this.closed ??= this.doClose();
    return this.closed;
  }

  // ---- machinery -------------------------------------------------------------

  private submit<T>(kind: RunMessage["kind"], target: string, exportName: string, args: unknown[]): PoolTasklet<T> {
    if (this.closing) throw new TaskletError("WorkerPool: the pool is closed");
    if (typeof exportName !== "string") {
      throw new TypeError(
        `${kind === "tasklet" ? "spawn" : "offload"}: exportName must be a string, got ${typeof exportName}`,
      );
    }
    const packed = pack(args) as unknown[];
    try {
      structuredClone(packed);
    } catch (e) {
      throw new TypeError(
        `${kind === "tasklet" ? "spawn" : "offload"}: args must be structured-cloneable: ${(e as Error).message}`,
      );
    }
    const id = this.nextJob++;
    const msg: RunMessage = { type: "run", id, kind, target, exportName, args: packed };
    const h = new PoolTasklet<T>(id, exportName || "offload", msg, this);
    this.queue.push(h as PoolTasklet<unknown>);
    this.pump();
    return h;
  }

  /** Gives queued jobs to idle workers; starts or grows workers if work still waits. */
  private pump(): void {
    const q = this.queue;
    while (q.length > 0) {
      let slot: Slot | null = null;
      for (const s of this.slots) {
        if (s.credit) {
          slot = s;
          break;
        }
      }
      if (slot === null) break;
      this.dispatch(slot, q.shift() as PoolTasklet<unknown>);
    }
    if (q.length === 0 || this.closing) return;
    let starting = 0;
    let blocked = 0;
    for (const s of this.slots) {
      if (!s.online) starting++;
      else if (s.calls > 0 && !s.credit) blocked++;
    }
    const live = this.slots.size;
    if (live < this.size) {
      const n = Math.min(this.size - live, q.length - starting);
      for (let i = 0; i < n; i++) this.startSlot();
    } else if (starting === 0 && blocked === live && live < this.maxSize) {
      this.startSlot();
    }
  }

  private dispatch(slot: Slot, h: PoolTasklet<unknown>): void {
    slot.credit = false;
    h.state = RUNNING;
    h.slot = slot;
    h.threadId = slot.threadId;
    slot.jobs.set(h.id, h);
    if (h.msg.kind !== "tasklet") slot.calls++;
    if (slot.idleTimer !== null) {
      clearTimeout(slot.idleTimer);
      slot.idleTimer = null;
    }
    slot.worker.ref();
    slot.worker.postMessage(h.msg);
  }

  private startSlot(): void {
    const name = `${this.prefix}-${this.nextSlot++}`;
    const worker = new Worker(WORKER_URL, { name });
    const slot = new Slot(worker, name);
    this.slots.add(slot);
    worker.on("message", (m: FromWorker) => this.onMessage(slot, m));
    worker.on("error", (e: Error) => {
      slot.error ??= e;
    });
    worker.on("exit", (code: number) => this.onExit(slot, code));
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if (m.type !== "want") this.onJobMessage(slot, m);
    if (m.type === "want" || (m.type === "done" && m.want)) {
      slot.online = true;
      if (slot.retiring) return;
      slot.credit = true;
      this.pump();
    }
    if (slot.jobs.size === 0) this.idle(slot);
  }

  private onJobMessage(slot: Slot, m: Exclude<FromWorker, { type: "want" }>): void {
    const h = slot.jobs.get(m.id);
    if (h === undefined) return;
    slot.jobs.delete(m.id);
    if (h.msg.kind !== "tasklet") slot.calls--;
    if (m.type === "bounce") {
      h.state = QUEUED;
      h.slot = null;
      if (h.killSent) h.finish("killed", undefined);
      else this.queue.unshift(h);
      this.pump();
    } else if (m.outcome === "ok") {
      h.finish("ok", unpack(m.value));
    } else if (m.outcome === "error") {
      h.finish("error", fromWire(m.error as NonNullable<typeof m.error>, slot.describe()));
    } else {
      h.finish("killed", undefined);
    }
    this.checkQuiet();
  }

  /** The slot has no job: let the process exit without it, and retire it later if surplus. */
  private idle(slot: Slot): void {
    if (slot.jobs.size > 0) return;
    slot.worker.unref();
    if (this.slots.size > this.size && slot.idleTimer === null && !this.closing) {
      slot.idleTimer = setTimeout(() => {
        slot.idleTimer = null;
        if (slot.jobs.size === 0 && this.slots.size > this.size && !this.closing) this.retire(slot);
      }, this.idleMs);
      slot.idleTimer.unref();
    }
  }

  private retire(slot: Slot): void {
    slot.retiring = true;
    slot.credit = false;
    this.slots.delete(slot);
    void slot.worker.terminate();
  }

  private onExit(slot: Slot, code: number): void {
    const was = this.slots.delete(slot);
    if (slot.idleTimer !== null) clearTimeout(slot.idleTimer);
    if (slot.retiring && slot.jobs.size === 0) return;
    const why = slot.error !== null ? `: ${slot.error.name}: ${slot.error.message}` : "";
    const what = slot.retiring ? "was terminated" : `exited with code ${code}`;
    for (const h of slot.jobs.values()) {
      const e = new WorkerError(`${slot.describe()} ${what}${why}, while ${h.describe()} ran on it`, {
        cause: slot.error ?? undefined,
      });
      h.finish("error", e);
    }
    slot.jobs.clear();
    if (was && !this.closing) {
      if (!slot.online) {
        // It never started: fail what waits rather than restart in a loop; the next spawn tries again.
        for (const h of this.queue.splice(0)) {
          h.finish(
            "error",
            new WorkerError(`${slot.describe()} failed to start (exit code ${code})${why}`, {
              cause: slot.error ?? undefined,
            }),
          );
        }
      } else {
        // Replace it: the pool keeps its size, and queued work gets a thread.
        if (this.slots.size < this.size) this.startSlot();
        this.pump();
      }
    }
    this.checkQuiet();
  }

  /**
   * Called by a handle that failed with nobody waiting: as for a tasklet of
   * this thread (core/end.ts), reported when this thread's runtime next goes
   * idle unless joined meanwhile; a later join still gets the error.
   */
  unobserved(h: PoolTasklet<unknown>, error: unknown): void {
    runtime().atNextIdle(() => {
      if (h.takeReport()) this.onUncaught(new UncaughtError(error, h.id, `${h.name} (on a pool worker)`));
    });
  }

  /** Called by a handle's kill(). */
  killJob(h: PoolTasklet<unknown>): void {
    if (h.state === QUEUED) {
      const i = this.queue.indexOf(h);
      if (i >= 0) this.queue.splice(i, 1);
      h.finish("killed", undefined);
      this.checkQuiet();
    } else if (h.state === RUNNING && !h.killSent) {
      h.killSent = true;
      (h.slot as Slot).worker.postMessage({ type: "kill", id: h.id });
    }
  }

  private tasklets(): number {
    let n = 0;
    for (const s of this.slots) for (const h of s.jobs.values()) if (h.msg.kind === "tasklet") n++;
    return n;
  }

  private checkQuiet(): void {
    if (this.onQuiet !== null && this.queue.length === 0 && this.tasklets() === 0) {
      const f = this.onQuiet;
      this.onQuiet = null;
      f();
    }
  }

  private async doClose(): Promise<void> {
    this.closing = true;
    for (const h of this.queue.splice(0)) h.finish("killed", undefined);
    for (const s of this.slots) for (const h of s.jobs.values()) if (h.msg.kind === "tasklet") this.killJob(h);
    await new Promise<void>((resolve) => {
      this.onQuiet = resolve;
      this.checkQuiet();
    });
    const ends: Promise<number>[] = [];
    for (const s of [...this.slots]) {
      s.retiring = true;
      s.credit = false;
      ends.push(s.worker.terminate());
    }
    await Promise.all(ends);
    this.slots.clear();
  }
}
