/**
 * The blocking lane: worker threads of our own for the file calls that may
 * wait without end, so that they never take one of libuv's pool threads
 * (UV_THREADPOOL_SIZE, 4 by default), which every `fs` call, `readFile`
 * and `dns.lookup` of the process share. Four opens of FIFOs that nobody
 * opens at the other end used to stall all of those for good.
 *
 * What goes here (file.ts decides): the open of a path that is not a
 * regular file, a directory or a block device (a FIFO, a character device,
 * a socket), and the reads and writes of a File open on one. Regular files
 * stay on libuv's pool (their calls end; the lane would cost a message
 * round trip each).
 *
 * Each worker runs one call at a time, with Node's synchronous `fs` calls
 * (the descriptors are the process's: a worker reads an fd opened by the
 * main thread). The lane grows as libwire's and Qpid's pools do: a call
 * that finds no idle worker starts a new one, up to `MAX_WORKERS`; beyond,
 * calls wait in order for a worker. At most `MAX_IDLE` idle workers are kept.
 *
 * A worker stuck in the kernel cannot be stopped from JavaScript, and Node
 * joins every thread when the process exits (a stuck one hangs the exit):
 * so no worker waits in the kernel for longer than it must.
 *   - A read first waits for data with poll(2) (through koffi, as udp-fd.ts
 *     calls libc), 100 ms at a time, and gives up without reading when its
 *     caller stopped waiting (`abandon`: kill, timeout) or the process
 *     exits: a withdrawn read consumes nothing. Data that came before the
 *     worker saw the withdrawal is read and comes back late (file.ts keeps
 *     it for the next read).
 *   - A write waits for room the same way and writes at most 4 KiB at a
 *     time (a pipe with room takes that without blocking; File's chain
 *     continues a short write). A withdrawn write goes on (File's contract:
 *     a write finishes in the background); only the exit stops it.
 *   - An open of a FIFO waits in the kernel for the other end (poll cannot
 *     wait for that): one whose caller stopped waiting, or still waiting at
 *     exit, is released by opening the other end ourselves (`release`).
 * Without koffi's poll (not Linux), reads and writes block as they would.
 * A call whose caller stopped waiting no longer keeps the event loop alive;
 * its result still comes back (file.ts closes a late descriptor).
 *
 * Invariants: a worker is in `idle` iff it has no job; a worker with a
 * live (not abandoned) job is ref'd, every other one is unref'd; `queue`
 * is non-empty only while `workers.size === MAX_WORKERS`.
 */

import * as fs from "node:fs";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** Most worker threads in the lane (each a few MB); calls beyond wait for one. */
export const MAX_WORKERS = 32;
/** Idle workers kept for the next calls (starting one takes some ms). */
const MAX_IDLE = 2;

/** The most bytes a write on the lane hands to its worker (what a pipe with room takes without blocking). */
export const LANE_WRITE_MAX = 4096;

/** A call the worker runs, as posted to it (a write's `data` is moved to the worker: its own copy). */
export type LaneCall =
  | { op: "open"; path: string; flags: fs.OpenMode; mode: fs.Mode }
  | { op: "read"; fd: number; length: number; position: number | bigint | null }
  | { op: "write"; fd: number; data: Uint8Array; position: number | null };

/** What comes back: `r` (the fd, or the count) and, for a read, the bytes. */
export type LaneDone = (error: NodeJS.ErrnoException | null, r?: number, bytes?: Buffer) => void;

/** A call submitted to the lane. */
export interface LaneJob {
  /** The caller stopped waiting: the worker no longer keeps the process alive. */
  abandon(): void;
  /** A later call waits behind this abandoned one (a File's close): the worker keeps the process alive again. */
  keepAlive(): void;
}

// The worker: one synchronous call per message; errors come back as their fields. `stop[0]` is 1
// once the caller of the current read stopped waiting, `exiting[0]` once the process exits.
const WORKER_SOURCE = `
const fs = require("node:fs");
const { parentPort, workerData } = require("node:worker_threads");
const { stop, exiting, koffiPath } = workerData;
let poll = null;
if (koffiPath !== null) {
  try {
    poll = require(koffiPath).load("libc.so.6").func("int poll(void *, unsigned long, int)");
  } catch {}
}
const pfd = Buffer.alloc(8); // struct pollfd { int fd; short events; short revents; }
function ready(fd, events, read) {
  if (poll === null) return true;
  pfd.writeInt32LE(fd, 0);
  pfd.writeInt16LE(events, 4);
  for (;;) {
    if (Atomics.load(exiting, 0) === 1 || (read && Atomics.load(stop, 0) === 1)) return false;
    pfd.writeInt16LE(0, 6);
    if (poll(pfd, 1, 100) !== 0) return true; // ready, hung up, an error (the call says which)
  }
}
const GAVE_UP = { gaveUp: true };
parentPort.on("message", (m) => {
  try {
    if (m.op === "open") return parentPort.postMessage({ r: fs.openSync(m.path, m.flags, m.mode) });
    if (m.op === "write") {
      if (!ready(m.fd, 4, false)) return parentPort.postMessage(GAVE_UP);
      const n = poll === null ? m.data.length : Math.min(m.data.length, ${LANE_WRITE_MAX});
      return parentPort.postMessage({ r: fs.writeSync(m.fd, m.data, 0, n, m.position) });
    }
    if (!ready(m.fd, 1, true)) return parentPort.postMessage(GAVE_UP);
    const b = Buffer.allocUnsafeSlow(m.length);
    const n = fs.readSync(m.fd, b, 0, m.length, m.position);
    parentPort.postMessage({ r: n, bytes: b.buffer }, [b.buffer]);
  } catch (e) {
    parentPort.postMessage({ error: { message: String(e && e.message), code: e && e.code, errno: e && e.errno, syscall: e && e.syscall } });
  }
});
`;

interface Reply {
  r?: number;
  bytes?: ArrayBuffer;
  /** A read or write that gave up before the call (withdrawn, or the process exits). */
  gaveUp?: true;
  error?: { message: string; code?: string; errno?: number; syscall?: string };
}

/** Where the workers load koffi from (they run eval'd code, which resolves from the cwd); null without it. */
function koffiPath(): string | null {
  if (process.platform !== "linux") return null;
  try {
    return createRequire(import.meta.url).resolve("koffi");
  } catch {
    return null;
  }
}

/** Set to 1 when the process exits: every waiting read and write gives up. */
const exiting = new Int32Array(new SharedArrayBuffer(4));
/** Whether the exit hook (`atExit`) is installed: with the first worker. */
let exitHook = false;

/** A call given to the lane: queued, then run by one LaneWorker (`worker` while it runs). */
class LaneJobRecord implements LaneJob {
  worker: LaneWorker | null = null;
  abandoned = false;
  constructor(
    readonly call: LaneCall,
    readonly done: LaneDone,
  ) {}
  abandon(): void {
    if (this.abandoned) return;
    this.abandoned = true;
    const w = this.worker;
    if (w === null) return;
    w.worker.unref();
    Atomics.store(w.stop, 0, 1);
  }
  keepAlive(): void {
    this.worker?.worker.ref();
  }
}

class LaneWorker {
  readonly worker: Worker;
  job: LaneJobRecord | null = null;
  /** `stop[0]`: the caller of the current job stopped waiting (a read then gives up). */
  readonly stop = new Int32Array(new SharedArrayBuffer(4));
  constructor() {
    // execArgv: []: the source is CommonJS whatever the parent's flags (--input-type, loaders) say.
    // trackUnmanagedFds: false: a worker would close the descriptors it opened when it ends.
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      name: "tasklet blocking lane",
      execArgv: [],
      trackUnmanagedFds: false,
      workerData: { stop: this.stop, exiting, koffiPath: lane.koffiPath },
    });
    this.worker.on("message", (m: Reply) => this.reply(m));
    this.worker.on("error", (e) => this.lost(e));
    this.worker.on("exit", (code) => this.lost(new Error(`the worker exited (code ${code})`)));
  }
  run(job: LaneJobRecord): void {
    this.job = job;
    job.worker = this;
    Atomics.store(this.stop, 0, job.abandoned ? 1 : 0);
    if (job.abandoned) this.worker.unref();
    else this.worker.ref();
    const c = job.call;
    this.worker.postMessage(c, c.op === "write" ? [c.data.buffer as ArrayBuffer] : []);
  }
  private reply(m: Reply): void {
    const job = this.job;
    this.job = null;
    lane.finished(this);
    if (job === null) return;
    if (m.gaveUp === true) {
      job.done(Object.assign(new Error("the call was given up: its caller stopped waiting"), { code: "ECANCELED" }));
    } else if (m.error !== undefined) {
      const e = new Error(m.error.message) as NodeJS.ErrnoException;
      if (m.error.code !== undefined) e.code = m.error.code;
      if (m.error.errno !== undefined) e.errno = m.error.errno;
      if (m.error.syscall !== undefined) e.syscall = m.error.syscall;
      job.done(e);
    } else {
      job.done(null, m.r, m.bytes === undefined ? undefined : Buffer.from(m.bytes, 0, m.r));
    }
  }
  private lost(e: Error): void {
    if (!lane.workers.delete(this)) return;
    const i = lane.idle.indexOf(this);
    if (i >= 0) lane.idle.splice(i, 1);
    const job = this.job;
    this.job = null;
    if (job !== null) job.done(Object.assign(new Error(`blocking lane: ${e.message}`), { code: "EIO" }));
    lane.next();
  }
}

/** The lane's workers and its queue (one per thread: a worker thread that opens FIFOs gets its own). */
const lane = {
  /** Resolved when the first worker starts. */
  koffiPath: null as string | null,
  workers: new Set<LaneWorker>(),
  idle: [] as LaneWorker[],
  queue: [] as LaneJobRecord[],
  finished(w: LaneWorker): void {
    const job = this.queue.shift();
    if (job !== undefined) {
      w.run(job);
      return;
    }
    if (this.idle.length >= MAX_IDLE) {
      this.workers.delete(w);
      void w.worker.terminate();
      return;
    }
    w.worker.unref();
    this.idle.push(w);
  },
  next(): void {
    const job = this.queue.shift();
    if (job !== undefined) this.start(job);
  },
  start(job: LaneJobRecord): void {
    let w = this.idle.pop();
    if (w === undefined) {
      if (this.workers.size >= MAX_WORKERS) {
        this.queue.push(job);
        return;
      }
      if (!exitHook) {
        exitHook = true;
        this.koffiPath = koffiPath();
        process.on("exit", atExit);
      }
      w = new LaneWorker();
      this.workers.add(w);
    }
    w.run(job);
  },
};

/** Runs `call` on a worker of the lane; `done` gets its outcome, also after `abandon()`. */
export function laneCall(call: LaneCall, done: LaneDone): LaneJob {
  const job = new LaneJobRecord(call, done);
  lane.start(job);
  return job;
}

// ---- FIFO opens that nobody waits for ------------------------------------------

/**
 * The opens of one FIFO on the lane: `waiting` have a caller that still
 * waits, `stuck` were withdrawn and have not returned; `partner` is our
 * descriptor of the FIFO that releases the stuck ones (or "opening").
 */
interface Fifo {
  waiting: number;
  stuck: number;
  partner: number | "opening" | null;
}
const fifos = new Map<string, Fifo>();
function fifoOf(path: string): Fifo {
  let f = fifos.get(path);
  if (f === undefined) {
    f = { waiting: 0, stuck: 0, partner: null };
    fifos.set(path, f);
  }
  return f;
}

/** An open of the FIFO at `path` starts on the lane. */
export function fifoOpenStarted(path: string): void {
  fifoOf(path).waiting++;
}

/** The caller of an open of the FIFO at `path` stopped waiting for it (kill, timeout). */
export function fifoOpenWithdrawn(path: string): void {
  const f = fifoOf(path);
  f.waiting--;
  f.stuck++;
  release(path, f);
}

/** An open of the FIFO at `path` returned (`wasWithdrawn`: its caller had stopped waiting). */
export function fifoOpenReturned(path: string, wasWithdrawn: boolean): void {
  const f = fifoOf(path);
  if (wasWithdrawn) f.stuck--;
  else f.waiting--;
  if (f.stuck === 0 && typeof f.partner === "number") {
    fs.close(f.partner, () => {});
    f.partner = null;
  }
  if (f.waiting === 0 && f.stuck === 0 && f.partner === null) fifos.delete(path);
  else release(path, f);
}

/**
 * Makes the withdrawn opens of a FIFO return: opens it ourselves, read-write
 * and without blocking (which Linux allows on a FIFO: the descriptor is
 * both a reader and a writer), so a stuck open finds its other end, and
 * keeps that descriptor until every stuck open returned (one whose worker
 * has not yet entered the kernel then returns at once too). Not while an
 * open of ours still waits on the same FIFO: it would return as well, with
 * nobody at the other end; then they all return when a real partner comes,
 * or this runs again when the last of them is withdrawn. What others can
 * see: another process that waits to open the same FIFO at that moment
 * returns too, and may find nobody at the other end (a reader then reads
 * end of file, a writer gets EPIPE).
 */
function release(path: string, f: Fifo): void {
  if (f.waiting > 0 || f.stuck === 0 || f.partner !== null) return;
  f.partner = "opening";
  fs.open(path, fs.constants.O_RDWR | fs.constants.O_NONBLOCK, (e, fd) => {
    if (e !== null) {
      f.partner = null; // the FIFO is gone (unlinked): its stuck opens wait for a partner that has the inode
      return;
    }
    if (f.stuck === 0) {
      fs.close(fd, () => {});
      f.partner = null;
      if (f.waiting === 0) fifos.delete(path);
    } else f.partner = fd;
  });
}

/**
 * At exit Node joins every thread, so a worker waiting in a call would hang
 * the exit: reads and writes give up at their next poll (within 100 ms);
 * every FIFO with an open on the lane gets its other end (the descriptors
 * close with the process).
 */
function atExit(): void {
  Atomics.store(exiting, 0, 1);
  for (const [path, f] of fifos) {
    if (typeof f.partner === "number") continue;
    try {
      fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    } catch {
      // Gone: nothing can release it.
    }
  }
}
