/**
 * The real network: the `Network` of a tasklet system over the io layer's
 * TCP (`listen`, `connect`) and UDP (`bindUdp` with SO_BINDTODEVICE), so that
 * the ntkd tasklet interface's sockets are real sockets of the host.
 *
 * Mapping of ntkd's sockets:
 *   - a server datagram socket is bound to `port` on every address, on
 *     device `dev` only, with broadcast on: it gets the broadcasts of that
 *     device's link only;
 *   - a client datagram socket is bound to an ephemeral port (on `myAddr` if
 *     given, which is then the source address), on device `dev`, and sends
 *     every datagram to 255.255.255.255:`port`: the limited broadcast, which
 *     SO_BINDTODEVICE sends out of `dev`;
 *   - `recvfrom` skips empty datagrams (their count would be 0, and the
 *     ntkd's counts are positive); a datagram longer than `maxlen` is
 *     truncated, as recvfrom(2) does;
 *   - addresses are reported without the `::ffff:` prefix of IPv4-mapped
 *     IPv6 addresses.
 */

import type { Operation } from "../core/op.js";
import { connect, listen, type TcpServer } from "../io/tcp.js";
import type { TcpConn } from "../io/tcp-conn.js";
import { bindUdp, type UdpSocket } from "../io/udp.js";
import type {
  IClientDatagramSocket,
  IConnectedStreamSocket,
  IServerDatagramSocket,
  IServerStreamSocket,
  RecvFromResult,
} from "./interfaces.js";
import type { Network } from "./network.js";

/** Where a client datagram socket sends: the limited broadcast address. */
export const BROADCAST_ADDRESS = "255.255.255.255";

function plain(addr: string): string {
  return addr.startsWith("::ffff:") ? addr.slice(7) : addr;
}

class RealStream implements IConnectedStreamSocket {
  readonly peerAddress: string;
  readonly myAddress: string;
  constructor(private readonly c: TcpConn) {
    this.peerAddress = plain(c.peerAddress);
    this.myAddress = plain(c.myAddress);
  }
  recv(b: Uint8Array, maxlen = b.length): Operation<number> {
    return this.c.recv(b.subarray(0, maxlen));
  }
  send(b: Uint8Array, len = b.length): Operation<void> {
    return this.c.send(b.subarray(0, len));
  }
  close(): void {
    this.c.close();
  }
}

class RealServer implements IServerStreamSocket {
  constructor(private readonly s: TcpServer) {}
  *accept(): Operation<IConnectedStreamSocket> {
    return new RealStream(yield* this.s.accept());
  }
  close(): void {
    this.s.close();
  }
}

class RealDatagramServer implements IServerDatagramSocket {
  constructor(private readonly s: UdpSocket) {}
  *recvfrom(b: Uint8Array, maxlen = b.length): Operation<RecvFromResult> {
    const view = b.subarray(0, maxlen);
    for (;;) {
      const d = yield* this.s.recvfrom(view);
      if (d.n > 0) return { n: d.n, rmtIp: plain(d.rmtIp), rmtPort: d.rmtPort };
    }
  }
  close(): void {
    this.s.close();
  }
}

class RealDatagramClient implements IClientDatagramSocket {
  constructor(
    private readonly s: UdpSocket,
    private readonly port: number,
  ) {}
  *sendto(b: Uint8Array, len = b.length): Operation<number> {
    yield* this.s.sendto(b.subarray(0, len), BROADCAST_ADDRESS, this.port);
    return len;
  }
  close(): void {
    this.s.close();
  }
}

function* wrap<S, W>(op: Operation<S>, make: (s: S) => W): Operation<W> {
  return make(yield* op);
}

/** The host's own network, through src/io. The default of `createTaskletSystem`. */
export const realNetwork: Network = {
  listen(port, myAddr) {
    return wrap(listen(myAddr === null ? { port } : { port, host: myAddr }), (s) => new RealServer(s));
  },
  connect(destAddr, destPort, myAddr) {
    const o =
      myAddr === null ? { host: destAddr, port: destPort } : { host: destAddr, port: destPort, localAddress: myAddr };
    return wrap(connect(o), (c) => new RealStream(c));
  },
  udpServer(port, dev) {
    return wrap(bindUdp({ port, device: dev, broadcast: true }), (s) => new RealDatagramServer(s));
  },
  udpClient(port, dev, myAddr) {
    const o =
      myAddr === null
        ? { port: 0, device: dev, broadcast: true }
        : { port: 0, device: dev, address: myAddr, broadcast: true };
    return wrap(bindUdp(o), (s) => new RealDatagramClient(s, port));
  },
};
