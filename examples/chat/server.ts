/**
 * The chat server: one tasklet per connection, one hub, one broadcast channel.
 *
 *   accept loop ──spawns──> session (reads lines) ──hub.send──> hub ──sendAsync──> outbox ──> writer
 *
 * A session reads its client's lines and sends each to the hub's channel;
 * the hub keeps the rooms and copies each message into the outbox of every
 * member of the sender's room; each connection's writer drains its outbox
 * and writes what it finds in one batch. The outboxes are unbounded
 * (`sendAsync`): the hub never waits for a slow client, and a client's own
 * pace (it sends its next message once its last came back) bounds what can
 * pile up.
 *
 * Protocol, one line each: the client's first line `J <room>` joins a room
 * and the server answers `W` once the hub has added it; every later line is
 * broadcast to the room as it is (the clients put their id, a sequence
 * number and the time it was sent in it), the sender included.
 */

import {
  type Channel,
  ClosedError,
  channel,
  current,
  type Operation,
  spawn,
  type Tasklet,
  timeout,
} from "../../src/index.js";
import type { TcpConn, TcpServer } from "../../src/io/index.js";
import type { Stats } from "./stats.js";

/** What the hub receives. */
type Envelope =
  | { kind: "join"; room: number; outbox: Channel<string> }
  | { kind: "leave"; room: number; outbox: Channel<string> }
  | { kind: "msg"; room: number; line: string };

export interface ChatServer {
  /** Stops accepting, waits (at most `ms`) for the sessions to end as their clients close, then ends the hub. */
  stop(ms: number): Operation<void>;
}

/** Starts the server's tasklets on `listener`. */
export function startServer(listener: TcpServer, stats: Stats): ChatServer {
  const hub = channel<Envelope>(1024);
  const sessions = new Set<Tasklet>();
  const hubTasklet = spawn(hubLoop(hub), { name: "hub" });
  const acceptor = spawn(acceptLoop(listener, hub, stats, sessions), { name: "accept" });
  return {
    *stop(ms: number): Operation<void> {
      acceptor.kill();
      listener.close();
      try {
        yield* timeout(ms, endOf(sessions));
      } finally {
        for (const t of sessions) t.kill();
        hubTasklet.kill();
      }
    },
  };
}

function* endOf(sessions: Set<Tasklet>): Operation<void> {
  for (const t of [...sessions]) yield* t.join();
}

function* acceptLoop(
  listener: TcpServer,
  hub: Channel<Envelope>,
  stats: Stats,
  sessions: Set<Tasklet>,
): Operation<void> {
  for (;;) {
    const conn = yield* listener.accept();
    const n = ++stats.accepted;
    const t: Tasklet = spawn(
      session(conn, hub, n, () => sessions.delete(t)),
      { name: `session-${n}` },
    );
    sessions.add(t);
  }
}

/** One connection: reads its lines and passes them to the hub; its writer drains its outbox. */
function* session(conn: TcpConn, hub: Channel<Envelope>, n: number, ended: () => void): Operation<void> {
  const outbox = channel<string>(0);
  try {
    const hello = yield* conn.readLine();
    if (!hello.startsWith("J ")) return;
    const room = Number(hello.slice(2));
    // The writer ends when the outbox is closed and drained; a kill of the session kills it too.
    const writer = spawn(writeLoop(conn, outbox), { name: `writer-${n}`, joinable: false });
    try {
      yield* hub.send({ kind: "join", room, outbox });
      for (;;) yield* hub.send({ kind: "msg", room, line: yield* conn.readLine() });
    } finally {
      hub.sendAsync({ kind: "leave", room, outbox });
      outbox.close();
      if (current().isKilled()) writer.kill();
    }
  } catch (e) {
    if (!(e instanceof ClosedError)) throw e; // the client left
  } finally {
    conn.close();
    ended();
  }
}

function* writeLoop(conn: TcpConn, outbox: Channel<string>): Operation<void> {
  try {
    for (let r = yield* outbox.recvOrDone(); !r.done; r = yield* outbox.recvOrDone()) {
      let batch = `${r.value}\n`;
      for (let more = outbox.tryRecv(); more.ok; more = outbox.tryRecv()) batch += `${more.value}\n`;
      yield* conn.send(batch);
    }
  } catch (e) {
    if (!(e instanceof ClosedError)) throw e; // the client left
  }
}

function* hubLoop(hub: Channel<Envelope>): Operation<void> {
  const rooms = new Map<number, Channel<string>[]>();
  for (;;) {
    const e = yield* hub.recv();
    if (e.kind === "msg") {
      const members = rooms.get(e.room);
      // An outbox closes (its session ended) before the hub reads its `leave`: skip it.
      if (members !== undefined) for (const m of members) if (!m.closed) m.sendAsync(e.line);
    } else if (e.kind === "join") {
      const members = rooms.get(e.room);
      if (members === undefined) rooms.set(e.room, [e.outbox]);
      else members.push(e.outbox);
      // Welcome: every message the room gets from now on reaches the new member.
      e.outbox.sendAsync("W");
    } else {
      const members = rooms.get(e.room) ?? [];
      const i = members.indexOf(e.outbox);
      if (i >= 0) members.splice(i, 1);
    }
  }
}
