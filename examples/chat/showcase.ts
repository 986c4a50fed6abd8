/**
 * The chat showcase: a chat server and a few thousand simulated clients,
 * all tasklets of one thread, talking over loopback TCP.
 *
 * Phases: the server starts; the clients connect (at most CONNECTING at a
 * time) and join their rooms; when the last has joined they all start; they
 * chat for the given seconds, with a live line of progress; then each says
 * bye and waits for its room's byes, which proves it read everything; the
 * server stops, and the numbers are checked against each other:
 * deliveries = Σ over rooms of (messages sent in the room × its size).
 */

import {
  channel,
  type Operation,
  sleep,
  spawn,
  type Tasklet,
  TimeoutError,
  tasklets,
  timeout,
} from "../../src/index.js";
import { connect, listen, type TcpConn } from "../../src/io/index.js";
import { type ClientPlan, type ClientResult, client, type Race } from "./client.js";
import { startServer } from "./server.js";
import { Stats } from "./stats.js";

export interface ChatOptions {
  clients: number;
  seconds: number;
  /** Clients per room (the fan-out of a message). */
  roomSize: number;
  /** Pause of each client between rounds, ms. */
  thinkMs: number;
  /** Called with a line of progress about every `tickMs`. */
  onTick?: (line: string) => void;
  tickMs?: number;
}

export interface ChatSummary {
  clients: number;
  rooms: number;
  roomSize: number;
  port: number;
  /** Seconds of chat (start line to stop signal). */
  seconds: number;
  sent: number;
  delivered: number;
  /** What `delivered` must be: Σ over rooms of messages sent in it × its members. */
  expected: number;
  /** Σ of what each client counted it read (equals delivered). */
  readByClients: number;
  accepted: number;
  errors: number;
  /** Clients the server dropped as too slow (outbox over OUTBOX_MAX_BYTES). */
  droppedSlow: number;
  /** Clients the server dropped for a line over LINE_MAX_BYTES. */
  droppedLongLine: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  peakTasklets: number;
  peakRssMB: number;
  /** Wall time of the whole run, connections and wind-down included, s. */
  totalSeconds: number;
}

/** At most this many connects in flight (the listen backlog is finite). */
const CONNECTING = 256;
/** The clients' first messages are spread over this many ms. */
const START_SPREAD_MS = 500;
/** The wind-down (byes) must finish within this. */
const WIND_DOWN_MS = 20_000;

export function* chat(options: ChatOptions): Operation<ChatSummary> {
  const t0 = performance.now();
  const { clients: n, roomSize } = options;
  const rooms = Math.ceil(n / roomSize);
  const stats = new Stats();
  const listener = yield* listen({ port: 0, host: "127.0.0.1", backlog: CONNECTING * 2 });
  const port = listener.address.port;
  const server = startServer(listener, stats);
  const race: Race = { start: channel<never>(0), stopping: false, joined: 0, total: n };
  let peakTasklets = 0;
  let peakRss = 0;
  const sample = (): number => {
    const alive = tasklets({ stacks: false }).length;
    if (alive > peakTasklets) peakTasklets = alive;
    const rss = process.memoryUsage.rss();
    if (rss > peakRss) peakRss = rss;
    return alive;
  };

  // Room r gets clients r, r + rooms, r + 2·rooms, …: sizes differ by one at most.
  const sizeOf = (room: number): number => Math.floor(n / rooms) + (room < n % rooms ? 1 : 0);
  const slots = channel<true>(CONNECTING);
  const spread = Math.max(1, Math.min(START_SPREAD_MS, Math.floor((options.seconds * 1000) / 4)));
  const players: Tasklet<ClientResult>[] = [];
  for (let id = 0; id < n; id++) {
    const room = id % rooms;
    // The first messages are spread over START_SPREAD_MS (or a quarter of a short run), not sent all at once.
    const plan = {
      id,
      room,
      roomSize: sizeOf(room),
      thinkMs: options.thinkMs,
      startDelayMs: (id * 7) % spread,
    };
    players.push(spawn(player(plan), { name: `client-${id}` }));
  }
  function* player(plan: ClientPlan): Operation<ClientResult> {
    yield* slots.send(true);
    let conn: TcpConn;
    try {
      conn = yield* connect({ host: "127.0.0.1", port });
    } catch (e) {
      stats.errors++;
      if (--race.total === race.joined) race.start.close();
      throw e;
    } finally {
      slots.tryRecv();
    }
    stats.connected++;
    try {
      return yield* client(conn, plan, race, stats);
    } catch (e) {
      stats.errors++;
      throw e;
    } finally {
      conn.close();
    }
  }

  // Progress until everyone joined, then the chat's seconds.
  const tickMs = options.tickMs ?? 1000;
  let last = { at: performance.now(), sent: 0, delivered: 0 };
  const tick = (phase: string): void => {
    const alive = sample();
    const now = performance.now();
    const dt = (now - last.at) / 1000;
    const w = stats.window;
    const line =
      `${phase} | tasklets ${fmt(alive)} | clients ${fmt(stats.connected)}/${fmt(n)}` +
      ` | msgs/s ${fmt((stats.sent - last.sent) / dt)} sent, ${fmt((stats.delivered - last.delivered) / dt)} delivered` +
      ` | latency p50 ${ms(w.percentile(50))} p99 ${ms(w.percentile(99))}`;
    w.reset();
    last = { at: now, sent: stats.sent, delivered: stats.delivered };
    options.onTick?.(line);
  };
  while (race.joined < race.total) {
    yield* sleep(Math.min(tickMs, 100));
    if (performance.now() - last.at >= tickMs) tick("connecting");
  }
  const chatStart = performance.now();
  const end = chatStart + options.seconds * 1000;
  for (let now = performance.now(); now < end; now = performance.now()) {
    yield* sleep(Math.min(tickMs, end - now));
    tick(`${((performance.now() - chatStart) / 1000).toFixed(1).padStart(4)}/${options.seconds} s`);
  }
  race.stopping = true;
  const chatSeconds = (performance.now() - chatStart) / 1000;

  // Wind-down: every client says bye and reads its room's byes.
  let readByClients = 0;
  const sentBy = new Array<number>(n).fill(0);
  try {
    yield* timeout(WIND_DOWN_MS, collect());
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    // A room waits for a bye that will not come (a client failed): stop, and let the summary say so.
    stats.errors++;
    for (const p of players) p.kill();
  }
  function* collect(): Operation<void> {
    for (let id = 0; id < n; id++) {
      try {
        const r = yield* (players[id] as Tasklet<ClientResult>).join();
        sentBy[id] = r.sent;
        readByClients += r.read;
      } catch {
        // counted in stats.errors by the player
      }
    }
  }
  sample();
  yield* server.stop(WIND_DOWN_MS);

  let expected = 0;
  for (let id = 0; id < n; id++) expected += (sentBy[id] as number) * sizeOf(id % rooms);
  const h = stats.latency;
  return {
    clients: n,
    rooms,
    roomSize,
    port,
    seconds: chatSeconds,
    sent: stats.sent,
    delivered: stats.delivered,
    expected,
    readByClients,
    accepted: stats.accepted,
    errors: stats.errors,
    droppedSlow: stats.droppedSlow,
    droppedLongLine: stats.droppedLongLine,
    latencyMs: { p50: h.percentile(50), p90: h.percentile(90), p99: h.percentile(99), max: h.max },
    peakTasklets,
    peakRssMB: Math.round(peakRss / 2 ** 20),
    totalSeconds: (performance.now() - t0) / 1000,
  };
}

/** The summary as text, ending with whether the numbers agree. */
export function formatSummary(s: ChatSummary): string {
  const ok = s.delivered === s.expected && s.readByClients === s.delivered && s.errors === 0;
  return [
    `chat showcase: ${fmt(s.clients)} clients in ${fmt(s.rooms)} rooms of ~${s.roomSize}, ${s.seconds.toFixed(1)} s of chat over loopback TCP (port ${s.port})`,
    `  messages sent      ${fmt(s.sent).padStart(11)}  (${fmt(s.sent / s.seconds)}/s)`,
    `  deliveries         ${fmt(s.delivered).padStart(11)}  (${fmt(s.delivered / s.seconds)}/s)`,
    `  expected           ${fmt(s.expected).padStart(11)}  = Σ rooms (sent in room × room size)`,
    `  read by clients    ${fmt(s.readByClients).padStart(11)}`,
    `  latency            p50 ${ms(s.latencyMs.p50)}, p90 ${ms(s.latencyMs.p90)}, p99 ${ms(s.latencyMs.p99)}, max ${ms(s.latencyMs.max)}`,
    `  tasklets           ${fmt(s.peakTasklets)} alive at peak; connections accepted ${fmt(s.accepted)}, errors ${s.errors}`,
    `  dropped            slow clients: ${fmt(s.droppedSlow)}, lines too long: ${fmt(s.droppedLongLine)}`,
    `  process            peak RSS ${s.peakRssMB} MB, ${s.totalSeconds.toFixed(1)} s in all`,
    ok
      ? "  check              ok: every message reached every member of its room"
      : "  check              FAILED: the numbers disagree",
  ].join("\n");
}

function fmt(x: number): string {
  return Math.round(x).toLocaleString("en-US");
}

function ms(x: number): string {
  return x < 10 ? `${x.toFixed(2)} ms` : `${x.toFixed(1)} ms`;
}
