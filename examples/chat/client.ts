/**
 * A simulated chat client: one tasklet, one connection.
 *
 * It joins its room, waits at the start line until every client has joined,
 * then sends a message and reads until that message comes back through the
 * room's broadcast (counting the others' messages it reads meanwhile and the
 * latency of each), and sends the next: a closed loop, so the load is as
 * much as the server can take. At the stop signal it sends `B <id> <count>`
 * and reads until it has every room member's `B`: since a member's lines
 * reach the room in order, it has then read everything sent to the room.
 *
 * Lines: `M <id> <seq> <sent-at ms>` a message; `B <id> <count>` bye.
 */

import { type Channel, type Operation, sleep } from "../../src/index.js";
import type { TcpConn } from "../../src/io/index.js";
import type { Stats } from "./stats.js";

export interface ClientPlan {
  id: number;
  room: number;
  /** Clients in the room, this one included. */
  roomSize: number;
  /** Milliseconds between receiving its own message and sending the next (0: none). */
  thinkMs: number;
  /** Milliseconds to wait after the start before the first message (spreads the first round). */
  startDelayMs: number;
}

/** Shared by the clients: the start line and the stop signal. */
export interface Race {
  /** Closed when every client has joined: the clients start. */
  readonly start: Channel<never>;
  /** Set when the clients should say bye. */
  stopping: boolean;
  /** Counts joined clients; the last one closes `start`. */
  joined: number;
  total: number;
}

/** Per client: what it sent and read. */
export interface ClientResult {
  sent: number;
  read: number;
}

export function* client(conn: TcpConn, plan: ClientPlan, race: Race, stats: Stats): Operation<ClientResult> {
  const me = String(plan.id);
  const result: ClientResult = { sent: 0, read: 0 };
  yield* conn.send(`J ${plan.room}\n`);
  const welcome = yield* conn.readLine();
  if (welcome !== "W") throw new Error(`client ${me}: expected W, got ${welcome}`);
  if (++race.joined === race.total) race.start.close();
  yield* race.start.recvOrDone();
  if (plan.startDelayMs > 0) yield* sleep(plan.startDelayMs);

  let byes = 0;
  const read = (line: string): boolean => {
    // Returns true when the line is this client's own message.
    const kind = line.charCodeAt(0);
    if (kind === 77 /* M */) {
      const a = line.indexOf(" ", 2);
      const b = line.indexOf(" ", a + 1);
      result.read++;
      stats.deliver(performance.now() - Number(line.slice(b + 1)));
      return line.slice(2, a) === me;
    }
    if (kind === 66 /* B */) byes++;
    return false;
  };
  while (!race.stopping) {
    yield* conn.send(`M ${me} ${result.sent} ${performance.now().toFixed(3)}\n`);
    result.sent++;
    stats.sent++;
    for (;;) {
      if (read(yield* conn.readLine())) break;
    }
    if (plan.thinkMs > 0) yield* sleep(plan.thinkMs);
  }
  yield* conn.send(`B ${me} ${result.sent}\n`);
  while (byes < plan.roomSize) {
    read(yield* conn.readLine());
  }
  return result;
}
