/**
 * UDP datagram sockets (IPv4) whose recvfrom and sendto block the calling
 * tasklet only; broadcast, and binding to a network device (SO_BINDTODEVICE).
 *
 * Receiving: datagrams go first to the tasklets waiting in recvfrom (FIFO),
 * else to `queue`, kept for the next recvfrom: a datagram that reached us
 * is never dropped here. When the queue holds QUEUE_MAX datagrams or
 * QUEUE_BYTES bytes, the socket stops reading (libuv's recvStop), so the
 * kernel's receive buffer fills and the kernel drops further datagrams, as
 * it does for any slow UDP reader; reading resumes when the queue is half
 * empty. (dgram has no public pause: the handle is reached through dgram's
 * state symbol; if a Node version hides it, the queue is left unbounded.)
 *
 * A datagram longer than the caller's buffer is truncated to it (as
 * recvfrom(2) does); `truncated` says so.
 *
 * Invariant: `queue` holds datagrams only while no tasklet waits in recvfrom.
 */

import * as dgram from "node:dgram";
import { checkRequiredOptions } from "../core/check.js";
import { ClosedError, type IOError } from "../core/errors.js";
import type { Operation } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { NOT_READY, type NotReady, type WaitNode } from "../core/wait.js";
import { WaitOp } from "../core/wait-op.js";
import { HeldQueue } from "./held-queue.js";
import { checkBuf, checkPort } from "./net-wait.js";
import { closeFd, deviceSocket } from "./udp-fd.js";
import { type Done, HostOp, ioError } from "./waiting.js";

/** Datagrams kept unread before the socket stops reading (tests read it). */
export const QUEUE_MAX = 1024;
const QUEUE_BYTES = 1024 * 1024;

/** What recvfrom returns: the byte count and the sender. */
export interface Datagram {
  /** Bytes copied into the buffer (> 0, or 0 for an empty datagram). */
  n: number;
  /** The sender's address. */
  rmtIp: string;
  /** The sender's port. */
  rmtPort: number;
  /** The datagram was longer than the buffer: its tail was discarded. */
  truncated: boolean;
}

interface Queued {
  data: Buffer;
  ip: string;
  port: number;
}

interface UdpHandle {
  recvStart(): number;
  recvStop(): number;
}

/** dgram's internal handle (for recvStop/recvStart), or null if this Node hides it. */
function handleOf(s: dgram.Socket): UdpHandle | null {
  const sym = Object.getOwnPropertySymbols(s).find((x) => x.description === "state symbol");
  const h = sym === undefined ? undefined : (s as unknown as Record<symbol, { handle?: UdpHandle }>)[sym]?.handle;
  return h !== undefined && typeof h.recvStop === "function" ? h : null;
}

/**
 * A bound UDP socket (from `bindUdp`).
 *
 * @example
 * const sock = yield* bindUdp({ port: 5000, device: "eth0", broadcast: true });
 * yield* sock.sendto(Buffer.from("hello"), "255.255.255.255", 5000);
 * const buf = Buffer.alloc(1500);
 * const { n, rmtIp, rmtPort } = yield* sock.recvfrom(buf);
 */
export class UdpSocket {
  private readonly queue: Queued[] = [];
  private queueHead = 0;
  private queueBytes = 0;
  private paused = false;
  private closed = false;
  private error: IOError | null = null;
  private handle: UdpHandle | null = null;
  /** @internal */
  readonly readers = new HeldQueue();
  /** @internal sendto waits whose callback has not come: close() ends them. */
  readonly sending = new Set<SendtoOp>();

  /** @internal Use `bindUdp`. */
  constructor(
    /** Node's `dgram.Socket` underneath. */
    readonly socket: dgram.Socket,
    /** The device the socket is bound to, if any. */
    readonly device: string | undefined,
  ) {
    socket.on("message", this.onMessage);
    socket.on("error", this.onError);
    socket.on("close", this.onClose);
  }

  /** The bound address and port. */
  get address(): { address: string; port: number } {
    if (this.closed) throw new ClosedError("address: the socket is closed");
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  /**
   * Waits for a datagram and copies it into `buf`: returns the count and
   * the sender. A `Waitable`, so select can use it.
   *
   * @example
   * const { n, rmtIp, rmtPort } = yield* sock.recvfrom(buf);
   */
  recvfrom(buf: Uint8Array): RecvfromOp {
    return new RecvfromOp(this, checkBuf("recvfrom", buf));
  }

  /**
   * Sends `bytes` as one datagram to `ip:port` (copied: the buffer may be
   * reused at once); blocks until the datagram is handed to the kernel.
   * Throws an `IOError` with the system code (EACCES for a broadcast on a
   * socket without `broadcast`, EMSGSIZE, …).
   *
   * @example
   * yield* sock.sendto(Buffer.from("hi"), "10.0.0.255", 5000);
   */
  sendto(bytes: Uint8Array | string, ip: string, port: number): Operation<void> {
    const data = typeof bytes === "string" ? Buffer.from(bytes) : bytes;
    if (!(data instanceof Uint8Array)) throw new TypeError(`sendto: bytes must be a Uint8Array or a string`);
    if (typeof ip !== "string" || ip === "") throw new TypeError(`sendto: ip must be a non-empty string`);
    checkPort("sendto", port);
    if (port === 0) throw new RangeError("sendto: port must not be 0");
    return new SendtoOp(this, Buffer.from(data), ip, port);
  }

  /** Closes the socket; tasklets blocked in recvfrom get `ClosedError`. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.queueHead = this.queueBytes = 0;
    this.readers.failAll(new ClosedError("recvfrom: the socket was closed"));
    this.failSends();
    this.socket.close();
  }

  private failSends(): void {
    for (const op of this.sending) op.closed();
    this.sending.clear();
  }

  /** @internal */
  pollRecv(buf: Uint8Array): Datagram | NotReady {
    if (this.queueHead < this.queue.length) {
      const d = this.queue[this.queueHead] as Queued;
      this.queue[this.queueHead++] = undefined as unknown as Queued;
      if (this.queueHead === this.queue.length) this.queue.length = this.queueHead = 0;
      this.queueBytes -= d.data.length;
      if (this.paused && this.queue.length - this.queueHead <= QUEUE_MAX / 2 && this.queueBytes <= QUEUE_BYTES / 2) {
        this.paused = false;
        this.handle?.recvStart();
      }
      return deliver(d.data, d.ip, d.port, buf);
    }
    if (this.closed) throw new ClosedError("recvfrom: the socket was closed");
    if (this.error !== null) throw this.error;
    return NOT_READY;
  }

  /** @internal Datagrams received and not yet read. */
  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  /** @internal */
  get isClosed(): boolean {
    return this.closed;
  }

  private readonly onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    if (this.closed) return;
    const n = this.readers.shift();
    if (n !== null) {
      const op = n.value as RecvfromOp;
      n.t.rt.wakeNode(n, deliver(msg, rinfo.address, rinfo.port, op.buf));
      return;
    }
    this.queue.push({ data: msg, ip: rinfo.address, port: rinfo.port });
    this.queueBytes += msg.length;
    if (!this.paused && (this.queue.length - this.queueHead >= QUEUE_MAX || this.queueBytes >= QUEUE_BYTES)) {
      this.handle ??= handleOf(this.socket);
      if (this.handle !== null) {
        this.paused = true;
        this.handle.recvStop();
      }
    }
  };

  private readonly onError = (e: Error): void => {
    this.error ??= ioError("udp", e);
    this.readers.failAll(this.error);
  };

  private readonly onClose = (): void => {
    this.closed = true;
    this.readers.failAll(new ClosedError("recvfrom: the socket was closed"));
    this.failSends();
  };

  /** `udp <address>:<port>[ on <device>]`, for logs. */
  toString(): string {
    let where = "";
    try {
      const a = this.socket.address();
      where = ` ${a.address}:${a.port}`;
    } catch {
      // not bound or closed
    }
    return `udp${where}${this.device === undefined ? "" : ` on ${this.device}`}`;
  }
}

function deliver(data: Buffer, ip: string, port: number, buf: Uint8Array): Datagram {
  const n = Math.min(buf.length, data.length);
  data.copy(buf, 0, 0, n);
  return { n, rmtIp: ip, rmtPort: port, truncated: n < data.length };
}

/**
 * What `UdpSocket.recvfrom(buf)` returns: an operation (and a select case)
 * whose result is the `Datagram` copied into `buf`. Throws `ClosedError`
 * once the socket was closed.
 *
 * @example
 * const sock = yield* bindUdp({ port: 0 });
 * const buf = new Uint8Array(1500);
 * const r = yield* select(sock.recvfrom(buf), after(500));
 * if (r.index === 0) console.log(`${r.value.n} bytes from ${r.value.rmtIp}:${r.value.rmtPort}`);
 * @hideconstructor
 */
export class RecvfromOp extends WaitOp<Datagram> {
  constructor(
    /** The socket it receives on. */
    readonly sock: UdpSocket,
    /** Where the datagram goes (a longer one is truncated). */
    readonly buf: Uint8Array,
  ) {
    super();
  }
  poll(_t: Tasklet): Datagram | NotReady {
    return this.sock.pollRecv(this.buf);
  }
  enqueue(n: WaitNode): void {
    n.value = this;
    this.sock.readers.push(n);
  }
  override dequeue(n: WaitNode): void {
    this.sock.readers.remove(n);
  }
  describe(): string {
    return `recvfrom on ${this.sock}`;
  }
}

class SendtoOp extends HostOp<void, void> {
  constructor(
    private readonly sock: UdpSocket,
    private readonly data: Buffer,
    private readonly ip: string,
    private readonly port: number,
  ) {
    super();
  }
  protected begin(done: Done<void>): void {
    if (this.sock.isClosed) throw new ClosedError("sendto: the socket was closed");
    const sending = this.sock.sending;
    sending.add(this);
    this.sock.socket.send(this.data, this.port, this.ip, (e) => {
      sending.delete(this);
      done(e ?? null);
    });
  }
  /** The socket closed under the wait (UdpSocket.close). */
  closed(): void {
    this.done(new ClosedError("sendto: the socket was closed") as NodeJS.ErrnoException);
  }
  protected finish(error: NodeJS.ErrnoException | null): void {
    if (error instanceof ClosedError) throw error;
    if (error !== null) throw ioError(`sendto ${this.ip}:${this.port}`, error);
  }
  protected override withdrawn(): void {
    this.sock.sending.delete(this);
  }
  describe(): string {
    return `sendto ${this.ip}:${this.port} on ${this.sock}`;
  }
}

/** Options of `bindUdp(options)`. */
export interface UdpOptions {
  /** Local port; 0 picks a free one. */
  port: number;
  /** Local IPv4 address to bind (default 0.0.0.0: every address, and broadcasts). */
  address?: string;
  /** Bind to this network device (SO_BINDTODEVICE, Linux): only its traffic is received, sends leave through it. */
  device?: string;
  /** Allow sending to broadcast addresses (SO_BROADCAST). Default false. */
  broadcast?: boolean;
  /** SO_REUSEADDR, so that several sockets (one per device) share a port. Default true. */
  reuseAddr?: boolean;
}

class BindOp extends HostOp<dgram.Socket, UdpSocket> {
  private socket: dgram.Socket | null = null;
  constructor(private readonly o: UdpOptions) {
    super();
  }
  /** With a device, the socket is made and bound at once, and `done` is called before begin returns (no suspension). */
  protected begin(done: Done<dgram.Socket>): void {
    const o = this.o;
    const address = o.address ?? "0.0.0.0";
    const reuseAddr = o.reuseAddr ?? true;
    const broadcast = o.broadcast ?? false;
    const socket = dgram.createSocket({ type: "udp4", reuseAddr });
    if (o.device !== undefined) {
      const fd = deviceSocket({ port: o.port, address, device: o.device, broadcast, reuseAddr });
      try {
        socket.bind({ fd }); // adopts the bound fd at once (dgram's startListening is synchronous)
      } catch (e) {
        closeFd(fd);
        throw ioError("udp: adopting the socket", e);
      }
      done(null, socket);
      return;
    }
    this.socket = socket;
    const onError = (e: Error): void => {
      socket.off("listening", onListening);
      socket.close();
      done(e);
    };
    const onListening = (): void => {
      socket.off("error", onError);
      if (broadcast) socket.setBroadcast(true);
      done(null, socket);
    };
    socket.once("error", onError);
    socket.once("listening", onListening);
    socket.bind({ port: o.port, address });
  }
  protected finish(error: NodeJS.ErrnoException | null, socket: dgram.Socket | undefined): UdpSocket {
    if (error !== null) throw ioError(`udp: bind ${this.o.address ?? "0.0.0.0"}:${this.o.port}`, error);
    return new UdpSocket(socket as dgram.Socket, this.o.device);
  }
  protected override withdrawn(): void {
    this.socket?.close();
  }
  describe(): string {
    return `bind udp ${this.o.address ?? "0.0.0.0"}:${this.o.port}`;
  }
}

/**
 * Opens a UDP (IPv4) socket bound to `port`, optionally to one network
 * device and with broadcast allowed. Throws an `IOError` with the system
 * code (ENODEV: no such device; EADDRINUSE; EPERM). A device or address
 * that is empty, longer than the system allows or contains a NUL byte is
 * refused at the call (C would read `"lo\0x"` as `"lo"`).
 *
 * @example
 * const sock = yield* bindUdp({ port: 5000, device: "eth1", broadcast: true });
 */
export function bindUdp(options: UdpOptions): Operation<UdpSocket> {
  checkRequiredOptions("bindUdp", options, ["port", "address", "device", "broadcast", "reuseAddr"]);
  checkPort("bindUdp", options.port, "options.port");
  for (const k of ["address", "device"] as const) {
    const v = options[k];
    if (v !== undefined && (typeof v !== "string" || v === "")) {
      throw new TypeError(`bindUdp: options.${k} must be a non-empty string, got ${String(v)}`);
    }
    // C would read "lo\0x" as "lo": refuse the name rather than bind to another device.
    if (v?.includes("\0")) {
      throw new TypeError(`bindUdp: options.${k} must not contain a NUL byte, got ${JSON.stringify(v)}`);
    }
  }
  if (options.device !== undefined && Buffer.byteLength(options.device) > 15) {
    throw new RangeError(`bindUdp: options.device must be at most 15 bytes (IFNAMSIZ), got ${options.device}`);
  }
  return new BindOp(options);
}
