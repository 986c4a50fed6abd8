/**
 * The ntkd tasklet system's interface (docs/design.md, "Where the ideas
 * come from"): the interfaces that the modules of a daemon
 * program against, so that they do not depend on which tasklet
 * implementation runs them. Names are ntkd's, in TypeScript's casing
 * (`ms_wait` → `msWait`, `get_balance` → `getBalance`).
 *
 * Translation rules, applied everywhere:
 *   - a method ntkd calls blocking ("bloccante per la tasklet corrente")
 *     returns an `Operation<T>`: use it with `yield*`;
 *   - `void *` becomes a type parameter; `(uint8* b, size_t maxlen)` becomes
 *     `(b: Uint8Array, maxlen = b.length)`;
 *   - "the value returned is always positive; on error an Error is thrown":
 *     counts are >= 1, and zero bytes (a closed connection, end of file)
 *     throw `ClosedError` (ntkd's `IOError.Closed`);
 *   - getting a server or datagram socket is "not blocking" in ntkd, but
 *     must throw the bind error (EADDRINUSE, ENODEV) at the call. Node reports
 *     bind errors asynchronously, so these are operations too: they suspend
 *     only until the socket is bound.
 */

import type { Operation } from "../core/op.js";

/** The body of a tasklet: an object whose `func` is the tasklet (ntkd: ITaskletSpawnable). */
export interface ITaskletSpawnable<T = unknown> {
  /** The tasklet's body: `ITasklet.spawn` runs it in a new tasklet, `join` returns its value. */
  func(): Operation<T>;
}

/** The handle `spawn` returns. */
export interface ITaskletHandle<T = unknown> {
  /** True until the tasklet has ended (its cleanup included). */
  isRunning(): boolean;
  /** Kills the tasklet at its current or next suspension point: its `finally` blocks run, `join` throws `KilledError`. Does nothing once it ended. */
  kill(): void;
  /** Whether it was spawned joinable (`join` throws `NotJoinableError` otherwise). */
  isJoinable(): boolean;
  /** Waits for the end; the value of `func`, or of `exitTasklet`. */
  join(): Operation<T>;
}

/** What `execCommand` returns. */
export interface TaskletCommandResult {
  /** What the command wrote to stdout, decoded as UTF-8. */
  stdout: string;
  /** What the command wrote to stderr, decoded as UTF-8. */
  stderr: string;
  /** The exit code, or 128 + the signal number when a signal ended the process. */
  exitStatus: number;
}

/** A listening TCP socket. */
export interface IServerStreamSocket {
  /** Waits for the next connection; throws `IOError` once the socket was closed. */
  accept(): Operation<IConnectedStreamSocket>;
  /** Stops listening; tasklets waiting in `accept` get `IOError`. Connections already accepted stay open. */
  close(): void;
}

/** Either end of a TCP connection. */
export interface IConnectedStreamSocket {
  /** The other end's IP address. */
  readonly peerAddress: string;
  /** This end's IP address. */
  readonly myAddress: string;
  /** Bytes received into `b` (>= 1); `ClosedError` when the peer closed. */
  recv(b: Uint8Array, maxlen?: number): Operation<number>;
  /** Returns when all of `b[0, len)` was handed to the kernel. */
  send(b: Uint8Array, len?: number): Operation<void>;
  /** Closes the connection; waiting `recv` and `send` calls throw. */
  close(): void;
}

/** What `recvfrom` returns. */
export interface RecvFromResult {
  /** Bytes copied into the buffer. */
  n: number;
  /** The sender's IP address. */
  rmtIp: string;
  /** The sender's port. */
  rmtPort: number;
}

/** A UDP socket bound to a port and a network device, receiving broadcasts. */
export interface IServerDatagramSocket {
  /** Waits for the next datagram and copies at most `maxlen` bytes of it into `b`; throws `ClosedError` once the socket was closed. */
  recvfrom(b: Uint8Array, maxlen?: number): Operation<RecvFromResult>;
  /** Closes the socket; a waiting `recvfrom` throws. */
  close(): void;
}

/** A UDP socket bound to a network device, sending broadcasts to its port. */
export interface IClientDatagramSocket {
  /** Sends `b[0, len)` as one broadcast datagram; returns `len`. */
  sendto(b: Uint8Array, len?: number): Operation<number>;
  /** Closes the socket. */
  close(): void;
}

/** A channel between tasklets (ntkd: IChannel). */
export interface IChannel<T = unknown> {
  /** Blocks until the value was received. */
  send(v: T): Operation<void>;
  /** Queues the value; neither blocks nor yields. */
  sendAsync(v: T): void;
  /** > 0: values waiting to be received; < 0: tasklets waiting to receive. */
  getBalance(): number;
  /** The next value; waiting receivers are served in the order they came. */
  recv(): Operation<T>;
  /** As `recv`, throwing `ChannelTimeoutError` (a `ChannelError`) after `timeoutMsec`. */
  recvWithTimeout(timeoutMsec: number): Operation<T>;
}

/** Runs dispatched tasklets one at a time, in dispatch order (ntkd: DispatchableTasklet). */
export interface DispatchableTasklet {
  /**
   * Queues `sp` to run in its turn. `waitEnd`: return when it ended;
   * `waitStart`: return when it started; neither: return at once.
   */
  dispatch(sp: ITaskletSpawnable, waitEnd?: boolean, waitStart?: boolean): Operation<void>;
  /** No tasklet of this dispatcher runs or waits. */
  isEmpty(): boolean;
}

/** The tasklet system a module is given at init (ntkd: ITasklet). */
export interface ITasklet {
  /** Lets the other tasklets run. */
  schedule(): Operation<void>;
  /** Blocks the current tasklet for `msec` ms. */
  msWait(msec: number): Operation<void>;
  /** Ends the current tasklet from any depth; `join` returns `ret`. */
  exitTasklet(ret?: unknown): Operation<never>;
  /** Starts `sp.func()` in a new tasklet (it runs when the current one yields). */
  spawn<T>(sp: ITaskletSpawnable<T>, joinable?: boolean): ITaskletHandle<T>;
  /** Runs a command line (through `/bin/sh -c`) and waits for its outcome. */
  execCommand(cmdline: string): Operation<TaskletCommandResult>;
  /** Reads from an open descriptor: >= 1 bytes, `ClosedError` at end of file. */
  read(fd: number, b: Uint8Array, maxlen?: number): Operation<number>;
  /** Writes to an open descriptor: >= 1 bytes written. */
  write(fd: number, b: Uint8Array, count?: number): Operation<number>;
  /** Listens on TCP `port` at `myAddr` (default: every address); suspends only until bound, throws `IOError` (EADDRINUSE, …) at the call. */
  getServerStreamSocket(port: number, myAddr?: string | null): Operation<IServerStreamSocket>;
  /** Connects to `destAddr:destPort`, from `myAddr` if given; throws `IOError` (ECONNREFUSED, …) if the connection fails. */
  getClientStreamSocket(destAddr: string, destPort: number, myAddr?: string | null): Operation<IConnectedStreamSocket>;
  /** Binds a UDP socket to `port` on device `dev`, receiving broadcasts; throws `IOError` (EADDRINUSE, ENODEV, …) at the call. */
  getServerDatagramSocket(port: number, dev: string): Operation<IServerDatagramSocket>;
  /** A UDP socket on device `dev` (from `myAddr` if given) that broadcasts to `port`; throws `IOError` (ENODEV, …) at the call. */
  getClientDatagramSocket(port: number, dev: string, myAddr?: string | null): Operation<IClientDatagramSocket>;
  /** A new channel between tasklets. */
  getChannel<T = unknown>(): IChannel<T>;
  /** A new dispatcher: runs what is dispatched to it one at a time, in order. */
  createDispatchableTasklet(): DispatchableTasklet;
}
