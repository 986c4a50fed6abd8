// A chat server: one tasklet reads each connection's lines, one writes to it.
// A line from one client goes to every other client. A client that falls
// OUTBOX_MAX lines behind is disconnected, so one slow reader cannot stall
// the room or make the server buffer without bound.
// Run it: npm run build && node dist/examples/chat-server.js [port]
// Try it: nc 127.0.0.1 7008 in two terminals.
//
// Each client's outbox is a channel with room for OUTBOX_MAX lines: the
// broadcaster never blocks (trySend), and a full outbox means a slow client.
// A line over readLine's limit (64 KiB) drops its client too; a client that
// resets (a ClosedError, as a FIN) or sends a line a byte at a time costs
// only its own two tasklets.
import { type Channel, ClosedError, channel, main, type Operation, spawn } from "../src/index.js";
import { listen, type TcpConn } from "../src/io/index.js";

const OUTBOX_MAX = 100;

interface Client {
  name: string;
  conn: TcpConn;
  outbox: Channel<string>;
}

const clients = new Set<Client>();

function broadcast(from: Client | null, text: string): void {
  for (const c of clients) {
    if (c === from) continue;
    // A full outbox: too slow, drop it at once (its reader and writer end with ClosedError).
    if (!c.outbox.trySend(`${text}\n`)) c.conn.abort();
  }
}

function* writer(c: Client): Operation<void> {
  try {
    for (;;) yield* c.conn.send(yield* c.outbox.recv());
  } catch (e) {
    if (!(e instanceof ClosedError)) throw e; // closed under it (client gone, or too slow)
  }
}

function* session(conn: TcpConn): Operation<void> {
  const c: Client = { name: `${conn.peerAddress}:${conn.peerPort}`, conn, outbox: channel<string>(OUTBOX_MAX) };
  const w = spawn(() => writer(c), { name: `writer ${c.name}` });
  clients.add(c);
  broadcast(c, `* ${c.name} joined`);
  try {
    for (;;) {
      const line = yield* conn.readLine();
      if (line !== "") broadcast(c, `${c.name}: ${line}`);
    }
  } catch (e) {
    // ClosedError: the client left; RangeError: a line over readLine's limit, so drop the client.
    if (!(e instanceof ClosedError) && !(e instanceof RangeError)) throw e;
  } finally {
    clients.delete(c);
    w.kill();
    conn.close();
    broadcast(null, `* ${c.name} left`);
  }
}

main(function* () {
  const server = yield* listen({ port: Number(process.argv[2] ?? 7008), host: "127.0.0.1" });
  console.log(`chat server on port ${server.address.port}`);
  try {
    for (;;) {
      const conn = yield* server.accept();
      spawn(() => session(conn), { name: `session ${conn.peerPort}`, joinable: false });
    }
  } finally {
    server.close();
  }
});
