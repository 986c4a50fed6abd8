/**
 * The operations of a TcpConn: recv (a select case), readLine's wait for
 * more bytes, and send; and what each offers the connection that wakes it.
 *
 * This file does not import tcp-conn.ts: it sees the connection through
 * `TcpStream`, the few members its operations call. The connection sees
 * the waiters through `TcpReader` and `TcpWriter`: each op parks its
 * tasklet on one of the connection's queues with the op itself as the
 * node's value (TcpRecvOp and TcpMoreOp on `readers`, TcpSendOp on
 * `writers`), and the connection calls the methods below on that value. So
 * the dependency runs one way (tcp-conn.ts → tcp-ops.ts), and a new kind of
 * reader is a class here with `served` and `streamEnded`, not a branch there.
 *
 * Invariants:
 *   - every node on `readers` has a TcpReader as its value, every node on
 *     `writers` a TcpWriter (the ops' enqueue/start set it before the push);
 *   - a TcpRecvOp holds no state of its own wait (TcpConn.recv reuses one op
 *     for a loop that reads into one buffer); a withdrawn one took no byte;
 *   - a TcpMoreOp consumes nothing; it only wakes readLine to scan again;
 *   - a TcpSendOp's bytes are handed to the socket in order, each once: bytes
 *     `[0, sent)` went, `[sent, length)` did not; a sender withdrawn before
 *     its turn wrote nothing (`sent` is 0), one withdrawn midway writes no
 *     more (Go's `Write` returning `n` with its error).
 */

import type { ClosedError } from "../core/errors.js";
import { Op, SUSPEND, type Suspend } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { type Blocker, NOT_READY, type NotReady, type WaitNode } from "../core/wait.js";
import { WaitOp } from "../core/wait-op.js";
import type { HeldQueue } from "./held-queue.js";

/**
 * What the operations call on their connection. TcpConn has these members
 * but does not declare `implements`: most are internal to the package and
 * left out of its published types. Passing it to an op's constructor checks them.
 */
export interface TcpStream {
  /** Tasklets waiting for bytes; each node's value is its TcpReader. */
  readonly readers: HeldQueue;
  /** Tasklets waiting to send; each node's value is its TcpSendOp. */
  readonly writers: HeldQueue;
  /** Bytes available to read without waiting. */
  readonly available: number;
  /** Whether the stream has ended one way or another (recv would not wait). */
  readonly ended: boolean;
  /** Takes up to `buf.length` buffered bytes into `buf`; NOT_READY if none and the stream goes on. */
  pollRead(buf: Uint8Array): number | NotReady;
  /** Moves buffered bytes (there are some) into `buf`: their count. */
  takeInto(buf: Uint8Array): number;
  /** A reader waits for more bytes than are buffered: read even above the high-water mark. */
  unpause(): void;
  /** Hands `op`'s bytes over now if it may (FIFO, room in the buffer); true if all went. */
  startSend(op: TcpWriter): boolean;
  toString(): string;
}

/** A tasklet waiting on `readers`, as the connection wakes it. */
export interface TcpReader {
  /** Bytes are buffered and this reader is first: takes what it takes; the value its tasklet wakes with. */
  served(): number | undefined;
  /** The stream ended with `e` while `n` (this reader's node, already off the queue) waited: wakes it. */
  streamEnded(n: WaitNode, e: ClosedError): void;
}

/** A tasklet waiting on `writers`: the bytes it hands over, and how many went. */
export interface TcpWriter {
  readonly data: Buffer;
  /** Bytes of `data` handed to the connection; the connection moves it forward. */
  sent: number;
}

/**
 * What `TcpConn.recv(buf)` returns: an operation (and a select case) whose
 * result is the number of bytes read into `buf`. Throws `ClosedError` at the
 * end of the stream.
 *
 * @example
 * const buf = new Uint8Array(4096);
 * const r = yield* select(conn.recv(buf), after(1000));
 * if (r.index === 0) console.log(`got ${r.value} bytes`);
 * @hideconstructor
 */
export class TcpRecvOp extends WaitOp<number> implements TcpReader {
  constructor(
    private readonly conn: TcpStream,
    /** Where the bytes go. */
    readonly buf: Uint8Array,
  ) {
    super();
  }
  poll(_t: Tasklet): number | NotReady {
    return this.conn.pollRead(this.buf);
  }
  enqueue(n: WaitNode): void {
    n.value = this;
    this.conn.readers.push(n);
  }
  override dequeue(n: WaitNode): void {
    this.conn.readers.remove(n);
  }
  /** Copies as much as `buf` holds. */
  served(): number {
    return this.conn.takeInto(this.buf);
  }
  /** recv throws the end. */
  streamEnded(n: WaitNode, e: ClosedError): void {
    n.t.rt.wakeNodeThrow(n, e);
  }
  describe(): string {
    return `recv on ${this.conn}`;
  }
}

/** readLine's wait for more bytes than the `seen` ones (or the end). Consumes nothing. */
export class TcpMoreOp extends WaitOp<void> implements TcpReader {
  constructor(
    private readonly conn: TcpStream,
    private readonly seen: number,
  ) {
    super();
  }
  poll(_t: Tasklet): undefined | NotReady {
    return this.conn.available > this.seen || this.conn.ended ? undefined : NOT_READY;
  }
  enqueue(n: WaitNode): void {
    n.value = this;
    this.conn.readers.push(n);
    // The line is longer than what a paused socket keeps: read on (readLine's maxBytes bounds it).
    this.conn.unpause();
  }
  override dequeue(n: WaitNode): void {
    this.conn.readers.remove(n);
  }
  /** Takes nothing: readLine wakes and scans. */
  served(): undefined {
    return undefined;
  }
  /** readLine wakes to take the last line (or to throw the end itself). */
  streamEnded(n: WaitNode, _e: ClosedError): void {
    n.t.rt.wakeNode(n, undefined);
  }
  describe(): string {
    return `readLine on ${this.conn}`;
  }
}

/**
 * send(bytes): hands the bytes to the socket as room frees up; not a select
 * case (it has a side effect). `sent` counts the bytes of this call handed
 * over so far: they are the connection's (they reach the peer unless the
 * connection fails), the rest were never written. The connection moves
 * `sent` forward (TcpConn's `pump`); a withdrawn sender keeps it as it stands.
 * This is what `TcpConn.send` returns.
 *
 * @example
 * const op = conn.send(Buffer.from("hello\n"));
 * try {
 *   yield* timeout(1000, op);
 * } catch (e) {
 *   console.log(`${op.sent} bytes went before the timeout`);
 *   throw e;
 * }
 * @hideconstructor
 */
export class TcpSendOp extends Op<void> implements Blocker, TcpWriter {
  /** Bytes of this call handed to the connection (all of them once the send returned). */
  sent = 0;
  constructor(
    private readonly conn: TcpStream,
    /** The bytes to send (a copy of the caller's). */
    readonly data: Buffer,
  ) {
    super();
  }
  /** Called by the runtime at `yield*`: hands what fits to the socket, else queues the tasklet on the connection's writers and parks it. */
  start(t: Tasklet): undefined | Suspend {
    if (this.conn.startSend(this)) return undefined;
    t.value = this; // the tasklet is its own wait node (core/wait.ts)
    this.conn.writers.push(t);
    t.rt.park(t, this);
    return SUSPEND;
  }
  withdraw(t: Tasklet): void {
    this.conn.writers.remove(t);
  }
  describe(): string {
    return `send on ${this.conn} (write buffer full, ${this.sent} of ${this.data.length} bytes handed over)`;
  }
}
