/**
 * tasklet/io: I/O that blocks only the calling tasklet.
 * Errors are `IOError`s (`ClosedError` at end of stream), from the main package.
 */

// ---- system: files, subprocesses, DNS, signals (io-sys) ----
// What each call costs (HACKING: suspends the tasklet / blocks the event loop / holds a pool thread):
//   File calls, open, readFile, writeFile  yes / no / yes, one of libuv's 4 while it runs; on a FIFO or a
//                                          device (calls that may wait without end), a worker thread of
//                                          the blocking lane instead (blocking-lane.ts)
//   spawnProcess, exec (the start)         no / yes, the fork+exec (~2 ms) / no
//   exec, wait, recv, send                 yes / no / no
//   DNS lookups                            yes / no (c-ares sockets; resolv.conf re-read after a change:
//                                          one small synchronous read) / no
//   waitSignal, SignalSet.recv             yes / no / no
export {
  createResolver,
  DEFAULT_RESOLV_CONF,
  defaultResolver,
  parseResolvConf,
  type ResolvConf,
  Resolver,
  type ResolverOptions,
  resolve4,
  resolve6,
  resolveTxt,
  reverse,
} from "./dns.js";
export { type ExecOptions, type ExecResult, exec, OutputLimitError } from "./exec.js";
export { File, open, type Position } from "./file.js";
export { ProcessInput, ProcessOutput } from "./pipe.js";
export {
  exitStatusOf,
  type SpawnProcessOptions,
  type StdioMode,
  Subprocess,
  spawnProcess,
  withProcess,
} from "./process.js";
export { type SignalName, SignalSet, signalWaitable, waitSignal, watchSignals } from "./signal.js";
export { readFile, writeFile } from "./whole-file.js";

// ---- end of system ----

// ---- network: TCP and UDP (io-net) ----
//   listen, connect (the handshake), accept, recv, send   yes / no / no (libuv's epoll)
//   bindUdp, recvfrom, sendto                             yes / no / no
//   bindUdp with `device`                                 the socket is made by 4 short libc calls
//                                                         (koffi), on the event loop / no
export { type ConnectOptions, connect, type ListenOptions, listen, type TcpAcceptOp, type TcpServer } from "./tcp.js";
export type { TcpConn } from "./tcp-conn.js";
export type { TcpRecvOp, TcpSendOp } from "./tcp-ops.js";
export { bindUdp, type Datagram, type RecvfromOp, type UdpOptions, type UdpSocket } from "./udp.js";
// ---- end of network ----
