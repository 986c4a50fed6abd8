/**
 * The sockets of the simulated network (simnet.ts): byte pipes for streams,
 * datagram queues for UDP, and the ntkd tasklet interface's sockets over them.
 *
 * Everything here blocks with the runtime's own wait protocol (WaitOp over a
 * WaitQueue, core/wait.ts), never with a host callback, so under a runtime
 * with virtual time a simulated exchange is as deterministic as the schedule.
 *
 * How a value moves: a writer that finds a reader waiting copies the bytes
 * (or the datagram) into that reader's buffer, takes the reader's node off
 * the queue and wakes it with the count, in one step; otherwise the bytes
 * wait in the pipe. So a reader that was killed or timed out (its node
 * withdrawn) never consumes anything, and bytes leave in the order written,
 * to readers in the order they came.
 *
 * Invariants:
 *   - a Pipe has waiting readers only while it holds no bytes and is open;
 *   - a DatagramQueue has waiting readers only while it holds no datagram;
 *   - once closed (`eof` or `shut`), a pipe or queue has no waiting reader:
 *     closing wakes each with ClosedError, and later reads throw at once
 *     (a pipe whose writer closed still yields its buffered bytes first).
 */

import { ClosedError } from "../core/errors.js";
import { Op, type Operation } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { NOT_READY, type NotReady, type WaitNode, WaitQueue } from "../core/wait.js";
import { WaitOp } from "../core/wait-op.js";
import type {
  IClientDatagramSocket,
  IConnectedStreamSocket,
  IServerDatagramSocket,
  IServerStreamSocket,
  RecvFromResult,
} from "./interfaces.js";

/** An operation that completes at once with `f()` (or throws what `f` throws). */
export class Now<T> extends Op<T> {
  constructor(private readonly f: () => T) {
    super();
  }
  start(_t: Tasklet): T {
    return this.f();
  }
  describe(): string {
    return "an operation that completes at once";
  }
}

/** Wakes every node of `q` with `error`. */
function failAll(q: WaitQueue, error: () => Error): void {
  for (let n = q.shift(); n !== null; n = q.shift()) n.t.rt.wakeNodeThrow(n, error());
}

/** Bytes flowing one way, writer to reader. */
export class Pipe {
  private readonly chunks: Uint8Array[] = [];
  /** Bytes of `chunks[0]` already read. */
  private offset = 0;
  size = 0;
  /** The writer closed: the reader gets the rest, then ClosedError. */
  eof = false;
  /** The reader closed: nothing more is kept, writes fail. */
  shut = false;
  readonly readers = new WaitQueue();

  write(data: Uint8Array): void {
    if (this.shut || data.length === 0) return;
    this.chunks.push(data);
    this.size += data.length;
    while (this.size > 0) {
      const n = this.readers.shift();
      if (n === null) break;
      const op = n.value as PipeRecv;
      n.t.rt.wakeNode(n, this.take(op.b, op.maxlen));
    }
  }

  /** Copies up to `maxlen` buffered bytes into `b`; `size` must be > 0. */
  take(b: Uint8Array, maxlen: number): number {
    let n = 0;
    while (n < maxlen && this.chunks.length > 0) {
      const c = this.chunks[0] as Uint8Array;
      const k = Math.min(maxlen - n, c.length - this.offset);
      b.set(c.subarray(this.offset, this.offset + k), n);
      n += k;
      this.offset += k;
      if (this.offset === c.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    }
    this.size -= n;
    return n;
  }

  /** The writer closed. */
  end(): void {
    this.eof = true;
    failAll(this.readers, () => new ClosedError("the peer closed the connection"));
  }

  /** The reader closed. */
  close(): void {
    this.shut = true;
    this.chunks.length = 0;
    this.size = 0;
    failAll(this.readers, () => new ClosedError("the socket was closed"));
  }
}

class PipeRecv extends WaitOp<number> {
  constructor(
    private readonly pipe: Pipe,
    readonly b: Uint8Array,
    readonly maxlen: number,
  ) {
    super();
  }
  poll(_t: Tasklet): number | NotReady {
    const p = this.pipe;
    if (p.shut) throw new ClosedError("the socket is closed");
    if (p.size > 0) return p.take(this.b, this.maxlen);
    if (p.eof) throw new ClosedError("the peer closed the connection");
    return NOT_READY;
  }
  enqueue(n: WaitNode): void {
    n.value = this;
    this.pipe.readers.pushBack(n);
  }
  describe(): string {
    return "recv on a simulated stream";
  }
}

/** One end of a simulated TCP connection. */
export class SimStream implements IConnectedStreamSocket {
  constructor(
    readonly myAddress: string,
    readonly peerAddress: string,
    private readonly input: Pipe,
    private readonly output: Pipe,
  ) {}

  recv(b: Uint8Array, maxlen = b.length): Operation<number> {
    return new PipeRecv(this.input, b, maxlen);
  }

  send(b: Uint8Array, len = b.length): Operation<void> {
    return new Now(() => {
      if (this.input.shut) throw new ClosedError("the socket is closed");
      // A lost peer is a ClosedError (docs/design.md), with the code a real socket would give.
      if (this.output.shut) throw new ClosedError("the peer closed the connection (EPIPE)", { code: "EPIPE" });
      this.output.write(b.slice(0, len));
    });
  }

  close(): void {
    if (this.input.shut) return;
    this.input.close();
    this.output.end();
  }

  /** A connected pair: what one end sends, the other receives. */
  static pair(addrA: string, addrB: string): [SimStream, SimStream] {
    const ab = new Pipe();
    const ba = new Pipe();
    return [new SimStream(addrA, addrB, ba, ab), new SimStream(addrB, addrA, ab, ba)];
  }
}

class SimAcceptOp extends WaitOp<IConnectedStreamSocket> {
  constructor(private readonly l: SimListener) {
    super();
  }
  poll(_t: Tasklet): IConnectedStreamSocket | NotReady {
    const l = this.l;
    if (l.closed) throw new ClosedError("the server socket is closed");
    return l.backlog.shift() ?? NOT_READY;
  }
  enqueue(n: WaitNode): void {
    this.l.acceptors.pushBack(n);
  }
  describe(): string {
    return "accept on a simulated server socket";
  }
}

/** A simulated listening TCP socket. */
export class SimListener implements IServerStreamSocket {
  readonly backlog: SimStream[] = [];
  readonly acceptors = new WaitQueue();
  closed = false;
  private readonly op = new SimAcceptOp(this);

  constructor(
    readonly port: number,
    readonly addr: string | null,
    private readonly onClose: () => void,
  ) {}

  /** A client connected: hand the server's end to an acceptor, or queue it. */
  offer(s: SimStream): void {
    const n = this.acceptors.shift();
    if (n === null) this.backlog.push(s);
    else n.t.rt.wakeNode(n, s);
  }

  accept(): Operation<IConnectedStreamSocket> {
    return this.op;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    for (const s of this.backlog.splice(0)) s.close();
    failAll(this.acceptors, () => new ClosedError("the server socket was closed"));
  }
}

/** A datagram in flight: its bytes and where it came from. */
export interface SimDatagram {
  data: Uint8Array;
  srcIp: string;
  srcPort: number;
}

/** At most this many datagrams wait on a socket; more are dropped, as a full receive buffer does. */
export const DATAGRAM_QUEUE_LIMIT = 256;

class RecvFromOp extends WaitOp<RecvFromResult> {
  constructor(
    private readonly s: SimDatagramServer,
    readonly b: Uint8Array,
    readonly maxlen: number,
  ) {
    super();
  }
  poll(_t: Tasklet): RecvFromResult | NotReady {
    if (this.s.closed) throw new ClosedError("the datagram socket is closed");
    const d = this.s.queue.shift();
    return d === undefined ? NOT_READY : copyOut(d, this.b, this.maxlen);
  }
  enqueue(n: WaitNode): void {
    n.value = this;
    this.s.readers.pushBack(n);
  }
  describe(): string {
    return `recvfrom on a simulated UDP socket (port ${this.s.port}, ${this.s.dev})`;
  }
}

/** Copies a datagram into `b`, truncated to `maxlen` as UDP does. */
function copyOut(d: SimDatagram, b: Uint8Array, maxlen: number): RecvFromResult {
  const n = Math.min(maxlen, d.data.length);
  b.set(d.data.subarray(0, n));
  return { n, rmtIp: d.srcIp, rmtPort: d.srcPort };
}

/** A simulated UDP socket bound to a device and a port. */
export class SimDatagramServer implements IServerDatagramSocket {
  readonly queue: SimDatagram[] = [];
  readonly readers = new WaitQueue();
  closed = false;
  /** Datagrams dropped because the queue was full. */
  overflows = 0;

  constructor(
    readonly port: number,
    readonly dev: string,
    private readonly onClose: () => void,
  ) {}

  /** A datagram arrived for this socket. */
  deliver(d: SimDatagram): void {
    if (this.closed) return;
    const n = this.readers.shift();
    if (n !== null) {
      const op = n.value as RecvFromOp;
      n.t.rt.wakeNode(n, copyOut(d, op.b, op.maxlen));
    } else if (this.queue.length < DATAGRAM_QUEUE_LIMIT) {
      this.queue.push(d);
    } else {
      this.overflows++;
    }
  }

  recvfrom(b: Uint8Array, maxlen = b.length): Operation<RecvFromResult> {
    return new RecvFromOp(this, b, maxlen);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.onClose();
    failAll(this.readers, () => new ClosedError("the datagram socket was closed"));
  }
}

/** A simulated UDP socket that broadcasts on its device's link. */
export class SimDatagramClient implements IClientDatagramSocket {
  closed = false;
  constructor(private readonly send: (data: Uint8Array) => void) {}

  sendto(b: Uint8Array, len = b.length): Operation<number> {
    return new Now(() => {
      if (this.closed) throw new ClosedError("the datagram socket is closed");
      this.send(b.slice(0, len));
      return len;
    });
  }

  close(): void {
    this.closed = true;
  }
}
