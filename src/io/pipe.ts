/**
 * The pipes of a child process, as tasklets read and write them
 * (process.ts makes them for a Subprocess).
 *
 * Each output pipe is a Node stream in paused mode; `recv` takes bytes only
 * when a tasklet asks, so a child that writes more than is read is held
 * back by the pipe (backpressure), and a withdrawn `recv` takes nothing.
 * `send` waits while the input pipe's buffer is full and only then hands
 * its bytes (copied) to the stream, so a withdrawn `send` sent nothing.
 *
 * Invariants: a reader is on `ProcessOutput.readers` only while nothing can
 * be taken for it (`serve` runs on every 'readable', 'end' and 'error');
 * `ProcessOutput.chunk` holds bytes taken from the stream and not yet
 * copied out, which the next `recv` gets first.
 */

import type { Readable, Writable } from "node:stream";
import { ClosedError, IOError } from "../core/errors.js";
import type { Operation } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { NOT_READY, type NotReady, type Waitable, type WaitNode } from "../core/wait.js";
import { WaitOp, waitOn } from "../core/wait-op.js";
import { HeldQueue } from "./held-queue.js";
import { ioError } from "./waiting.js";

/**
 * The read end of a child's output pipe.
 *
 * @example
 * const n = yield* p.stdout!.recv(buf); // > 0, or ClosedError at the end
 * @hideconstructor
 */
export class ProcessOutput {
  /** Tasklets waiting in recv, FIFO; node.value is their PipeRecvOp. */
  readonly readers = new HeldQueue();
  private chunk: Buffer | null = null;
  private pos = 0;
  private ended = false;
  private error: IOError | null = null;

  constructor(
    private readonly stream: Readable,
    /** Names the stream in messages and dumps (`stdout of ls (2 args)`). */
    readonly label: string,
  ) {
    stream.on("readable", this.serve);
    stream.on("end", () => {
      this.ended = true;
      this.serve();
    });
    stream.on("close", () => {
      this.ended = true;
      this.serve();
    });
    stream.on("error", (e) => {
      this.error = ioError(label, e);
      this.serve();
    });
  }

  /**
   * Reads up to `length` bytes into `buf` at `offset`: the count, always > 0.
   * Throws `ClosedError` once the child (and every process that shares the
   * pipe) closed it and every byte was read.
   */
  recv(buf: Uint8Array, offset = 0, length?: number): WaitOp<number> {
    if (!(buf instanceof Uint8Array)) throw new TypeError(`recv: buf must be a Uint8Array, got ${typeof buf}`);
    const len = length ?? buf.length - offset;
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(len) || len <= 0 || offset + len > buf.length) {
      throw new RangeError(`recv: offset ${offset} and length ${length} must select at least one byte of buf`);
    }
    return new PipeRecvOp(this, buf, offset, len);
  }

  /** Stops reading: the child gets SIGPIPE or EPIPE if it writes more. */
  close(): void {
    this.stream.destroy();
  }

  /** Takes up to `len` bytes at once, or NOT_READY; throws at the end or on error. */
  take(buf: Uint8Array, offset: number, len: number): number | NotReady {
    let c = this.chunk;
    if (c === null) {
      c = this.stream.destroyed ? null : (this.stream.read() as Buffer | null);
      if (c === null) {
        if (this.error !== null) throw this.error;
        if (this.ended || this.stream.destroyed) throw new ClosedError(`${this.label}: end of stream`, { code: "EOF" });
        return NOT_READY;
      }
      this.chunk = c;
      this.pos = 0;
    }
    const n = Math.min(len, c.length - this.pos);
    c.copy(buf, offset, this.pos, this.pos + n);
    this.pos += n;
    if (this.pos === c.length) this.chunk = null;
    return n;
  }

  private readonly serve = (): void => {
    for (let n = this.readers.first(); n !== null; n = this.readers.first()) {
      const op = n.value as PipeRecvOp;
      let r: number | NotReady;
      try {
        r = this.take(op.buf, op.offset, op.length);
      } catch (e) {
        this.readers.wake(n, e, true);
        continue;
      }
      if (r === NOT_READY) return;
      this.readers.wake(n, r);
    }
  };
}

/** recv on a pipe: a WaitOp, so also a select case (readers are served FIFO: none barges in). */
class PipeRecvOp extends WaitOp<number> {
  constructor(
    private readonly out: ProcessOutput,
    readonly buf: Uint8Array,
    readonly offset: number,
    readonly length: number,
  ) {
    super();
  }
  poll(_t: Tasklet): number | NotReady {
    if (this.out.readers.length !== 0) return NOT_READY;
    return this.out.take(this.buf, this.offset, this.length);
  }
  enqueue(n: WaitNode): void {
    n.value = this;
    this.out.readers.push(n);
  }
  override dequeue(n: WaitNode): void {
    this.out.readers.remove(n);
  }
  describe(): string {
    return `recv on ${this.out.label}`;
  }
}

/**
 * The write end of a child's stdin pipe.
 *
 * @example
 * yield* p.stdin!.send(Buffer.from("data\n"));
 * p.stdin!.close();
 * @hideconstructor
 */
export class ProcessInput {
  private error: IOError | null = null;
  private readonly drain: DrainWait;

  constructor(
    private readonly stream: Writable,
    /** Names the stream in messages and dumps (`stdin of cat`). */
    readonly label: string,
  ) {
    this.drain = new DrainWait(stream, label);
    stream.on("error", (e) => {
      this.error = ioError(label, e);
      this.drain.wakeAll();
    });
  }

  /**
   * Hands `buf` (copied) to the pipe once its buffer has room: blocks while
   * the child does not read. A withdrawn send sent nothing. Throws
   * `IOError` (`EPIPE`) once the child closed its end.
   */
  send(buf: Uint8Array): Operation<number> {
    if (!(buf instanceof Uint8Array)) throw new TypeError(`send: buf must be a Uint8Array, got ${typeof buf}`);
    return this.sendLoop(Buffer.from(buf));
  }

  private *sendLoop(data: Buffer): Operation<number> {
    for (;;) {
      if (this.error !== null) throw this.error;
      if (this.stream.writableEnded || this.stream.destroyed) {
        throw new IOError(`send on ${this.label}: the pipe is closed`, { code: "EPIPE" });
      }
      if (!this.stream.writableNeedDrain) {
        this.stream.write(data);
        return data.length;
      }
      yield* this.drain.op;
    }
  }

  /** Closes the pipe after what was sent: the child reads end of file. */
  close(): void {
    this.stream.end();
  }
}

/** Waits until a writable stream drains (or fails, or closes). */
class DrainWait implements Waitable<void> {
  private readonly waiters = new HeldQueue();
  readonly op: WaitOp<void> = waitOn(this);
  constructor(
    private readonly stream: Writable,
    private readonly label: string,
  ) {
    stream.on("drain", this.wakeAll);
    stream.on("close", this.wakeAll);
  }
  readonly wakeAll = (): void => this.waiters.wakeAll(undefined);
  poll(): void | NotReady {
    return this.stream.writableNeedDrain && !this.stream.destroyed ? NOT_READY : undefined;
  }
  enqueue(n: WaitNode): void {
    this.waiters.push(n);
  }
  dequeue(n: WaitNode): void {
    this.waiters.remove(n);
  }
  describe(): string {
    return `room in ${this.label}`;
  }
}
