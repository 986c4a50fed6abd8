/**
 * A TCP connection whose reads and writes block the calling tasklet only.
 *
 * Reads: the socket flows ('data' events). A chunk goes first to the
 * tasklets waiting in recv(), in FIFO order, each getting as much as its
 * buffer holds; what is left is kept in `chunks` for the next recv. Nothing
 * that arrived is ever dropped: a recv that loses (killed, timed out, a
 * select case that lost) took nothing. When more than READ_HIGH bytes wait
 * unread the socket is paused (the kernel's window then stops the peer), and
 * it resumes once a recv brings them below READ_LOW: memory stays bounded.
 *
 * Writes: send() copies its bytes (so the caller may reuse its buffer at
 * once) and hands them to the socket WRITE_HIGH bytes at a time, while
 * Node does not ask to wait for 'drain', the rest at each 'drain' (`pump`);
 * it returns once the last byte is handed over. So a send that is withdrawn (a kill, a
 * timeout) has handed over exactly its first `sent` bytes and never writes
 * the others: the caller can resume without sending a byte twice. Senders
 * are served FIFO; a sender withdrawn before its turn wrote nothing.
 *
 * End of stream: data that arrived before the peer's FIN (or before a reset)
 * is delivered first; after it recv throws `ClosedError`, whose `code` says
 * how the peer went: undefined for a FIN, the system's code for a lost peer
 * (ECONNRESET, EPIPE, ETIMEDOUT, …): every failure of an established
 * connection ends it, so it is a ClosedError too (one `catch` serves).
 * Errors of send carry `sent` (see TcpSendOp).
 *
 * Invariants:
 *   - `chunks` holds bytes only while no reader waits (incoming data serves
 *     waiting readers first), so `buffered > 0` implies `readers` is empty;
 *   - `chunks[0]` starts at offset `head`; `buffered` counts unread bytes;
 *   - `paused` mirrors whether this file paused the socket.
 *
 * The operations recv, readLine and send return live in tcp-ops.ts; this
 * file imports them, they see it only through the `TcpStream` interface
 * declared there. A node on `readers` carries a `TcpReader` (serveReaders
 * and endReaders call its `served` and `streamEnded`), one on `writers` a
 * `TcpWriter` (pump and failWriters move and read its `sent`).
 */

import type { Socket } from "node:net";
import { ClosedError } from "../core/errors.js";
import type { Operation } from "../core/op.js";
import { NOT_READY, type NotReady } from "../core/wait.js";
import { HeldQueue } from "./held-queue.js";
import { checkBuf } from "./net-wait.js";
import { TcpMoreOp, type TcpReader, TcpRecvOp, TcpSendOp, type TcpWriter } from "./tcp-ops.js";

const ONE = new Uint8Array(1);

/** Unread bytes above which the socket stops reading. */
const READ_HIGH = 64 * 1024;
/** Unread bytes below which a paused socket reads again. */
const READ_LOW = 16 * 1024;
/**
 * Bytes a send hands to the socket at a time (at most this much of one send
 * waits in Node's buffer). Smaller costs CPU on bulk transfers: 512 MiB
 * over loopback took 1.65 s of CPU in 16 KiB steps, 1.45 s in 256 KiB
 * steps, 1.25 s when each send handed everything over at once.
 */
const WRITE_HIGH = 256 * 1024;

/**
 * A connected TCP socket (from `connect` or `TcpServer.accept`). `recv` and
 * `send` block the calling tasklet only; `close` and `shutdown` are plain calls.
 *
 * @example
 * const conn = yield* connect({ host: "127.0.0.1", port: 7 });
 * yield* conn.send(Buffer.from("ping"));
 * const buf = Buffer.alloc(4);
 * yield* conn.recvExactly(buf);
 * conn.close();
 */
export class TcpConn {
  /** The peer's IP address. */
  readonly peerAddress: string;
  /** The peer's port. */
  readonly peerPort: number;
  /** Our own IP address on this connection (the one the peer reached). */
  readonly myAddress: string;
  /** Our own port. */
  readonly myPort: number;

  private readonly chunks: Buffer[] = [];
  private head = 0;
  private buffered = 0;
  private paused = false;
  /** The peer sent FIN. */
  private eof = false;
  /** The peer was lost (reset, …): recv throws this ClosedError once the buffered bytes are read. */
  private error: ClosedError | null = null;
  /** close() was called. */
  private closed = false;
  /** shutdown() or close() was called: no more sends. */
  private writeEnded = false;
  private lastRecv: TcpRecvOp | null = null;
  /** @internal */
  readonly readers = new HeldQueue();
  /** @internal */
  readonly writers = new HeldQueue();

  /** Node's socket underneath, for what this class does not offer (socket options). */
  readonly socket: Socket;

  /** @internal Wraps a connected socket; use `connect` or `accept`. */
  constructor(socket: Socket) {
    this.socket = socket;
    this.peerAddress = socket.remoteAddress ?? "";
    this.peerPort = socket.remotePort ?? 0;
    this.myAddress = socket.localAddress ?? "";
    this.myPort = socket.localPort ?? 0;
    socket.setNoDelay(true);
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("error", this.onError);
    socket.on("close", this.onClose);
    socket.on("drain", this.onDrain);
  }

  /**
   * Waits for bytes and copies them into `buf`: returns their count (> 0).
   * Throws `ClosedError` once every byte that arrived was read and the peer
   * is gone: its `code` is undefined if the peer closed (FIN), the system's
   * code if it was lost (ECONNRESET, ETIMEDOUT, …). Bytes not asked for
   * stay for the next recv. The result is a `Waitable`, so select can wait
   * on it.
   *
   * @example
   * const n = yield* conn.recv(buf);
   * console.log(buf.subarray(0, n).toString());
   */
  recv(buf: Uint8Array): TcpRecvOp {
    // The op holds no state of its own wait, so a loop that reads into one buffer reuses one op.
    const last = this.lastRecv;
    if (last !== null && last.buf === buf) return last;
    const op = new TcpRecvOp(this, checkBuf("recv", buf));
    this.lastRecv = op;
    return op;
  }

  /**
   * Fills `buf` completely. Throws `ClosedError` if the stream ends first
   * (the bytes received until then are in `buf`; use recv to count them).
   *
   * @example
   * const header = Buffer.alloc(4);
   * yield* conn.recvExactly(header);
   */
  *recvExactly(buf: Uint8Array): Operation<void> {
    checkBuf("recvExactly", buf);
    for (let got = 0; got < buf.length; ) got += yield* new TcpRecvOp(this, buf.subarray(got));
  }

  /**
   * Reads up to and including the next `\n` and returns the line without it
   * (and without a `\r` before it), decoded as UTF-8. At end of stream a
   * last line without `\n` is returned; after it `ClosedError` is thrown.
   * A line longer than `maxBytes` (an integer >= 0, default 64 KiB) throws
   * `RangeError` (its bytes stay unread): a peer cannot make it buffer
   * without bound.
   *
   * @example
   * const line = yield* conn.readLine();
   */
  readLine(maxBytes = 64 * 1024): Operation<string> {
    if (typeof maxBytes !== "number" || !Number.isSafeInteger(maxBytes) || maxBytes < 0) {
      const got = typeof maxBytes === "number" ? String(maxBytes) : `${typeof maxBytes} ${JSON.stringify(maxBytes)}`;
      throw new RangeError(`readLine: maxBytes must be an integer >= 0, got ${got}`);
    }
    return this.readLineOf(maxBytes);
  }

  private *readLineOf(maxBytes: number): Operation<string> {
    for (let seen = 0; ; ) {
      const end = this.findNewline(seen);
      if (end >= 0) {
        if (end > maxBytes) throw new RangeError(`readLine: line longer than maxBytes (${maxBytes})`);
        return trimCR(this.take(end + 1), true);
      }
      seen = this.buffered;
      if (seen > maxBytes) throw new RangeError(`readLine: line longer than maxBytes (${maxBytes})`);
      if (this.ended) {
        if (seen > 0) return trimCR(this.take(seen), false);
        this.pollRead(ONE); // throws the end (ClosedError)
      }
      yield* new TcpMoreOp(this, seen);
    }
  }

  /**
   * Sends all of `bytes` (copied: the caller may reuse its buffer at once).
   * Blocks while the socket's write buffer is full, until the peer has read
   * enough; returns once every byte was handed to the connection. Throws
   * `ClosedError` after `shutdown` or `close`, or when the peer is lost
   * (`code`: ECONNRESET, EPIPE, …).
   *
   * A send that does not finish (its error, a `timeout()`, a kill) may have
   * handed part of its bytes over, as Go's `Write` returns `n` with its
   * error: the error it throws carries `sent`, the count of this call's
   * bytes that went (they reach the peer unless the connection fails; the
   * others were never written), and so does the op (`op.sent`, readable
   * after a kill or a timeout). Resume with `bytes.subarray(sent)`: no byte
   * is sent twice.
   *
   * @example
   * yield* conn.send(Buffer.from("hello\n"));
   */
  send(bytes: Uint8Array | string): TcpSendOp {
    if (typeof bytes === "string") return new TcpSendOp(this, Buffer.from(bytes));
    if (!(bytes instanceof Uint8Array)) {
      throw new TypeError(`send: bytes must be a Uint8Array or a string, got ${typeof bytes}`);
    }
    return new TcpSendOp(this, Buffer.from(bytes));
  }

  /**
   * Half-close: sends FIN after the bytes already sent; recv still works.
   * Later sends throw `ClosedError`.
   */
  shutdown(): void {
    if (this.writeEnded) return;
    this.writeEnded = true;
    this.failWriters(new ClosedError("send: the connection was shut down"));
    this.socket.end();
  }

  /**
   * Closes the connection: bytes already sent are still delivered (FIN after
   * them), unread bytes are discarded, tasklets blocked in recv or send on it
   * get `ClosedError`. Idempotent. The socket lives on until the peer has
   * read what was sent (as the kernel lingers after close(2)); use `abort`
   * for a peer that may never read.
   */
  close(): void {
    this.closeWith(false);
  }

  /**
   * Closes the connection at once, discarding bytes not yet sent (the peer
   * gets a reset). For peers that stopped reading. Idempotent.
   */
  abort(): void {
    this.closeWith(true);
  }

  private closeWith(abort: boolean): void {
    if (abort && !this.socket.destroyed) this.socket.resetAndDestroy();
    if (this.closed) return;
    this.closed = true;
    this.writeEnded = true;
    this.chunks.length = 0;
    this.buffered = this.head = 0;
    const e = new ClosedError("the connection was closed");
    this.readers.failAll(e);
    this.failWriters(e);
    if (abort) return;
    if (this.paused) this.socket.resume();
    this.socket.destroySoon();
  }

  /** Whether close() was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  // ---- reads -------------------------------------------------------------

  /** @internal Takes up to `buf.length` buffered bytes into `buf`; NOT_READY if none and the stream goes on. */
  pollRead(buf: Uint8Array): number | NotReady {
    if (this.buffered > 0) return this.takeInto(buf);
    if (this.closed) throw new ClosedError("recv: the connection was closed");
    if (this.error !== null) throw this.error;
    if (this.eof) throw new ClosedError("recv: the peer closed the connection");
    return NOT_READY;
  }

  /** @internal Moves buffered bytes into `buf` (as many as fit): their count. */
  takeInto(buf: Uint8Array): number {
    let n = 0;
    const want = buf.length;
    const chunks = this.chunks;
    while (n < want && chunks.length > 0) {
      const c = chunks[0] as Buffer;
      const k = Math.min(want - n, c.length - this.head);
      c.copy(buf, n, this.head, this.head + k);
      n += k;
      this.head += k;
      if (this.head === c.length) {
        chunks.shift();
        this.head = 0;
      }
    }
    this.buffered -= n;
    if (this.paused && this.buffered < READ_LOW) {
      this.paused = false;
      this.socket.resume();
    }
    return n;
  }

  /** Removes the first `n` buffered bytes and returns them. */
  private take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    this.takeInto(out);
    return out;
  }

  /** Index (from the read position) of the first `\n` at or after `from`, or -1. */
  private findNewline(from: number): number {
    let base = 0;
    for (let i = 0; i < this.chunks.length; i++) {
      const c = this.chunks[i] as Buffer;
      const start = i === 0 ? this.head : 0;
      const len = c.length - start;
      if (from < base + len) {
        const j = c.indexOf(10, start + Math.max(0, from - base));
        if (j >= 0) return base + j - start;
      }
      base += len;
    }
    return -1;
  }

  /** @internal A reader waits for more bytes than are buffered (readLine): read even above READ_HIGH. */
  unpause(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket.resume();
  }

  /** @internal Bytes available to read without waiting. */
  get available(): number {
    return this.buffered;
  }

  /** @internal Whether the stream has ended one way or another (recv would not wait). */
  get ended(): boolean {
    return this.eof || this.error !== null || this.closed;
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.closed) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.readers.length > 0) this.serveReaders();
    if (!this.paused && this.buffered >= READ_HIGH) {
      this.paused = true;
      this.socket.pause();
    }
  };

  /** Hands buffered bytes to waiting readers, FIFO, until one of the two runs out. */
  private serveReaders(): void {
    const readers = this.readers;
    for (let n = readers.first(); n !== null && this.buffered > 0; n = readers.first()) {
      readers.shift();
      // A recv takes what its buffer holds; a readLine waiting for more bytes takes nothing and scans.
      n.t.rt.wakeNode(n, (n.value as TcpReader).served());
    }
  }

  /** The stream ended with `e`: recv waiters get it, readLine waiters wake to take the last line. */
  private endReaders(e: ClosedError): void {
    const readers = this.readers;
    for (let n = readers.shift(); n !== null; n = readers.shift()) (n.value as TcpReader).streamEnded(n, e);
  }

  private readonly onEnd = (): void => {
    this.eof = true;
    this.endReaders(new ClosedError("recv: the peer closed the connection"));
  };

  private readonly onError = (e: Error): void => {
    if (this.error === null) this.error = lostPeer(e);
    this.endReaders(this.error);
    this.failWriters(this.error);
  };

  private readonly onClose = (): void => {
    if (!this.eof && this.error === null) this.eof = true;
    const e = this.error ?? new ClosedError("the connection was closed");
    this.endReaders(e);
    this.failWriters(e);
  };

  // ---- writes ------------------------------------------------------------

  /** @internal Hands `op`'s bytes over now if it may (FIFO, room in the buffer); true if all went. */
  startSend(op: TcpWriter): boolean {
    if (this.writeEnded) throw sendError(new ClosedError("send: the connection was shut down or closed"), 0);
    if (this.error !== null) throw sendError(this.error, 0);
    if (this.socket.destroyed) throw sendError(new ClosedError("send: the connection was closed"), 0);
    if (this.writers.length > 0) return false;
    return this.pump(op);
  }

  /**
   * Hands `op`'s next bytes to the socket while it does not ask to wait for
   * 'drain', at most WRITE_HIGH bytes in its buffer; true once every byte
   * went. Bytes handed over are the connection's: `op.sent` counts them.
   */
  private pump(op: TcpWriter): boolean {
    const s = this.socket;
    const data = op.data;
    while (op.sent < data.length) {
      if (s.writableNeedDrain) return false;
      const room = Math.max(1, WRITE_HIGH - s.writableLength);
      const end = Math.min(data.length, op.sent + room);
      s.write(end === data.length && op.sent === 0 ? data : data.subarray(op.sent, end));
      op.sent = end;
    }
    return true;
  }

  private readonly onDrain = (): void => {
    const writers = this.writers;
    for (let n = writers.first(); n !== null; n = writers.first()) {
      if (!this.pump(n.value as TcpWriter)) return;
      writers.shift();
      n.t.rt.wakeNode(n, undefined);
    }
  };

  /** Ends every waiting send with `e`, each with its own `sent`. */
  private failWriters(e: ClosedError): void {
    const writers = this.writers;
    for (let n = writers.shift(); n !== null; n = writers.shift()) {
      n.t.rt.wakeNodeThrow(n, sendError(e, (n.value as TcpWriter).sent));
    }
  }

  /** `tcp <local address>:<port> <-> <peer address>:<port>`, for logs. */
  toString(): string {
    return `tcp ${this.myAddress}:${this.myPort} <-> ${this.peerAddress}:${this.peerPort}`;
  }
}

/**
 * The error of a lost peer: every failure of an established connection
 * (ECONNRESET, EPIPE, ETIMEDOUT, EHOSTUNREACH, …) ends it as a FIN does, so
 * it is a `ClosedError`, with the system's code.
 */
function lostPeer(e: Error): ClosedError {
  const code = (e as NodeJS.ErrnoException).code;
  return new ClosedError(`tcp: the peer was lost: ${e.message}`, {
    cause: e,
    code: typeof code === "string" ? code : undefined,
  });
}

/** A send's error: a fresh copy of `e` (same class, message, code) that carries the send's `sent`. */
function sendError(e: ClosedError, sent: number): ClosedError & { readonly sent: number } {
  const err = new ClosedError(e.message, { cause: e.cause, code: e.code });
  err.sent = sent;
  return err as ClosedError & { readonly sent: number };
}

function trimCR(b: Buffer, hasNewline: boolean): string {
  let end = b.length;
  if (hasNewline) end--;
  if (end > 0 && b[end - 1] === 13) end--;
  return b.toString("utf8", 0, end);
}
