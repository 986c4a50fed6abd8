// A chat server: one tasklet reads each connection's lines, one writes to it.
// A line from one client goes to every other client. A client that falls
// OUTBOX_MAX lines behind is disconnected, so one slow reader cannot stall
// the room or make the server buffer without bound.
// Run it: npm run build && node dist/examples/chat-server.js [port]
// Try it: nc 127.0.0.1 7008 in two terminals.
//
// TODO(channels): each client's outbox is an array plus an Event; with
// `channel<string>(OUTBOX_MAX)` from src/sync (being written) it becomes
// `out.sendAsync(line)` / `yield* out.recv()` (and trySend for the limit).
import { ClosedError, Event, main, type Operation, spawn } from "../src/index.js";
import { listen, type TcpConn } from "../src/io/index.js";

const OUTBOX_MAX = 100;

interface Client {
  name: string;
  conn: TcpConn;
  outbox: string[];
  ready: Event;
}

const clients = new Set<Client>();

function broadcast(from: Client | null, text: string): void {
  for (const c of clients) {
    if (c === from) continue;
    if (c.outbox.length >= OUTBOX_MAX) {
      c.conn.abort(); // too slow: drop it at once (its reader and writer end with ClosedError)
      continue;
    }
    c.outbox.push(`${text}\n`);
    c.ready.set();
  }
}

function* writer(c: Client): Operation<void> {
  try {
    for (;;) {
      const line = c.outbox.shift();
      if (line !== undefined) {
        yield* c.conn.send(line);
        continue;
      }
      c.ready.reset();
      yield* c.ready.wait();
    }
  } catch (e) {
    if (!(e instanceof ClosedError)) throw e; // closed under it (client gone, or too slow)
  }
}

function* session(conn: TcpConn): Operation<void> {
  const c: Client = { name: `${conn.peerAddress}:${conn.peerPort}`, conn, outbox: [], ready: new Event() };
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
