/**
 * The network a tasklet system opens its sockets on: the four socket
 * factories of the `ITasklet` interface, apart from everything else, so that the
 * same ITasklet runs a module over real sockets (`realNetwork`, the default,
 * over `src/io`) or over an in-memory network (`SimNetwork`'s hosts, for
 * tests that drive lost packets and link failures reproducibly).
 *
 * Contract for an implementation (the system checks the arguments first, so
 * an implementation receives valid ports, strings and lengths):
 *   - every factory is an operation: it throws the bind or connect error at
 *     the call (`IOError` with `code` EADDRINUSE, ENODEV, ECONNREFUSED,
 *     EHOSTUNREACH, EADDRNOTAVAIL);
 *   - `recv` and `recvfrom` return a count >= 1, and throw `ClosedError` when
 *     the peer closed (zero bytes) or the socket was closed while they waited;
 *   - blocking is done with the runtime's own waits, never by holding the
 *     thread, so a kill or a timeout withdraws any of them.
 */

import type { Operation } from "../core/op.js";
import type {
  IClientDatagramSocket,
  IConnectedStreamSocket,
  IServerDatagramSocket,
  IServerStreamSocket,
} from "./interfaces.js";

/** The socket factories a tasklet system delegates to. */
export interface Network {
  /** A TCP server socket listening on `port` (on `myAddr` only, if given). */
  listen(port: number, myAddr: string | null): Operation<IServerStreamSocket>;
  /** A TCP connection to `destAddr:destPort`, from `myAddr` if given. */
  connect(destAddr: string, destPort: number, myAddr: string | null): Operation<IConnectedStreamSocket>;
  /** A UDP socket bound to device `dev` and `port`, receiving broadcasts. */
  udpServer(port: number, dev: string): Operation<IServerDatagramSocket>;
  /** A UDP socket bound to device `dev`, sending broadcasts to `port` (from `myAddr`, if given). */
  udpClient(port: number, dev: string, myAddr: string | null): Operation<IClientDatagramSocket>;
}
