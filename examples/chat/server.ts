/**
 * The chat server: one tasklet per connection, one hub, one broadcast channel.
 *
 *   accept loop ──spawns──> session (reads lines) ──hub.send──> hub ──sendAsync──> outbox ──> writer
 *
 * A session reads its client's lines and sends each to the hub's channel;
 * the hub keeps the rooms and copies each message into the outbox of every
 * member of the sender's room; each connection's writer drains its outbox
 * and writes what it finds in one batch. The hub never waits for a slow
 * client (`sendAsync`), so an outbox is bounded by its bytes instead: a
 * client whose outbox holds more than OUTBOX_MAX_BYTES has stopped reading
 * or cannot keep up, and is dropped at once (IRC's "SendQ exceeded"):
 * memory stays flat whatever the clients do, and the drop is counted.
 *
 * Abusive clients cost the others nothing: a lost peer (reset, broken pipe)
 * is a ClosedError that ends its session alone; a line longer than
 * LINE_MAX_BYTES drops its client (counted); a client that sends a line a
 * byte at a time only holds its own session; a half-closed client has left.
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
  schedule,
  spawn,
  type Tasklet,
  timeout,
} from "../../src/index.js";
import type { TcpConn, TcpServer } from "../../src/io/index.js";
import type { Stats } from "./stats.js";

/** Bytes (string length: bytes for ASCII) waiting in a client's outbox beyond which it is too slow and is dropped. */
export const OUTBOX_MAX_BYTES = 256 * 1024;
/** The hub lets the writers run after copying this many bytes into outboxes, so a burst cannot outrun them. */
const HUB_BURST_BYTES = 64 * 1024;
/** A line longer than this drops its client (readLine's limit). */
export const LINE_MAX_BYTES = 64 * 1024;

/** One member of a room, as the hub and the connection's writer share it. */
interface Member {
  readonly outbox: Channel<string>;
  readonly conn: TcpConn;
  /** Bytes in `outbox` not yet taken by the writer (the hub adds, the writer subtracts). */
  queued: number;
}

/** What the hub receives. */
type Envelope =
  | { kind: "join"; room: number; member: Member }
  | { kind: "leave"; room: number; member: Member }
  | { kind: "msg"; room: number; line: string };

export interface ChatServer {
  /** Stops accepting, waits (at most `ms`) for the sessions to end as their clients close, then ends the hub. */
  stop(ms: number): Operation<void>;
}

/** Starts the server's tasklets on `listener`. */
export function startServer(listener: TcpServer, stats: Stats): ChatServer {
  const hub = channel<Envelope>(1024);
  const sessions = new Set<Tasklet>();
  const hubTasklet = spawn(hubLoop(hub, stats), { name: "hub" });
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
      session(conn, hub, stats, n, () => sessions.delete(t)),
      { name: `session-${n}` },
    );
    sessions.add(t);
  }
}

/** One connection: reads its lines and passes them to the hub; its writer drains its outbox. */
function* session(conn: TcpConn, hub: Channel<Envelope>, stats: Stats, n: number, ended: () => void): Operation<void> {
  const member: Member = { outbox: channel<string>(0), conn, queued: 0 };
  try {
    const hello = yield* conn.readLine(LINE_MAX_BYTES);
    if (!hello.startsWith("J ")) return;
    const room = Number(hello.slice(2));
    // The writer ends when the outbox is closed and drained; a kill of the session kills it too.
    const writer = spawn(writeLoop(member), { name: `writer-${n}`, joinable: false });
    try {
      yield* hub.send({ kind: "join", room, member });
      for (;;) yield* hub.send({ kind: "msg", room, line: yield* conn.readLine(LINE_MAX_BYTES) });
    } finally {
      hub.sendAsync({ kind: "leave", room, member });
      member.outbox.close();
      if (current().isKilled()) writer.kill();
    }
  } catch (e) {
    if (e instanceof RangeError)
      stats.droppedLongLine++; // a line over LINE_MAX_BYTES: drop the client
    else if (!(e instanceof ClosedError)) throw e; // the client left, or was dropped as too slow
  } finally {
    conn.close();
    ended();
  }
}

function* writeLoop(member: Member): Operation<void> {
  const { conn, outbox } = member;
  try {
    for (let r = yield* outbox.recvOrDone(); !r.done; r = yield* outbox.recvOrDone()) {
      let batch = `${r.value}\n`;
      for (let more = outbox.tryRecv(); more.ok; more = outbox.tryRecv()) batch += `${more.value}\n`;
      member.queued -= batch.length;
      yield* conn.send(batch);
    }
  } catch (e) {
    if (!(e instanceof ClosedError)) throw e; // the client left
  }
}

function* hubLoop(hub: Channel<Envelope>, stats: Stats): Operation<void> {
  const rooms = new Map<number, Member[]>();
  let burst = 0;
  for (;;) {
    const e = yield* hub.recv();
    if (e.kind === "msg") {
      const members = rooms.get(e.room);
      if (members === undefined) continue;
      const size = e.line.length + 1;
      for (let i = 0; i < members.length; i++) {
        const m = members[i] as Member;
        // An outbox closes (its session ended) before the hub reads its `leave`: skip it.
        if (m.outbox.closed) continue;
        if (m.queued + size > OUTBOX_MAX_BYTES) {
          // Too slow: drop it (its session and writer end with ClosedError) rather than buffer without bound.
          stats.droppedSlow++;
          members.splice(i--, 1);
          m.conn.abort();
          continue;
        }
        m.queued += size;
        m.outbox.sendAsync(e.line);
      }
      burst += size * members.length;
      if (burst >= HUB_BURST_BYTES) {
        // A backlog of messages (a flood) would otherwise be copied out before any writer runs.
        burst = 0;
        yield* schedule();
      }
    } else if (e.kind === "join") {
      const members = rooms.get(e.room);
      if (members === undefined) rooms.set(e.room, [e.member]);
      else members.push(e.member);
      // Welcome: every message the room gets from now on reaches the new member.
      e.member.queued += 2;
      e.member.outbox.sendAsync("W");
    } else {
      const members = rooms.get(e.room) ?? [];
      const i = members.indexOf(e.member);
      if (i >= 0) members.splice(i, 1);
    }
  }
}
