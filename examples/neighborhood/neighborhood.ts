/**
 * A neighbourhood daemon in the spirit of the modules written against the
 * ntkd tasklet system, written only against ITasklet: it imports nothing from
 * the runtime but types, and is given its tasklet system at start (the ntkd
 * modules' `init`), so the same code runs over real sockets in network
 * namespaces and over a simulated network under virtual time.
 *
 * What it does, every tasklet named:
 *   - Announcer: every `periodMs` (T) broadcasts `{id, addr, tcpPort}` on
 *     its device (UDP, port `udpPort`);
 *   - Listener: receives the announcements of others and dispatches `Heard`;
 *   - Heard (dispatched): a new neighbour enters the table and a HelloClient
 *     opens a TCP session to it; every announcement restarts the neighbour's
 *     Expiry;
 *   - Expiry: after 3·T without an announcement dispatches `Drop`;
 *   - Acceptor / HelloServer: answer the hello of others on `tcpPort`;
 *   - HelloClient: sends `HELLO <id>\n`, expects `HELLO <their id>\n`.
 *
 * Every change of the table happens in a body dispatched to one
 * DispatchableTasklet, so updates never interleave: a `Drop` queued by an
 * Expiry that was overtaken by an announcement finds a newer token and
 * does nothing.
 *
 * At the border: two announcements lost in a row make a silence of exactly
 * 3·T. The Expiry's timer was armed before the announcer's third one, so it
 * fires first at that instant: the neighbour is dropped and learned again
 * at once (a "down" and an "up" at the same instant). One lost announcement
 * never drops a neighbour.
 */

import type {
  DispatchableTasklet,
  IClientDatagramSocket,
  IConnectedStreamSocket,
  IServerDatagramSocket,
  IServerStreamSocket,
  ITasklet,
  ITaskletHandle,
  ITaskletSpawnable,
  Operation,
} from "../../src/system/index.js";

/** How a node is configured. */
export interface NeighborhoodOptions {
  /** This node's name, unique on the link. */
  id: string;
  /** The device announcements go out and come in on. */
  dev: string;
  /** This node's address on `dev` (source of announcements, TCP sessions). */
  addr: string;
  udpPort: number;
  tcpPort: number;
  /** T: one announcement every T ms; a neighbour silent for 3·T is dropped. */
  periodMs: number;
  /** Called inside the table's dispatcher at each change (for logs and tests). */
  onEvent?: (e: NeighborEvent) => void;
}

/** A row of the table. */
export interface Neighbor {
  id: string;
  addr: string;
  tcpPort: number;
  /** State of the TCP hello with it. */
  hello: "pending" | "ok" | "failed";
  /** Announcements heard from it. */
  heard: number;
}

/** A change of the table. */
export type NeighborEvent =
  | { kind: "up"; id: string; addr: string }
  | { kind: "hello"; id: string; ok: boolean }
  | { kind: "down"; id: string };

/** Expiry after this many periods without an announcement. */
export const EXPIRY_PERIODS = 3;

interface Entry extends Neighbor {
  /** Changed at each announcement; a Drop with an older token is stale. */
  token: number;
  expiry: ITaskletHandle | null;
  session: boolean;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A running node. Start it with `Neighborhood.start(sys, options)`. */
export class Neighborhood {
  private readonly entries = new Map<string, Entry>();
  private readonly tasks = new Set<ITaskletHandle>();
  private readonly dt: DispatchableTasklet;
  private stopped = false;
  private nextToken = 1;

  private constructor(
    readonly sys: ITasklet,
    readonly opts: NeighborhoodOptions,
    private readonly udpIn: IServerDatagramSocket,
    private readonly udpOut: IClientDatagramSocket,
    private readonly tcp: IServerStreamSocket,
  ) {
    this.dt = sys.createDispatchableTasklet();
  }

  /** Opens the sockets (throwing their errors) and starts the node's tasklets. */
  static *start(sys: ITasklet, opts: NeighborhoodOptions): Operation<Neighborhood> {
    if (!(opts.periodMs > 0)) throw new RangeError(`Neighborhood: periodMs must be > 0, got ${opts.periodMs}`);
    const udpIn = yield* sys.getServerDatagramSocket(opts.udpPort, opts.dev);
    const udpOut = yield* sys.getClientDatagramSocket(opts.udpPort, opts.dev, opts.addr);
    const tcp = yield* sys.getServerStreamSocket(opts.tcpPort);
    const n = new Neighborhood(sys, opts, udpIn, udpOut, tcp);
    n.track(new Announcer(n));
    n.track(new Listener(n, udpIn));
    n.track(new Acceptor(n, tcp));
    return n;
  }

  /** The neighbours, sorted by id. */
  table(): Neighbor[] {
    return [...this.entries.values()]
      .map(({ id, addr, tcpPort, hello, heard }) => ({ id, addr, tcpPort, hello, heard }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Stops every tasklet of the node, closes its sockets; returns when all ended. */
  *stop(): Operation<void> {
    if (this.stopped) return;
    this.stopped = true;
    // Let the table's updates already dispatched finish (later ones do nothing).
    yield* this.dt.dispatch({ *func() {} }, true);
    while (this.tasks.size > 0) {
      const all = [...this.tasks];
      for (const h of all) h.kill();
      for (const h of all) {
        try {
          yield* h.join();
        } catch {
          // killed: the end is all that matters here
        }
        this.tasks.delete(h);
      }
    }
    this.udpIn.close();
    this.udpOut.close();
    this.tcp.close();
  }

  /** @internal Spawns a tasklet of the node; it leaves `tasks` when it ends. */
  track(sp: Body): ITaskletHandle {
    const h = this.sys.spawn(sp, true);
    // The new tasklet has not started yet (it starts when this one yields).
    sp.handle = h;
    this.tasks.add(h);
    return h;
  }

  /** @internal */
  untrack(h: ITaskletHandle | null): void {
    if (h !== null) this.tasks.delete(h);
  }

  /** @internal Broadcasts one announcement. */
  *announce(msg: Uint8Array): Operation<void> {
    yield* this.udpOut.sendto(msg);
  }

  /** @internal Queues a table update; never waits. */
  *update(sp: ITaskletSpawnable): Operation<void> {
    if (!this.stopped) yield* this.dt.dispatch(sp);
  }

  /** @internal In the dispatcher: an announcement from `a` arrived. */
  heard(a: Announcement): void {
    if (this.stopped) return;
    let e = this.entries.get(a.id);
    if (e === undefined) {
      e = {
        id: a.id,
        addr: a.addr,
        tcpPort: a.tcp,
        hello: "pending",
        heard: 0,
        token: 0,
        expiry: null,
        session: false,
      };
      this.entries.set(a.id, e);
      this.emit({ kind: "up", id: a.id, addr: a.addr });
    }
    e.heard++;
    e.addr = a.addr;
    e.tcpPort = a.tcp;
    if (e.hello !== "ok" && !e.session) {
      e.session = true;
      e.hello = "pending";
      this.track(new HelloClient(this, e.id, e.addr, e.tcpPort));
    }
    e.token = this.nextToken++;
    if (e.expiry !== null) e.expiry.kill();
    e.expiry = this.track(new Expiry(this, e.id, e.token));
  }

  /** @internal In the dispatcher: the hello with `id` ended. */
  helloDone(id: string, ok: boolean): void {
    const e = this.entries.get(id);
    if (this.stopped || e === undefined) return;
    e.session = false;
    e.hello = ok ? "ok" : "failed";
    this.emit({ kind: "hello", id, ok });
  }

  /** @internal In the dispatcher: `id` was silent for 3·T since the announcement `token`. */
  drop(id: string, token: number): void {
    const e = this.entries.get(id);
    if (this.stopped || e === undefined || e.token !== token) return;
    this.entries.delete(id);
    this.emit({ kind: "down", id });
  }

  private emit(e: NeighborEvent): void {
    this.opts.onEvent?.(e);
  }
}

/** What an announcement carries. */
interface Announcement {
  id: string;
  addr: string;
  tcp: number;
}

function parseAnnouncement(text: string): Announcement | null {
  try {
    const a = JSON.parse(text) as Partial<Announcement>;
    if (typeof a.id !== "string" || typeof a.addr !== "string" || typeof a.tcp !== "number") return null;
    return { id: a.id, addr: a.addr, tcp: a.tcp };
  } catch {
    return null;
  }
}

/** A tasklet body of the node: it removes itself from the node's tasks when it ends. */
abstract class Body implements ITaskletSpawnable<void> {
  handle: ITaskletHandle | null = null;
  constructor(readonly node: Neighborhood) {}
  *func(): Operation<void> {
    try {
      yield* this.run();
    } finally {
      this.node.untrack(this.handle);
    }
  }
  abstract run(): Operation<void>;
}

class Announcer extends Body {
  *run(): Operation<void> {
    const { sys, opts } = this.node;
    const msg = enc.encode(JSON.stringify({ id: opts.id, addr: opts.addr, tcp: opts.tcpPort }));
    for (;;) {
      try {
        yield* this.node.announce(msg);
      } catch {
        // a send that fails (device down) is a lost announcement: try again next period
      }
      yield* sys.msWait(opts.periodMs);
    }
  }
}

class Listener extends Body {
  constructor(
    node: Neighborhood,
    private readonly sock: IServerDatagramSocket,
  ) {
    super(node);
  }
  *run(): Operation<void> {
    const buf = new Uint8Array(1500);
    for (;;) {
      const { n } = yield* this.sock.recvfrom(buf);
      const a = parseAnnouncement(dec.decode(buf.subarray(0, n)));
      if (a === null || a.id === this.node.opts.id) continue; // garbage, or our own broadcast looped back
      yield* this.node.update(new Heard(this.node, a));
    }
  }
}

class Heard implements ITaskletSpawnable<void> {
  constructor(
    private readonly node: Neighborhood,
    private readonly a: Announcement,
  ) {}
  *func(): Operation<void> {
    this.node.heard(this.a);
  }
}

class Expiry extends Body {
  constructor(
    node: Neighborhood,
    private readonly id: string,
    private readonly token: number,
  ) {
    super(node);
  }
  *run(): Operation<void> {
    yield* this.node.sys.msWait(EXPIRY_PERIODS * this.node.opts.periodMs);
    const { node, id, token } = this;
    yield* node.update({
      *func() {
        node.drop(id, token);
      },
    });
  }
}

/** Reads one `\n`-terminated line of at most 256 bytes. */
function* readLine(s: IConnectedStreamSocket): Operation<string> {
  const buf = new Uint8Array(256);
  let len = 0;
  while (len < buf.length) {
    len += yield* s.recv(buf.subarray(len));
    const nl = buf.subarray(0, len).indexOf(10);
    if (nl >= 0) return dec.decode(buf.subarray(0, nl));
  }
  throw new RangeError("hello line longer than 256 bytes");
}

class HelloClient extends Body {
  constructor(
    node: Neighborhood,
    private readonly id: string,
    private readonly addr: string,
    private readonly port: number,
  ) {
    super(node);
  }
  *run(): Operation<void> {
    const { sys, opts } = this.node;
    let ok = false;
    try {
      const s = yield* sys.getClientStreamSocket(this.addr, this.port, opts.addr);
      try {
        yield* s.send(enc.encode(`HELLO ${opts.id}\n`));
        ok = (yield* readLine(s)) === `HELLO ${this.id}`;
      } finally {
        s.close();
      }
    } catch {
      ok = false;
    }
    const { node, id } = this;
    yield* node.update({
      *func() {
        node.helloDone(id, ok);
      },
    });
  }
}

class Acceptor extends Body {
  constructor(
    node: Neighborhood,
    private readonly sock: IServerStreamSocket,
  ) {
    super(node);
  }
  *run(): Operation<void> {
    for (;;) {
      const s = yield* this.sock.accept();
      this.node.track(new HelloServer(this.node, s));
    }
  }
}

class HelloServer extends Body {
  constructor(
    node: Neighborhood,
    private readonly s: IConnectedStreamSocket,
  ) {
    super(node);
  }
  *run(): Operation<void> {
    try {
      const line = yield* readLine(this.s);
      if (line.startsWith("HELLO ")) yield* this.s.send(enc.encode(`HELLO ${this.node.opts.id}\n`));
    } catch {
      // a peer that hangs up mid-hello: nothing to do
    } finally {
      this.s.close();
    }
  }
}
