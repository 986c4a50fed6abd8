/**
 * A UDP socket bound to a network device, made through libc (koffi FFI),
 * because Node's dgram cannot set SO_BINDTODEVICE.
 *
 * Race-free order: socket(2) (non-blocking, close-on-exec), then
 * setsockopt SO_REUSEADDR, SO_BROADCAST, SO_BINDTODEVICE, then bind(2): no
 * datagram can reach the socket before it is tied to its device. The bound
 * descriptor is then handed to dgram with `socket.bind({ fd })`, which adopts
 * it (`UDPWrap.open`, libuv's `uv_udp_open`), so reads and writes go through
 * libuv's epoll like any dgram socket, and dgram's close() closes the fd.
 *
 * Linux only (SO_BINDTODEVICE and the option numbers below are Linux's).
 * koffi is loaded on first use, so programs that never bind to a device
 * never load the native module; it is an optional dependency of the
 * package, and a device binding asked for without it fails with
 * `koffiMissing()`'s message.
 */

import { createRequire } from "node:module";
import { IOError } from "../core/errors.js";

const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const SO_BROADCAST = 6;
const SO_BINDTODEVICE = 25;

interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  close(fd: number): number;
  errno(): number;
  errnoName(n: number): string;
}

let libc: Libc | null = null;

function loadLibc(): Libc {
  if (libc !== null) return libc;
  if (process.platform !== "linux") {
    throw new IOError(`udp: binding to a device needs Linux (SO_BINDTODEVICE), not ${process.platform}`, {
      code: "ENOTSUP",
    });
  }
  const require = createRequire(import.meta.url);
  // biome-ignore lint/suspicious/noExplicitAny: koffi's function objects are untyped at this boundary
  let koffi: any;
  try {
    koffi = require("koffi");
  } catch (e) {
    if ((e as { code?: unknown }).code !== "MODULE_NOT_FOUND") throw e;
    throw new IOError(koffiMissing(), { code: "ENOTSUP", cause: e });
  }
  const lib = koffi.load("libc.so.6");
  const names = new Map<number, string>();
  for (const [name, n] of Object.entries(koffi.os.errno as Record<string, number>)) {
    if (!names.has(n)) names.set(n, name);
  }
  libc = {
    socket: lib.func("int socket(int, int, int)"),
    setsockopt: lib.func("int setsockopt(int, int, int, const void *, uint32_t)"),
    bind: lib.func("int bind(int, const void *, uint32_t)"),
    close: lib.func("int close(int)"),
    errno: () => koffi.errno() as number,
    errnoName: (n) => names.get(n) ?? `errno ${n}`,
  };
  return libc;
}

/** What a device binding without koffi says: what is missing, why, and what to install. */
function koffiMissing(): string {
  return "bindUdp({ device }) needs the optional dependency koffi (an FFI package: Node's dgram cannot set SO_BINDTODEVICE), which is not installed: npm install koffi";
}

/** An IPv4 `struct sockaddr_in` for `address:port`. */
function sockaddrIn(address: string, port: number): Buffer {
  const parts = address.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new TypeError(`udp: address must be an IPv4 address (a.b.c.d), got ${address}`);
  }
  const sa = Buffer.alloc(16);
  sa.writeUInt16LE(AF_INET, 0); // sa_family_t, host order (little-endian on every Linux Node runs on)
  sa.writeUInt16BE(port, 2);
  for (let i = 0; i < 4; i++) sa[4 + i] = parts[i] as number;
  return sa;
}

export interface DeviceSocketOptions {
  port: number;
  address: string;
  device: string;
  broadcast: boolean;
  reuseAddr: boolean;
}

/**
 * Creates a UDP socket tied to `device` and bound to `address:port`;
 * returns its descriptor (non-blocking). Throws an `IOError` with the
 * system code (ENODEV for an unknown device, EPERM, EADDRINUSE, …).
 */
export function deviceSocket(o: DeviceSocketOptions): number {
  const sa = sockaddrIn(o.address, o.port);
  const c = loadLibc();
  const fail = (what: string, fd: number): never => {
    const errno = c.errno();
    if (fd >= 0) c.close(fd);
    const code = c.errnoName(errno);
    throw new IOError(`udp: ${what} failed: ${code}`, { code });
  };
  const fd = c.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("socket()", -1);
  const one = Buffer.alloc(4);
  one.writeInt32LE(1, 0);
  if (o.reuseAddr && c.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, one, 4) !== 0) fail("SO_REUSEADDR", fd);
  if (o.broadcast && c.setsockopt(fd, SOL_SOCKET, SO_BROADCAST, one, 4) !== 0) fail("SO_BROADCAST", fd);
  const dev = Buffer.from(`${o.device}\0`);
  if (c.setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, dev.length) !== 0) {
    fail(`SO_BINDTODEVICE ${o.device}`, fd);
  }
  if (c.bind(fd, sa, sa.length) !== 0) fail(`bind ${o.address}:${o.port} on ${o.device}`, fd);
  return fd;
}

/** Closes a descriptor that was not handed to dgram. */
export function closeFd(fd: number): void {
  loadLibc().close(fd);
}
