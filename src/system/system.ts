/**
 * createTaskletSystem(): the `ITasklet` interface over this runtime.
 *
 * Each method is a thin adapter: it checks its arguments (a clear TypeError
 * or RangeError naming the argument, at the call) and delegates to the
 * runtime (spawn, schedule, sleep, exit), the sync layer (channels,
 * Dispatcher), the io layer (exec, descriptors) or to the `Network` the
 * system was made with (sockets: `realNetwork` over src/io by default,
 * real-net.ts; a `SimNetwork` host's in tests, simnet.ts). The system holds no tasklet and no per-thread state: its
 * operations run on the runtime of the tasklet that performs them, so the
 * same system serves a real runtime and a virtual-time one.
 *
 * The ntkd tasklet interface's sentences and where each is made true:
 *   - "the value returned will always be positive": `read`, `recv` and
 *     `recvfrom` return >= 1 or throw; zero bytes throw `ClosedError`
 *     (descriptors.ts, the networks); `write`, `send`, `sendto` refuse an
 *     empty buffer (RangeError) so their counts are >= 1 too;
 *   - `spawn(sp, joinable = false)`: the handle is the tasklet itself;
 *     `join` of a non-joinable one throws NotJoinableError;
 *   - channel `send` blocks until read (a rendezvous channel), `sendAsync`
 *     neither blocks nor yields, `recv` serves waiting tasklets FIFO
 *     (channel.ts);
 *   - `dispatch(sp, waitEnd, waitStart)` (sync/dispatcher.ts);
 *   - `exitStatus` is the exit code, or 128 + the signal number (io/exec.ts).
 */

import {
  checkBoolean,
  checkDuration,
  checkInteger,
  checkOptionKeys,
  checkPort,
  checkString,
  rangeError,
  typeError,
} from "../core/check.js";
import type { Operation } from "../core/op.js";
import { exit, schedule } from "../core/ops.js";
import { spawn } from "../core/spawn.js";
import { exec } from "../io/exec.js";
import { Dispatcher } from "../sync/dispatcher.js";
import { sleep } from "../time/sleep.js";
import { SystemChannel } from "./channel.js";
import { Descriptors } from "./descriptors.js";
import type {
  DispatchableTasklet,
  IChannel,
  IClientDatagramSocket,
  IConnectedStreamSocket,
  IServerDatagramSocket,
  IServerStreamSocket,
  ITasklet,
  ITaskletHandle,
  ITaskletSpawnable,
  RecvFromResult,
  TaskletCommandResult,
} from "./interfaces.js";
import type { Network } from "./network.js";
import { realNetwork } from "./real-net.js";

/** Options of `createTaskletSystem`. */
export interface TaskletSystemOptions {
  /** Where sockets are opened: real sockets by default, or a simulated host (`SimNetwork.host`). */
  network?: Network;
}

/** ntkd's `real_func`: runs `sp.func()` as the body of the new tasklet. */
function* realFunc<T>(sp: ITaskletSpawnable<T>): Operation<T> {
  return yield* sp.func();
}

function checkSpawnable(what: string, sp: unknown): asserts sp is ITaskletSpawnable {
  if (typeof sp !== "object" || sp === null || typeof (sp as ITaskletSpawnable).func !== "function") {
    throw typeError(what, "sp", "an object with a func() method", sp);
  }
}

function checkBool(what: string, arg: string, v: unknown): boolean {
  return v === undefined ? false : checkBoolean(what, arg, v);
}

function checkAddr(what: string, arg: string, v: unknown): string | null {
  if (v === undefined || v === null) return null;
  return checkString(what, arg, v, true);
}

/**
 * Checks `(b, len)`: `b` a Uint8Array, `len` an integer in [1, b.length]
 * (default b.length). A zero length is refused: ntkd's counts are always
 * positive, and a zero-byte read could not be told from a closed stream.
 */
export function checkBuffer(what: string, arg: string, b: unknown, len: unknown): number {
  if (!(b instanceof Uint8Array)) throw typeError(what, "b", "a Uint8Array", b);
  const n = len === undefined ? b.length : len;
  if (typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= b.length) return n;
  const expected = `an integer in 1..b.length (${b.length})`;
  throw typeof n === "number" ? rangeError(what, arg, expected, n) : typeError(what, arg, expected, n);
}

class SystemDispatcher implements DispatchableTasklet {
  private readonly d = new Dispatcher("dispatchable-tasklet");

  dispatch(sp: ITaskletSpawnable, waitEnd?: boolean, waitStart?: boolean): Operation<void> {
    checkSpawnable("DispatchableTasklet.dispatch", sp);
    const end = checkBool("DispatchableTasklet.dispatch", "waitEnd", waitEnd);
    const start = checkBool("DispatchableTasklet.dispatch", "waitStart", waitStart);
    return this.d.dispatch(() => realFunc(sp), { waitEnd: end, waitStart: start }) as Operation<void>;
  }

  isEmpty(): boolean {
    return this.d.isEmpty();
  }
}

/** Wraps a stream socket so that every call checks its arguments first. */
class CheckedStream implements IConnectedStreamSocket {
  constructor(private readonly s: IConnectedStreamSocket) {}
  get peerAddress(): string {
    return this.s.peerAddress;
  }
  get myAddress(): string {
    return this.s.myAddress;
  }
  recv(b: Uint8Array, maxlen?: number): Operation<number> {
    return this.s.recv(b, checkBuffer("IConnectedStreamSocket.recv", "maxlen", b, maxlen));
  }
  send(b: Uint8Array, len?: number): Operation<void> {
    return this.s.send(b, checkBuffer("IConnectedStreamSocket.send", "len", b, len));
  }
  close(): void {
    this.s.close();
  }
}

class CheckedServer implements IServerStreamSocket {
  constructor(private readonly s: IServerStreamSocket) {}
  *accept(): Operation<IConnectedStreamSocket> {
    return new CheckedStream(yield* this.s.accept());
  }
  close(): void {
    this.s.close();
  }
}

class CheckedDatagramServer implements IServerDatagramSocket {
  constructor(private readonly s: IServerDatagramSocket) {}
  recvfrom(b: Uint8Array, maxlen?: number): Operation<RecvFromResult> {
    return this.s.recvfrom(b, checkBuffer("IServerDatagramSocket.recvfrom", "maxlen", b, maxlen));
  }
  close(): void {
    this.s.close();
  }
}

class CheckedDatagramClient implements IClientDatagramSocket {
  constructor(private readonly s: IClientDatagramSocket) {}
  sendto(b: Uint8Array, len?: number): Operation<number> {
    return this.s.sendto(b, checkBuffer("IClientDatagramSocket.sendto", "len", b, len));
  }
  close(): void {
    this.s.close();
  }
}

class TaskletSystem implements ITasklet {
  private readonly fds = new Descriptors();
  constructor(private readonly net: Network) {}

  schedule(): Operation<void> {
    return schedule();
  }

  msWait(msec: number): Operation<void> {
    return sleep(checkDuration("ITasklet.msWait", msec, "msec"));
  }

  exitTasklet(ret?: unknown): Operation<never> {
    return exit(ret);
  }

  spawn<T>(sp: ITaskletSpawnable<T>, joinable?: boolean): ITaskletHandle<T> {
    checkSpawnable("ITasklet.spawn", sp);
    const j = checkBool("ITasklet.spawn", "joinable", joinable);
    const c = (sp as { constructor?: { name?: string } }).constructor;
    const name = c !== undefined && c !== Object && typeof c.name === "string" && c.name !== "" ? c.name : "tasklet";
    return spawn(realFunc(sp), { joinable: j, name });
  }

  execCommand(cmdline: string): Operation<TaskletCommandResult> {
    return exec(checkString("ITasklet.execCommand", "cmdline", cmdline, true));
  }

  read(fd: number, b: Uint8Array, maxlen?: number): Operation<number> {
    checkFd("ITasklet.read", fd);
    return this.fds.read(fd, b, checkBuffer("ITasklet.read", "maxlen", b, maxlen));
  }

  write(fd: number, b: Uint8Array, count?: number): Operation<number> {
    checkFd("ITasklet.write", fd);
    return this.fds.write(fd, b, checkBuffer("ITasklet.write", "count", b, count));
  }

  getServerStreamSocket(port: number, myAddr?: string | null): Operation<IServerStreamSocket> {
    const what = "ITasklet.getServerStreamSocket";
    return wrap(this.net.listen(checkPort(what, port), checkAddr(what, "myAddr", myAddr)), CheckedServer);
  }

  getClientStreamSocket(destAddr: string, destPort: number, myAddr?: string | null): Operation<IConnectedStreamSocket> {
    const what = "ITasklet.getClientStreamSocket";
    const dest = checkString(what, "destAddr", destAddr, true);
    return wrap(this.net.connect(dest, checkPort(what, destPort), checkAddr(what, "myAddr", myAddr)), CheckedStream);
  }

  getServerDatagramSocket(port: number, dev: string): Operation<IServerDatagramSocket> {
    const what = "ITasklet.getServerDatagramSocket";
    return wrap(this.net.udpServer(checkPort(what, port), checkString(what, "dev", dev, true)), CheckedDatagramServer);
  }

  getClientDatagramSocket(port: number, dev: string, myAddr?: string | null): Operation<IClientDatagramSocket> {
    const what = "ITasklet.getClientDatagramSocket";
    const p = checkPort(what, port);
    const d = checkString(what, "dev", dev, true);
    return wrap(this.net.udpClient(p, d, checkAddr(what, "myAddr", myAddr)), CheckedDatagramClient);
  }

  getChannel<T = unknown>(): IChannel<T> {
    return new SystemChannel<T>();
  }

  createDispatchableTasklet(): DispatchableTasklet {
    return new SystemDispatcher();
  }
}

/** Performs `op` and wraps the socket it gives (the arguments were checked at the call). */
function* wrap<S, W>(op: Operation<S>, Wrapper: new (s: S) => W): Operation<W> {
  return new Wrapper(yield* op);
}

function checkFd(what: string, fd: unknown): void {
  checkInteger(what, "fd", fd, 0);
}

/**
 * The ntkd tasklet interface's ITasklet over this runtime. Its operations run on the runtime
 * of the tasklet that performs them (a real one, or the testing layer's).
 *
 * @example
 * const sys = createTaskletSystem();                       // real sockets
 * const simSys = createTaskletSystem({ network: net.host("a").addDevice("eth0", "lan", "10.0.0.1") });
 * await run(function* () {
 *   const h = sys.spawn({ *func() { yield* sys.msWait(10); return 42; } }, true);
 *   return yield* h.join(); // 42
 * });
 */
export function createTaskletSystem(options: TaskletSystemOptions = {}): ITasklet {
  checkOptionKeys("createTaskletSystem", options, ["network"]);
  const net = options.network ?? realNetwork;
  for (const m of ["listen", "connect", "udpServer", "udpClient"] as const) {
    if (typeof net[m] !== "function") {
      const expected = "a Network (with listen, connect, udpServer and udpClient methods)";
      throw typeError("createTaskletSystem", "options.network", expected, net, `it has no ${m}() method`);
    }
  }
  return new TaskletSystem(net);
}
