// An echo server: one tasklet per connection, written as blocking code.
// Run it: npm run build && node dist/examples/echo-server.js [port]
// Try it: nc 127.0.0.1 7007   (Ctrl-C stops the server; every connection's cleanup runs)
// A client that resets, half-closes or stops reading costs only its own tasklet: a lost peer
// is a ClosedError like a FIN, and one that does not read holds at most its socket's buffers.
import { ClosedError, main, type Operation, spawn } from "../src/index.js";
import { listen, type TcpConn } from "../src/io/index.js";

function* echo(conn: TcpConn): Operation<void> {
  const buf = Buffer.alloc(16 * 1024);
  console.log(`${conn.peerAddress}:${conn.peerPort} connected`);
  try {
    for (;;) {
      const n = yield* conn.recv(buf); // blocks this tasklet only
      yield* conn.send(buf.subarray(0, n)); // blocks while the client does not read
    }
  } catch (e) {
    if (!(e instanceof ClosedError)) throw e; // the client hung up or was lost (reset): not an error
  } finally {
    conn.close();
    console.log(`${conn.peerAddress}:${conn.peerPort} gone`);
  }
}

main(function* () {
  const server = yield* listen({ port: Number(process.argv[2] ?? 7007), host: "127.0.0.1" });
  console.log(`echo server on port ${server.address.port}`);
  try {
    for (;;) {
      const conn = yield* server.accept();
      spawn(() => echo(conn), { name: `echo ${conn.peerPort}`, joinable: false });
    }
  } finally {
    server.close();
  }
});
