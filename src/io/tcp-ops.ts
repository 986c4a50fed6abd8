/**
 * The operations of a TcpConn: recv (a select case), readLine's wait for
 * more bytes, and send.
 *
 * Each op parks its tasklet on one of the connection's queues with the op
 * itself as the node's value: RecvOp and MoreOp on `conn.readers`, SendOp on
 * `conn.writers`. tcp-conn.ts knows this layout: its serveReaders copies
 * bytes into a RecvOp's buffer and wakes a MoreOp empty-handed, endReaders
 * throws the end at a RecvOp but wakes a MoreOp to take the last line, and
 * onDrain hands the first SendOp's next bytes to the socket (`pump`).
 *
 * Invariants:
 *   - a RecvOp holds no state of its own wait (TcpConn.recv reuses one op for
 *     a loop that reads into one buffer); a withdrawn RecvOp took no byte;
 *   - a MoreOp consumes nothing; it only wakes readLine to scan again;
 *   - a SendOp's bytes are handed to the socket in order, each once: bytes
 *     `[0, sent)` went, `[sent, length)` did not; a sender withdrawn before
 *     its turn wrote nothing (`sent` is 0), one withdrawn midway writes no
 *     more (Go's `Write` returning `n` with its error).
 */

import { Op, SUSPEND, type Suspend } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { type Blocker, NOT_READY, type NotReady, type WaitNode } from "../core/wait.js";
import { WaitOp } from "../core/wait-op.js";
import type { TcpConn } from "./tcp-conn.js";

/** recv(buf): a Waitable, so select can use it. */
export class RecvOp extends WaitOp<number> {
  constructor(
    readonly conn: TcpConn,
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
  describe(): string {
    return `recv on ${this.conn}`;
  }
}

/** readLine's wait for more bytes than the `seen` ones (or the end). Consumes nothing. */
export class MoreOp extends WaitOp<void> {
  constructor(
    readonly conn: TcpConn,
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
  describe(): string {
    return `readLine on ${this.conn}`;
  }
}

/**
 * send(bytes): hands the bytes to the socket as room frees up; not a select
 * case (it has a side effect). `sent` counts the bytes of this call handed
 * over so far: they are the connection's (they reach the peer unless the
 * connection fails), the rest were never written. tcp-conn.ts's `pump` moves
 * `sent` forward; a withdrawn sender keeps it as it stands.
 */
export class SendOp extends Op<void> implements Blocker {
  /** Bytes of this call handed to the connection (all of them once the send returned). */
  sent = 0;
  constructor(
    readonly conn: TcpConn,
    readonly data: Buffer,
  ) {
    super();
  }
  start(t: Tasklet): undefined | Suspend {
    if (this.conn.startSend(this)) return undefined;
    const n = t.node();
    n.value = this;
    this.conn.writers.push(n);
    t.rt.park(t, this);
    return SUSPEND;
  }
  withdraw(t: Tasklet): void {
    this.conn.writers.remove(t.node());
  }
  describe(): string {
    return `send on ${this.conn} (write buffer full, ${this.sent} of ${this.data.length} bytes handed over)`;
  }
}
