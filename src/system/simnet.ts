/**
 * An in-memory network for tests: hosts with named devices on links, each a
 * `Network` (network.ts) that a tasklet system opens its sockets on, so a
 * module written against ITasklet runs unchanged on three simulated hosts in
 * one process, and a test drives lost datagrams and failed links.
 *
 * Model:
 *   - a link is a broadcast domain; a device belongs to one host and one
 *     link and has one address; links and devices can be taken down;
 *   - a UDP datagram sent on a device reaches every socket bound to that
 *     port on a device of the same link (the sender's own host included, as
 *     Linux loops a broadcast back), unless it is lost: the link or either
 *     device is down, the sender's, the link's or the network's drop counter
 *     is > 0 (`dropFrom`, `dropNext`),
 *     or the seeded draw against `dropProbability` says so. A lost datagram
 *     is lost for every receiver (it is lost on the wire);
 *   - TCP-like streams are reliable and ordered; `connect` reaches an
 *     address on a link the connecting host shares with it, while that link
 *     and both devices are up (else EHOSTUNREACH), and a listener on the
 *     port (else ECONNREFUSED). An established stream is not affected by a
 *     link going down later (real TCP would stall and retry; this stays out
 *     of the model);
 *   - nothing takes time: a datagram or a byte is delivered within the send,
 *     and nothing here reads a clock, so the outcome depends on the schedule
 *     only. Under the deterministic runtime, with a fixed seed, a run repeats
 *     exactly.
 *
 * Invariants: a (device, port) pair has at most one UDP socket; a port of a
 * host has at most one listener; `SimNetwork.prng` is drawn from once per
 * datagram that reached the wire (link and devices up, no forced drop), so
 * the draws, too, depend only on the order of sends. The generator is the
 * package's one (core/prng.ts).
 */

import { checkInteger, checkOptionKeys } from "../core/check.js";
import { IOError } from "../core/errors.js";
import type { Operation } from "../core/op.js";
import { Xoshiro128 } from "../core/prng.js";
import type {
  IClientDatagramSocket,
  IConnectedStreamSocket,
  IServerDatagramSocket,
  IServerStreamSocket,
} from "./interfaces.js";
import type { Network } from "./network.js";
import { Now, type SimDatagram, SimDatagramClient, SimDatagramServer, SimListener, SimStream } from "./sim-sockets.js";

/** Counters of a network, for tests. */
export interface SimStats {
  /** Datagrams sent. */
  sent: number;
  /** Datagrams lost on the wire (down, forced drop, or drawn). */
  dropped: number;
  /** Copies handed to receiving sockets. */
  delivered: number;
}

/**
 * A broadcast domain of a `SimNetwork`: a datagram sent on it reaches every
 * device on it. Made by `SimHost.addDevice` when a link name is new.
 *
 * @example
 * const net = new SimNetwork();
 * net.host("a").addDevice("eth0", "lan", "10.0.0.1");
 * const lan = net.links.get("lan");
 * if (lan !== undefined) lan.dropNext = 2; // the next two datagrams on "lan" are lost
 * @hideconstructor
 */
export class SimLink {
  /** False while the link is down: nothing crosses it (`SimNetwork.setLinkUp`). */
  up = true;
  /** Datagrams sent on this link that are still to be dropped. */
  dropNext = 0;
  /** The devices on the link, in the order they were added. */
  readonly devices: SimDevice[] = [];
  constructor(
    /** The link's name, as given to `addDevice`. */
    readonly name: string,
  ) {}
}

/**
 * A host's network interface on a link. Made by `SimHost.addDevice`.
 *
 * @example
 * const net = new SimNetwork();
 * const a = net.host("a").addDevice("eth0", "lan", "10.0.0.1");
 * net.setDeviceUp("a", "eth0", false); // the cable is pulled: eth0 neither sends nor receives
 * a.devices.get("eth0")?.up;             // false
 * @hideconstructor
 */
export class SimDevice {
  /** False while the device is down: it neither sends nor receives. */
  up = true;
  /** @internal UDP sockets bound to this device, by port. */
  readonly udp = new Map<number, SimDatagramServer>();
  constructor(
    /** The host it belongs to. */
    readonly host: SimHost,
    /** Its name on the host (`eth0`). */
    readonly name: string,
    /** The link it is on. */
    readonly link: SimLink,
    /** Its IP address, unique in the network. */
    readonly addr: string,
  ) {}
}

/** Options of `new SimNetwork`. */
export interface SimNetworkOptions {
  /** Seed of the draws of `dropProbability` (default 1; an integer, taken modulo 2^32), drawn with xoshiro128** (core/prng.ts). */
  seed?: number;
  /** Probability that a datagram is lost, drawn from the seed (default 0). */
  dropProbability?: number;
}

/**
 * A simulated network: links, hosts, and the knobs a test turns.
 *
 * @example
 * const net = new SimNetwork({ seed: 7 });
 * const a = net.host("a").addDevice("eth0", "lan", "10.0.0.1");
 * const b = net.host("b").addDevice("eth0", "lan", "10.0.0.2");
 * const sysA = createTaskletSystem({ network: a });
 * net.dropNext(1);               // the next datagram on any link is lost
 * net.setLinkUp("lan", false);   // nothing crosses "lan" until it is up again
 */
export class SimNetwork {
  /** The links by name (made by `SimHost.addDevice`). */
  readonly links = new Map<string, SimLink>();
  /** The hosts by name (made by `host(name)`). */
  readonly hosts = new Map<string, SimHost>();
  /** Datagrams sent, dropped and delivered so far. */
  readonly stats: SimStats = { sent: 0, dropped: 0, delivered: 0 };
  /** Datagrams on any link still to be dropped. */
  private dropAny = 0;
  private dropP = 0;
  private readonly prng: Xoshiro128;

  constructor(options: SimNetworkOptions = {}) {
    checkOptionKeys("SimNetwork", options, ["seed", "dropProbability"]);
    const seed = checkInteger("SimNetwork", "options.seed", options.seed ?? 1, Number.MIN_SAFE_INTEGER);
    this.prng = new Xoshiro128(seed);
    if (options.dropProbability !== undefined) this.dropProbability = options.dropProbability;
  }

  /** The link named `name`, made on first use. */
  link(name: string): SimLink {
    checkName("SimNetwork.link", "name", name);
    let l = this.links.get(name);
    if (l === undefined) {
      l = new SimLink(name);
      this.links.set(name, l);
    }
    return l;
  }

  /** A new host named `name` (RangeError if the name is taken). */
  host(name: string): SimHost {
    checkName("SimNetwork.host", "name", name);
    if (this.hosts.has(name)) throw new RangeError(`SimNetwork.host: a host named ${name} exists`);
    const h = new SimHost(this, name);
    this.hosts.set(name, h);
    return h;
  }

  /** Probability in [0, 1] that a datagram that reached the wire is lost. */
  get dropProbability(): number {
    return this.dropP;
  }
  set dropProbability(p: number) {
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
      throw new RangeError(`SimNetwork: dropProbability must be a number in [0, 1], got ${String(p)}`);
    }
    this.dropP = p;
  }

  /** Loses the next `n` datagrams sent on `link` (on any link if omitted). */
  dropNext(n: number, link?: string): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`SimNetwork.dropNext: n must be an integer >= 0, got ${n}`);
    if (link === undefined) this.dropAny = n;
    else this.existingLink("SimNetwork.dropNext", link).dropNext = n;
  }

  /** Loses the next `n` datagrams that host `host` sends. */
  dropFrom(host: string, n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`SimNetwork.dropFrom: n must be an integer >= 0, got ${n}`);
    const h = this.hosts.get(host);
    if (h === undefined) throw new RangeError(`SimNetwork.dropFrom: no host named ${host}`);
    h.dropNext = n;
  }

  /** Takes a link down (nothing crosses it) or up again. */
  setLinkUp(link: string, up: boolean): void {
    this.existingLink("SimNetwork.setLinkUp", link).up = up;
  }

  /** Takes one device of a host down (its cable pulled) or up again. */
  setDeviceUp(host: string, dev: string, up: boolean): void {
    const h = this.hosts.get(host);
    if (h === undefined) throw new RangeError(`SimNetwork.setDeviceUp: no host named ${host}`);
    const d = h.devices.get(dev);
    if (d === undefined) throw new RangeError(`SimNetwork.setDeviceUp: host ${host} has no device ${dev}`);
    d.up = up;
  }

  /** The device that has address `addr`, or undefined. */
  deviceOf(addr: string): SimDevice | undefined {
    for (const l of this.links.values()) for (const d of l.devices) if (d.addr === addr) return d;
    return undefined;
  }

  /** Sends a datagram from device `from` to `port` on its link. */
  broadcast(from: SimDevice, port: number, d: SimDatagram): void {
    this.stats.sent++;
    const link = from.link;
    if (!link.up || !from.up) {
      this.stats.dropped++;
      return;
    }
    if (from.host.dropNext > 0 || link.dropNext > 0 || this.dropAny > 0) {
      if (from.host.dropNext > 0) from.host.dropNext--;
      else if (link.dropNext > 0) link.dropNext--;
      else this.dropAny--;
      this.stats.dropped++;
      return;
    }
    if (this.dropP > 0 && this.prng.random() < this.dropP) {
      this.stats.dropped++;
      return;
    }
    for (const dev of link.devices) {
      if (!dev.up) continue;
      const s = dev.udp.get(port);
      if (s === undefined) continue;
      this.stats.delivered++;
      s.deliver(d);
    }
  }

  private existingLink(what: string, name: string): SimLink {
    const l = this.links.get(name);
    if (l === undefined) throw new RangeError(`${what}: no link named ${name}`);
    return l;
  }
}

function checkName(what: string, arg: string, v: unknown): void {
  if (typeof v !== "string" || v === "") throw new TypeError(`${what}: ${arg} must be a non-empty string`);
}

/** First port handed out when a socket needs one of its own. */
const EPHEMERAL_FIRST = 32768;

/**
 * A simulated host: its devices and its port space. It is a `Network`:
 * pass it to `createTaskletSystem({ network: host })`. Made by
 * `SimNetwork.host(name)`.
 *
 * @example
 * const net = new SimNetwork();
 * const a = net.host("a").addDevice("eth0", "lan", "10.0.0.1");
 * const b = net.host("b").addDevice("eth0", "lan", "10.0.0.2");
 * const sysA = createTaskletSystem({ network: a });
 * const sysB = createTaskletSystem({ network: b });
 * const server = yield* sysB.getServerStreamSocket(80);
 * const conn = yield* sysA.getClientStreamSocket("10.0.0.2", 80);
 * @hideconstructor
 */
export class SimHost implements Network {
  /** Its devices by name (`addDevice`). */
  readonly devices = new Map<string, SimDevice>();
  /** @internal Its listening TCP sockets, by port. */
  readonly listeners = new Map<number, SimListener>();
  /** Datagrams this host sends that are still to be dropped. */
  dropNext = 0;
  private nextPort = EPHEMERAL_FIRST;

  constructor(
    /** The network it is part of. */
    readonly net: SimNetwork,
    /** Its name, unique in the network. */
    readonly name: string,
  ) {}

  /** Adds device `dev` with address `addr` on link `link` (made if new). Returns the host. */
  addDevice(dev: string, link: string, addr: string): this {
    checkName("SimHost.addDevice", "dev", dev);
    checkName("SimHost.addDevice", "addr", addr);
    if (this.devices.has(dev)) throw new RangeError(`SimHost.addDevice: ${this.name} has a device ${dev}`);
    if (this.net.deviceOf(addr) !== undefined) throw new RangeError(`SimHost.addDevice: address ${addr} is taken`);
    const l = this.net.link(link);
    const d = new SimDevice(this, dev, l, addr);
    l.devices.push(d);
    this.devices.set(dev, d);
    return this;
  }

  listen(port: number, myAddr: string | null): Operation<IServerStreamSocket> {
    return new Now(() => {
      if (myAddr !== null) this.ownAddress(myAddr);
      if (port === 0) port = this.ephemeral();
      if (this.listeners.has(port)) throw ioError(`listen on port ${port}: address already in use`, "EADDRINUSE");
      const l = new SimListener(port, myAddr, () => this.listeners.delete(port));
      this.listeners.set(port, l);
      return l;
    });
  }

  connect(destAddr: string, destPort: number, myAddr: string | null): Operation<IConnectedStreamSocket> {
    return new Now(() => {
      const mine = myAddr === null ? null : this.ownAddress(myAddr);
      const dest = this.net.deviceOf(destAddr);
      const via = dest === undefined ? undefined : this.route(dest, mine);
      if (dest === undefined || via === undefined) {
        throw ioError(`connect to ${destAddr}:${destPort}: no route to host`, "EHOSTUNREACH");
      }
      const l = dest.host.listeners.get(destPort);
      if (l === undefined || (l.addr !== null && l.addr !== destAddr)) {
        throw ioError(`connect to ${destAddr}:${destPort}: connection refused`, "ECONNREFUSED");
      }
      const [client, server] = SimStream.pair(via.addr, destAddr);
      l.offer(server);
      return client;
    });
  }

  udpServer(port: number, dev: string): Operation<IServerDatagramSocket> {
    return new Now(() => {
      const d = this.device(dev);
      if (d.udp.has(port)) throw ioError(`bind UDP port ${port} on ${dev}: address already in use`, "EADDRINUSE");
      const s = new SimDatagramServer(port, dev, () => {
        if (d.udp.get(port) === s) d.udp.delete(port);
      });
      d.udp.set(port, s);
      return s;
    });
  }

  udpClient(port: number, dev: string, myAddr: string | null): Operation<IClientDatagramSocket> {
    return new Now(() => {
      const d = this.device(dev);
      const src = myAddr ?? d.addr;
      if (myAddr !== null) this.ownAddress(myAddr);
      const srcPort = this.ephemeral();
      return new SimDatagramClient((data) => this.net.broadcast(d, port, { data, srcIp: src, srcPort }));
    });
  }

  /** This host's device on a link shared with `dest`, all up (from `mine` if given). */
  private route(dest: SimDevice, mine: SimDevice | null): SimDevice | undefined {
    if (!dest.up || !dest.link.up) return undefined;
    if (dest.host === this) return mine ?? dest;
    for (const d of this.devices.values()) {
      if (d.link === dest.link && d.up && (mine === null || mine === d)) return d;
    }
    return undefined;
  }

  private device(dev: string): SimDevice {
    const d = this.devices.get(dev);
    if (d === undefined) throw ioError(`${this.name} has no device ${dev}`, "ENODEV");
    return d;
  }

  private ownAddress(addr: string): SimDevice {
    for (const d of this.devices.values()) if (d.addr === addr) return d;
    throw ioError(`${addr} is not an address of ${this.name}`, "EADDRNOTAVAIL");
  }

  private ephemeral(): number {
    const p = this.nextPort;
    this.nextPort = p === 60999 ? EPHEMERAL_FIRST : p + 1;
    return p;
  }
}

function ioError(message: string, code: string): IOError {
  return new IOError(`${message} (${code})`, { code });
}
