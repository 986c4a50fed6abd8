/**
 * Files: libwire's wire_io list (`open`, `read`, `write`, `pread`, `pwrite`,
 * `fstat`, `ftruncate`, `fsync`, `close`) as operations on a `File`, over
 * Node's callback `fs` API (libuv runs each call on its thread pool, as
 * wire_io runs blocking calls on its threads).
 *
 * A `File` owns one descriptor and runs its calls one at a time, in the
 * order they were made (its chain): libuv could otherwise run two reads of
 * one descriptor at once and race on the file position. A class rather than
 * functions of an fd, because the chain and the kept bytes below are state
 * of the descriptor; `File.fromFd(fd)` adopts a raw one (as the ntkd tasklet
 * interface's `read(fd, …)`).
 *
 * Withdrawal (kill, timeout) of an operation on a File:
 *   - still queued behind another call: it is taken off the chain and never
 *     runs; nothing happened;
 *   - already running on the pool (libuv cannot stop it): it completes in the
 *     background, and the next call of the chain starts after it. A sequential
 *     `read` reads into the File's own buffer, never the caller's, so a late
 *     completion cannot scribble on a buffer the caller reuses; its bytes are
 *     kept and returned first by the next `read` (the file position has moved
 *     past them, so dropping them would lose data). A late `pread` is
 *     discarded (it moved nothing). A `write`/`pwrite` copied its bytes at the
 *     call and finishes writing them; if that background write fails, the
 *     error is thrown by the File's next call. `close` is never withdrawn: a
 *     close that was asked for always happens.
 *
 * Calls that may wait without end (blocking-lane.ts): `open` first stats
 * the path; a path that is not a regular file, a directory or a block
 * device (a FIFO, a character device) is opened on the blocking lane, a
 * pool of worker threads of our own that grows while its threads are
 * stuck, and so are the reads and writes of a File open on one (`special`).
 * Everything else runs on libuv's pool, whose 4 threads are shared with
 * every `fs` call and `dns.lookup` of the process: a stuck call there would
 * stall them all. A withdrawn open of a FIFO that still waits for the other
 * end is released at once (blocking-lane.ts's `releaseFifoOpen`), so it
 * holds no thread and does not keep the process from exiting. A path
 * replaced by a FIFO between the stat and the open is opened on libuv's
 * pool (the race is the caller's own making).
 *
 * Invariants: `busy` is true while a call of the chain is on the pool;
 * `queue` holds the calls waiting behind it, in order; `leftover` is non-null
 * only between a late sequential read and the next `read`, which consumes it
 * before touching the descriptor.
 */

import * as fs from "node:fs";
import { ClosedError, IOError } from "../core/errors.js";
import type { Operation, Suspend } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import {
  fifoOpenReturned,
  fifoOpenStarted,
  fifoOpenWithdrawn,
  LANE_WRITE_MAX,
  type LaneDone,
  type LaneJob,
  laneCall,
} from "./blocking-lane.js";
import { type Done, HostOp, ioError } from "./waiting.js";

/** A position in the file: a byte offset (number or bigint). */
export type Position = number | bigint;

/** A queued call of a File's chain. */
interface QueuedFileCall {
  op: FileOp<unknown, unknown>;
  done: Done<unknown>;
}

/**
 * An open file descriptor whose operations block only the calling tasklet.
 * Create one with `open(path)`, or wrap a descriptor opened elsewhere with
 * `File.fromFd(fd)` (once per descriptor: two Files on one descriptor would
 * each run their own chain).
 *
 * @example
 * const f = yield* open("/tmp/log", "a");
 * try { yield* f.write(Buffer.from("hello\n")); } finally { yield* f.close(); }
 */
export class File {
  /** Bytes of a sequential read that completed after its caller stopped waiting. */
  leftover: Buffer | null = null;
  /** An error of a background write, thrown by the next call. */
  lateError: IOError | null = null;
  /** @internal A call of the chain runs now (the others queue behind it). */
  busy = false;
  /** @internal The call of the chain that runs now (null when not busy). */
  running: FileOp<unknown, unknown> | null = null;
  /** True once close() was called: every later call throws EBADF. */
  closing = false;
  private readonly queue: QueuedFileCall[] = [];
  private scratch: Buffer | null = null;

  private constructor(
    /** The file descriptor (closed by `close()`). */
    readonly fd: number,
    /** The path it was opened with, for messages (`fd N` for fromFd). */
    readonly path: string,
    /** @internal Not a regular file, directory or block device: reads and writes may wait without end, so they run on the blocking lane. */
    readonly special: boolean,
  ) {}

  /**
   * Wraps a descriptor opened elsewhere (the File owns it from now on:
   * close() closes it). Its kind is read at the call (an `fstat`, which
   * never blocks): the reads and writes of a FIFO, a pipe, a socket or a
   * character device run on threads of their own, not on libuv's pool.
   */
  static fromFd(fd: number): File {
    if (!Number.isInteger(fd) || fd < 0) throw new RangeError(`File.fromFd: fd must be an integer >= 0, got ${fd}`);
    let special = false;
    try {
      special = isSpecial(fs.fstatSync(fd));
    } catch {
      // Not open: the first call says EBADF.
    }
    return new File(fd, `fd ${fd}`, special);
  }

  /**
   * @internal The size of the file when open() looked at its path (a
   * regular file), for readFile's first buffer; null if unknown. A hint
   * only: the file may change.
   */
  sizeHint: number | null = null;

  /** @internal open() makes Files this way. */
  static opened(fd: number, path: string, special: boolean, sizeHint: number | null): File {
    const f = new File(fd, path, special);
    f.sizeHint = sizeHint;
    return f;
  }

  /**
   * Reads up to `length` bytes at the current position into `buf` at
   * `offset`: the count read, always > 0. Throws `ClosedError` at end of file.
   *
   * @example
   * const n = yield* f.read(buf);
   */
  read(buf: Uint8Array, offset = 0, length?: number): Operation<number> {
    const len = checkRange("read", buf, offset, length);
    if (len === 0) throw new RangeError("read: length must be > 0 (a read returns a positive count)");
    return new ReadOp(this, buf, offset, len, null);
  }

  /** As read, at `position` (the file position does not move). */
  pread(buf: Uint8Array, position: Position, offset = 0, length?: number): Operation<number> {
    const len = checkRange("pread", buf, offset, length);
    if (len === 0) throw new RangeError("pread: length must be > 0 (a read returns a positive count)");
    return new ReadOp(this, buf, offset, len, checkPosition("pread", position));
  }

  /**
   * Writes all of `buf[offset, offset + length)` at the current position
   * (short writes are continued) and returns the count. The bytes are copied
   * at the call, so `buf` may be reused at once.
   */
  write(buf: Uint8Array, offset = 0, length?: number): Operation<number> {
    const len = checkRange("write", buf, offset, length);
    return new WriteOp(this, Buffer.from(buf.subarray(offset, offset + len)), null);
  }

  /** As write, at `position` (the file position does not move). */
  pwrite(buf: Uint8Array, position: Position, offset = 0, length?: number): Operation<number> {
    const len = checkRange("pwrite", buf, offset, length);
    return new WriteOp(this, Buffer.from(buf.subarray(offset, offset + len)), checkPosition("pwrite", position));
  }

  /** The descriptor's `fs.Stats`. */
  fstat(): Operation<fs.Stats> {
    return new FileCallOp<fs.Stats>(this, "fstat", (fd, cb) => fs.fstat(fd, cb));
  }

  /** Cuts or extends the file to `length` bytes. */
  ftruncate(length = 0): Operation<void> {
    if (!Number.isInteger(length) || length < 0) {
      throw new RangeError(`ftruncate: length must be an integer >= 0, got ${length}`);
    }
    return new FileCallOp<void>(this, "ftruncate", (fd, cb) => fs.ftruncate(fd, length, cb));
  }

  /** Flushes the file's data and metadata to the device. */
  fsync(): Operation<void> {
    return new FileCallOp<void>(this, "fsync", (fd, cb) => fs.fsync(fd, cb));
  }

  /**
   * Closes the descriptor after every call already made on it. Later calls
   * throw `IOError` (`EBADF`); a second close returns at once. A close is
   * never withdrawn: a kill while it waits leaves it to finish.
   */
  close(): Operation<void> {
    if (this.closing) return new FileCallOp<void>(this, "close", null);
    this.closing = true;
    return new FileCallOp<void>(this, "close", (fd, cb) => fs.close(fd, cb));
  }

  // ---- the chain ---------------------------------------------------------------

  /** Runs `op` now if the chain is idle, else after the calls before it. */
  submit(op: FileOp<unknown, unknown>, done: Done<unknown>): void {
    if (this.busy) {
      this.queue.push({ op, done });
      // Whoever waits behind a withdrawn lane call must keep the process alive until it gives up.
      this.running?.waitedOn();
      return;
    }
    this.busy = true;
    this.running = op;
    op.perform(this.chained(done));
  }

  /** Takes a call that has not started off the chain; returns whether it was there. */
  unqueue(op: FileOp<unknown, unknown>): boolean {
    const i = this.queue.findIndex((p) => p.op === op);
    if (i < 0) return false;
    this.queue.splice(i, 1);
    return true;
  }

  private chained(done: Done<unknown>): Done<unknown> {
    return (error, result) => {
      try {
        done(error, result);
      } finally {
        const next = this.queue.shift();
        if (next === undefined) {
          this.busy = false;
          this.running = null;
        } else {
          this.running = next.op;
          next.op.perform(this.chained(next.done));
        }
      }
    };
  }

  /** The File's own read buffer, at least `n` bytes (reused: calls of a chain never overlap). */
  scratchOf(n: number): Buffer {
    let s = this.scratch;
    if (s === null || s.length < n) {
      s = Buffer.allocUnsafe(Math.max(n, 16 * 1024));
      this.scratch = s;
    }
    return s;
  }

  /** `File(path)`, for logs. */
  toString(): string {
    return `File(${this.path})`;
  }
}

/** A call of a File's chain. */
abstract class FileOp<R, T> extends HostOp<R, T> {
  /** The call on the blocking lane, while it runs there. */
  protected job: LaneJob | null = null;
  constructor(
    readonly file: File,
    readonly what: string,
  ) {
    super();
  }
  override start(t: Tasklet): T | Suspend {
    const f = this.file;
    if (f.closing && this.what !== "close") {
      throw new IOError(`${this.what}: ${f.path} is closed`, { code: "EBADF" });
    }
    const late = f.lateError;
    if (late !== null && this.what !== "close") {
      f.lateError = null;
      throw late;
    }
    return super.start(t);
  }
  protected begin(done: Done<R>): void {
    this.file.submit(this as FileOp<unknown, unknown>, done as Done<unknown>);
  }
  protected override withdrawn(): void {
    this.file.unqueue(this as FileOp<unknown, unknown>);
    this.job?.abandon();
  }
  /** A call was queued behind this one, which runs on the chain now. */
  waitedOn(): void {
    this.job?.keepAlive();
  }
  /** Starts the host call (the chain reached it). `done` may be called synchronously here. */
  abstract perform(done: Done<R>): void;
  describe(): string {
    return `${this.what} on ${this.file.path}`;
  }
}

class ReadOp extends FileOp<number, number> {
  constructor(
    file: File,
    private readonly buf: Uint8Array,
    private readonly offset: number,
    private readonly length: number,
    private readonly position: Position | null,
  ) {
    super(file, position === null ? "read" : "pread");
  }
  override start(t: Tasklet): number | Suspend {
    // Bytes kept from a withdrawn read come first, at once, if nothing is queued before us.
    if (this.position === null && this.file.leftover !== null && !this.file.busy) {
      if (this.file.closing) throw new IOError(`read: ${this.file.path} is closed`, { code: "EBADF" });
      return this.takeLeftover();
    }
    return super.start(t);
  }
  private takeLeftover(): number {
    const left = this.file.leftover as Buffer;
    const n = Math.min(left.length, this.length);
    left.copy(this.buf, this.offset, 0, n);
    this.file.leftover = n === left.length ? null : left.subarray(n);
    return n;
  }
  perform(done: Done<number>): void {
    if (this.position === null && this.file.leftover !== null) {
      done(null, -1); // finish() takes the leftover
      return;
    }
    const f = this.file;
    if (!f.special) {
      fs.read(f.fd, f.scratchOf(this.length), 0, this.length, this.position, done);
      return;
    }
    this.job = laneCall({ op: "read", fd: f.fd, length: this.length, position: this.position }, (e, n, bytes) => {
      this.job = null;
      if (bytes !== undefined) bytes.copy(f.scratchOf(bytes.length));
      done(e, n);
    });
  }
  protected finish(error: NodeJS.ErrnoException | null, n: number | undefined): number {
    if (error !== null) throw ioError(`${this.what} ${this.file.path}`, error);
    if (n === -1) return this.takeLeftover();
    if (n === 0 || n === undefined)
      throw new ClosedError(`${this.what}: end of file ${this.file.path}`, { code: "EOF" });
    this.file.scratchOf(n).copy(this.buf, this.offset, 0, n);
    return n;
  }
  protected override late(_error: NodeJS.ErrnoException | null, n: number | undefined): void {
    // A sequential read moved the file position: keep its bytes for the next read.
    if (this.position === null && n !== undefined && n > 0) {
      this.file.leftover = Buffer.from(this.file.scratchOf(n).subarray(0, n));
    }
  }
}

class WriteOp extends FileOp<number, number> {
  constructor(
    file: File,
    private readonly data: Buffer,
    private readonly position: Position | null,
  ) {
    super(file, position === null ? "write" : "pwrite");
  }
  override start(t: Tasklet): number | Suspend {
    // Nothing to write: no host call.
    if (this.data.length === 0) {
      if (this.file.closing) throw new IOError(`${this.what}: ${this.file.path} is closed`, { code: "EBADF" });
      return 0;
    }
    return super.start(t);
  }
  perform(done: Done<number>): void {
    const { data } = this;
    const fd = this.file.fd;
    let written = 0;
    const wrote = (err: NodeJS.ErrnoException | null, n = 0): void => {
      this.job = null;
      if (err !== null) {
        done(err);
        return;
      }
      written += n;
      if (written < data.length && n > 0) step();
      else done(null, written);
    };
    const step = (): void => {
      // fs.write takes a number position (exact below 2^53 bytes).
      const pos = this.position === null ? null : Number(this.position) + written;
      if (!this.file.special) fs.write(fd, data, written, data.length - written, pos, wrote);
      else {
        // A copy of its own (posting a view would copy the whole buffer under it), moved to the worker.
        const part = new Uint8Array(data.subarray(written, written + LANE_WRITE_MAX));
        this.job = laneCall({ op: "write", fd, data: part, position: pos }, wrote as LaneDone);
      }
    };
    step();
  }
  protected finish(error: NodeJS.ErrnoException | null, n: number | undefined): number {
    if (error !== null) throw ioError(`${this.what} ${this.file.path}`, error);
    return n ?? 0;
  }
  protected override late(error: NodeJS.ErrnoException | null): void {
    if (error !== null) this.file.lateError = ioError(`${this.what} ${this.file.path} (in the background)`, error);
  }
}

/** fstat, ftruncate, fsync, close: one host call on the descriptor. */
class FileCallOp<T> extends FileOp<T, T> {
  constructor(
    file: File,
    what: string,
    private readonly call: ((fd: number, cb: Done<T>) => void) | null,
  ) {
    super(file, what);
  }
  override start(t: Tasklet): T | Suspend {
    if (this.call === null) return undefined as T; // a second close
    return super.start(t);
  }
  perform(done: Done<T>): void {
    (this.call as (fd: number, cb: Done<T>) => void)(this.file.fd, done);
  }
  protected finish(error: NodeJS.ErrnoException | null, result: T | undefined): T {
    if (error !== null) throw ioError(`${this.what} ${this.file.path}`, error);
    return result as T;
  }
  protected override withdrawn(): void {
    // A close that was asked for stays on the chain.
    if (this.what !== "close") super.withdrawn();
  }
}

/**
 * open: a stat of the path (libuv's pool), then the open itself, on libuv's
 * pool for a regular file, a directory, a block device or a path that does
 * not exist yet, else on the blocking lane (`special`).
 */
class OpenOp extends HostOp<number, File> {
  /** Set once the stat said the path is a FIFO or a device; the open runs on the lane. */
  private special = false;
  /** The open is on the lane (a FIFO's open is counted there until it returns). */
  private job: LaneJob | null = null;
  /** The path is a FIFO: a withdrawn open is released (blocking-lane.ts). */
  private fifo = false;
  /** The size the stat saw, for a regular file. */
  private size: number | null = null;
  constructor(
    private readonly path: string,
    private readonly flags: fs.OpenMode,
    private readonly mode: fs.Mode,
  ) {
    super();
  }
  protected begin(done: Done<number>): void {
    fs.stat(this.path, (e, st) => {
      if (!this.waiting) return done(null, -1); // withdrawn during the stat: open nothing
      if (e !== null || !isSpecial(st)) {
        if (e === null && st.isFile()) this.size = st.size;
        fs.open(this.path, this.flags, this.mode, done);
        return;
      }
      this.special = true;
      this.fifo = st.isFIFO();
      if (this.fifo) fifoOpenStarted(this.path);
      this.job = laneCall({ op: "open", path: this.path, flags: this.flags, mode: this.mode }, (err, fd) => {
        if (this.fifo) fifoOpenReturned(this.path, !this.waiting);
        this.job = null;
        done(err, fd);
      });
    });
  }
  protected finish(error: NodeJS.ErrnoException | null, fd: number | undefined): File {
    if (error !== null) throw ioError(`open ${this.path}`, error);
    return File.opened(fd as number, this.path, this.special, this.size);
  }
  protected override withdrawn(): void {
    const job = this.job;
    if (job === null) return;
    job.abandon();
    if (this.fifo) fifoOpenWithdrawn(this.path);
  }
  protected override late(error: NodeJS.ErrnoException | null, fd: number | undefined): void {
    // Nobody will own this descriptor: close it.
    if (error === null && fd !== undefined && fd >= 0) fs.close(fd, () => {});
  }
  describe(): string {
    return `open ${this.path}`;
  }
}

/**
 * Opens `path` (flags as Node's: `"r"`, `"w"`, `"a+"`, or a number; mode
 * for a created file, default 0o666 before the umask).
 *
 * A call that may wait without end never holds one of libuv's 4 pool
 * threads (which `readFile`, every `fs` call and `dns.lookup` share): the
 * open of a FIFO or a device, and the reads and writes of a File open on
 * one, run on worker threads of their own, as many as wait at once (up to
 * 32). A killed or timed-out open of a FIFO that still waits for the other
 * end is made to return at once (by opening that end for a moment, which
 * another process waiting on the same FIFO may notice) and its descriptor
 * is closed; a killed read of one gives up within 100 ms without taking a
 * byte. So neither stalls other file I/O nor keeps the process from exiting.
 *
 * @example
 * const f = yield* open("data.bin", "r");
 */
export function open(path: string, flags: fs.OpenMode = "r", mode: fs.Mode = 0o666): Operation<File> {
  if (typeof path !== "string" || path === "")
    throw new TypeError(`open: path must be a non-empty string, got ${String(path)}`);
  if (typeof flags !== "string" && typeof flags !== "number") {
    throw new TypeError(`open: flags must be a string or a number, got ${typeof flags}`);
  }
  return new OpenOp(path, flags, mode);
}

/** Whether calls on a file of this kind may wait without end (a FIFO, a socket, a character device). */
function isSpecial(st: fs.Stats): boolean {
  return !(st.isFile() || st.isDirectory() || st.isBlockDevice());
}

function checkRange(what: string, buf: Uint8Array, offset: number, length: number | undefined): number {
  if (!(buf instanceof Uint8Array))
    throw new TypeError(`${what}: buf must be a Uint8Array (Buffer), got ${typeof buf}`);
  if (!Number.isInteger(offset) || offset < 0 || offset > buf.length) {
    throw new RangeError(`${what}: offset must be an integer in [0, ${buf.length}], got ${offset}`);
  }
  const len = length ?? buf.length - offset;
  if (!Number.isInteger(len) || len < 0 || offset + len > buf.length) {
    throw new RangeError(`${what}: length must be an integer in [0, ${buf.length - offset}], got ${length}`);
  }
  return len;
}

function checkPosition(what: string, position: Position): Position {
  if (typeof position === "bigint" ? position < 0n : !Number.isInteger(position) || position < 0) {
    throw new RangeError(`${what}: position must be an integer >= 0, got ${String(position)}`);
  }
  return position;
}
