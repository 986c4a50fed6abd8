/**
 * tasklet/io: I/O that blocks the calling tasklet only (DESIGN.md, layer 4).
 */

// Network: TCP and UDP (io-net).
export type { AcceptOp, ConnectOptions, ListenOptions, TcpServer } from "./tcp.js";
export { connect, listen } from "./tcp.js";
export type { RecvOp, SendOp, TcpConn } from "./tcp-conn.js";
export { bindUdp, type Datagram, type RecvfromOp, type UdpOptions, type UdpSocket } from "./udp.js";
