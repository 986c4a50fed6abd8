/**
 * TCP: listen, accept, connect. Each blocks the calling tasklet only.
 *
 * A server accepts eagerly (Node's 'connection' event): a connection that
 * arrives while no tasklet waits in accept() is wrapped at once (so its
 * bytes are kept, with the read backpressure of tcp-conn.ts) and queued
 * for the next accept(). Sockets are half-open capable (`allowHalfOpen`):
 * a peer's FIN ends our reads only, and `shutdown()` ends our writes only.
 *
 * Invariant: `pending` holds connections only while no tasklet waits in
 * accept() (a new connection goes to a waiting acceptor first).
 */

import * as net from "node:net";
import { checkRequiredOptions } from "../core/check.js";
import { ClosedError, IOError, TimeoutError } from "../core/errors.js";
import type { Operation } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { NOT_READY, type NotReady, type WaitNode } from "../core/wait.js";
import { WaitOp } from "../core/wait-op.js";
import { timeout } from "../time/timeout.js";
import { HeldQueue } from "./held-queue.js";
import { checkPort } from "./net-wait.js";
import { TcpConn } from "./tcp-conn.js";
import { type Done, HostOp, ioError } from "./waiting.js";

/** Options of `listen(options)`. */
export interface ListenOptions {
  /** Port to listen on; 0 picks a free one (see `TcpServer.address`). */
  port: number;
  /** Address to bind (default: every address, as Node's `listen`). */
  host?: string;
  /** Length of the kernel's queue of connections not yet accepted (default 511). */
  backlog?: number;
}

/**
 * A listening TCP socket. `accept()` blocks the calling tasklet until a
 * connection arrives; several tasklets may accept at once (served FIFO).
 *
 * @example
 * const server = yield* listen({ port: 8080 });
 * for (;;) {
 *   const conn = yield* server.accept();
 *   spawn(() => handle(conn));
 * }
 */
export class TcpServer {
  private readonly pending: TcpConn[] = [];
  private closed = false;
  /** @internal */
  readonly acceptors = new HeldQueue();

  /** @internal Use `listen`. */
  constructor(
    /** Node's `net.Server` underneath. */
    readonly server: net.Server,
  ) {
    server.on("connection", this.onConnection);
    server.on("error", this.onError);
  }

  /** The bound address and port (the port chosen when listening on 0). */
  get address(): { address: string; port: number; family: string } {
    const a = this.server.address();
    if (a === null || typeof a === "string") throw new ClosedError("address: the server is closed");
    return { address: a.address, port: a.port, family: a.family };
  }

  /**
   * Waits for the next connection. Throws `ClosedError` once the server is
   * closed. The result is a `Waitable`, so select can use it.
   *
   * @example
   * const conn = yield* server.accept();
   */
  accept(): TcpAcceptOp {
    return new TcpAcceptOp(this);
  }

  /**
   * Stops listening. Tasklets blocked in accept() get `ClosedError`;
   * connections that arrived but were not accepted are closed. Connections
   * already accepted stay open. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    this.acceptors.failAll(new ClosedError("accept: the server was closed"));
    for (const c of this.pending.splice(0)) c.close();
  }

  /** @internal */
  pollAccept(): TcpConn | NotReady {
    const c = this.pending.shift();
    if (c !== undefined) return c;
    if (this.closed) throw new ClosedError("accept: the server was closed");
    return NOT_READY;
  }

  private readonly onConnection = (socket: net.Socket): void => {
    const conn = new TcpConn(socket);
    const n = this.acceptors.shift();
    if (n !== null) n.t.rt.wakeNode(n, conn);
    else this.pending.push(conn);
  };

  private readonly onError = (e: Error): void => {
    // A listening server fails only in rare cases (EMFILE is retried by Node): end every accept.
    this.closed = true;
    this.acceptors.failAll(ioError("accept", e));
  };

  /** `tcp server <address>:<port>`, for logs. */
  toString(): string {
    const a = this.server.address();
    return a !== null && typeof a === "object" ? `tcp server ${a.address}:${a.port}` : "tcp server";
  }
}

/**
 * What `TcpServer.accept()` returns: an operation (and a select case) whose
 * result is the next connection. Throws `IOError` once the server was closed.
 *
 * @example
 * const server = yield* listen({ port: 0 });
 * const r = yield* select(server.accept(), quit.recv());
 * if (r.index === 0) spawn(serveConn(r.value));
 * @hideconstructor
 */
export class TcpAcceptOp extends WaitOp<TcpConn> {
  constructor(
    /** The server it accepts from. */
    readonly server: TcpServer,
  ) {
    super();
  }
  poll(_t: Tasklet): TcpConn | NotReady {
    return this.server.pollAccept();
  }
  enqueue(n: WaitNode): void {
    n.value = this;
    this.server.acceptors.push(n);
  }
  override dequeue(n: WaitNode): void {
    this.server.acceptors.remove(n);
  }
  describe(): string {
    return `accept on ${this.server}`;
  }
}

class ListenOp extends HostOp<net.Server, TcpServer> {
  private server: net.Server | null = null;
  constructor(private readonly options: ListenOptions) {
    super();
  }
  protected begin(done: Done<net.Server>): void {
    const server = net.createServer({ allowHalfOpen: true });
    this.server = server;
    const onError = (e: Error): void => {
      server.off("listening", onListening);
      done(e);
    };
    const onListening = (): void => {
      server.off("error", onError);
      done(null, server);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    const o = this.options;
    server.listen({ port: o.port, ...(o.host !== undefined && { host: o.host }), backlog: o.backlog ?? 511 });
  }
  protected finish(error: NodeJS.ErrnoException | null, server: net.Server | undefined): TcpServer {
    if (error !== null) throw ioError(`listen on ${this.options.host ?? "*"}:${this.options.port}`, error);
    return new TcpServer(server as net.Server);
  }
  protected override withdrawn(): void {
    this.server?.close();
  }
  protected override late(_error: NodeJS.ErrnoException | null, server: net.Server | undefined): void {
    server?.close();
  }
  describe(): string {
    return `listen on port ${this.options.port}`;
  }
}

/**
 * Listens on a TCP port. Throws an `IOError` with the system code if the
 * port cannot be bound (EADDRINUSE, EACCES, …).
 *
 * @example
 * const server = yield* listen({ port: 0, host: "127.0.0.1" });
 * console.log(server.address.port);
 */
export function listen(options: ListenOptions): Operation<TcpServer> {
  checkRequiredOptions("listen", options, ["port", "host", "backlog"]);
  checkPort("listen", options.port, "options.port");
  if (options.host !== undefined && typeof options.host !== "string") {
    throw new TypeError(`listen: options.host must be a string, got ${typeof options.host}`);
  }
  if (options.backlog !== undefined && (!Number.isInteger(options.backlog) || options.backlog < 0)) {
    throw new RangeError(`listen: options.backlog must be an integer >= 0, got ${String(options.backlog)}`);
  }
  return new ListenOp(options);
}

/** Options of `connect(options)`. */
export interface ConnectOptions {
  /** The host name or address to connect to. */
  host: string;
  /** The port to connect to. */
  port: number;
  /** Local address to connect from (bind the socket to it before connecting). */
  localAddress?: string;
  /** Give up after this many ms with an `IOError` of code `ETIMEDOUT`. */
  timeout?: number;
}

class ConnectOp extends HostOp<net.Socket, TcpConn> {
  private socket: net.Socket | null = null;
  constructor(private readonly options: ConnectOptions) {
    super();
  }
  protected begin(done: Done<net.Socket>): void {
    const o = this.options;
    const socket = new net.Socket({ allowHalfOpen: true });
    this.socket = socket;
    const onError = (e: Error): void => {
      socket.off("connect", onConnect);
      socket.destroy();
      done(e);
    };
    const onConnect = (): void => {
      socket.off("error", onError);
      done(null, socket);
    };
    socket.once("error", onError);
    socket.once("connect", onConnect);
    socket.connect({
      host: o.host,
      port: o.port,
      ...(o.localAddress !== undefined && { localAddress: o.localAddress }),
    });
  }
  protected finish(error: NodeJS.ErrnoException | null, socket: net.Socket | undefined): TcpConn {
    if (error !== null) throw ioError(`connect to ${this.options.host}:${this.options.port}`, error);
    return new TcpConn(socket as net.Socket);
  }
  protected override withdrawn(): void {
    this.socket?.destroy();
  }
  protected override late(_error: NodeJS.ErrnoException | null, socket: net.Socket | undefined): void {
    socket?.destroy();
  }
  describe(): string {
    return `connect to ${this.options.host}:${this.options.port}`;
  }
}

/**
 * Connects to a TCP server. Throws an `IOError` with the system code when
 * the connection fails: `ECONNREFUSED`, `EHOSTUNREACH`, `ENETUNREACH`,
 * `ETIMEDOUT` (the `timeout` option, or the kernel's), `ENOTFOUND` (a name
 * that does not resolve). A kill or an outer `timeout()` abandons the attempt.
 *
 * @example
 * const conn = yield* connect({ host: "127.0.0.1", port: 8080, timeout: 2000 });
 */
export function connect(options: ConnectOptions): Operation<TcpConn> {
  checkRequiredOptions("connect", options, ["host", "port", "localAddress", "timeout"]);
  if (typeof options.host !== "string" || options.host === "") {
    throw new TypeError(`connect: options.host must be a non-empty string, got ${String(options.host)}`);
  }
  checkPort("connect", options.port, "options.port");
  if (options.port === 0) throw new RangeError("connect: options.port must not be 0");
  if (options.localAddress !== undefined && typeof options.localAddress !== "string") {
    throw new TypeError(`connect: options.localAddress must be a string, got ${typeof options.localAddress}`);
  }
  const ms = options.timeout;
  if (ms === undefined) return new ConnectOp(options);
  if (typeof ms !== "number" || !(ms >= 0) || ms === Number.POSITIVE_INFINITY) {
    throw new RangeError(`connect: options.timeout must be a finite number >= 0, got ${String(ms)}`);
  }
  return connectWithin(ms, options);
}

function* connectWithin(ms: number, options: ConnectOptions): Operation<TcpConn> {
  try {
    return yield* timeout(ms, new ConnectOp(options));
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    throw new IOError(`connect to ${options.host}:${options.port}: timed out after ${ms} ms`, {
      cause: e,
      code: "ETIMEDOUT",
    });
  }
}
