/**
 * DNS lookups through c-ares (Node's `dns.Resolver`), blocking only the
 * calling tasklet, with a resolver that follows changes of resolv.conf
 * (libten watches the file with inotify, because c-ares reads it
 * only when a channel is created).
 *
 * A `dns.Resolver` never re-reads resolv.conf, and a watch on the file dies
 * when an editor or a DHCP client replaces it atomically (write a temporary
 * file, rename it over): so a `Resolver` here watches the file's DIRECTORY
 * and marks itself stale when an event names the file. The first lookup
 * after that reads the file again (synchronously: it is a few hundred
 * bytes) and makes a fresh `dns.Resolver`; lookups already in flight finish
 * on the old one. The watch is unref'd: it never keeps the process alive.
 *
 * The file is parsed here, not by c-ares, so that any path can be used
 * (tests, containers). Understood: `nameserver ADDR` lines, where ADDR is an
 * IPv4 or IPv6 address, optionally with a port as c-ares 1.34 also accepts
 * it (`127.0.0.1:5353`, `[::1]:5353`; glibc accepts no port); `options
 * timeout:N attempts:N`. Comments start with `#` or `;`. No nameserver line
 * means 127.0.0.1, as glibc and c-ares default. `search`, `domain` and
 * `sortlist` are ignored: the `resolve*` calls query names as given.
 *
 * A withdrawn lookup (kill, timeout) is abandoned: c-ares cannot cancel one
 * query alone, so it runs to its own end and its answer is dropped.
 *
 * Invariant: `stale` is true whenever the file may differ from what
 * `current` was built from; `watcher` is open while the Resolver is.
 */

import * as dns from "node:dns";
import * as fs from "node:fs";
import { isIP } from "node:net";
import { basename, dirname, resolve as resolvePath } from "node:path";
import { checkInteger, checkOptionKeys, checkString, rangeError } from "../core/check.js";
import type { Operation } from "../core/op.js";
import { type Done, HostOp, ioError } from "./waiting.js";

/** The resolv.conf a `Resolver` follows unless `resolvConf` names another. */
export const DEFAULT_RESOLV_CONF = "/etc/resolv.conf";

/** Options of `new Resolver(options)`. */
export interface ResolverOptions {
  /** The resolv.conf to follow (default /etc/resolv.conf). */
  resolvConf?: string;
  /** Milliseconds per try, overriding the file's `options timeout:N`. */
  timeout?: number;
  /** Tries per server, overriding the file's `options attempts:N`. */
  tries?: number;
}

/** What a resolv.conf says, as far as lookups here use it. */
export interface ResolvConf {
  /** Servers as `dns.setServers` takes them (`1.2.3.4`, `1.2.3.4:5353`, `[::1]:53`). */
  servers: string[];
  /** Seconds per try, if the file says. */
  timeoutSec?: number;
  /** Tries, if the file says. */
  attempts?: number;
}

/**
 * Parses the text of a resolv.conf (see the file's comment for what is understood).
 *
 * @example
 * parseResolvConf("nameserver 10.0.0.1\noptions timeout:2").servers; // ["10.0.0.1"]
 */
export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { servers: [] };
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[#;].*$/, "").trim();
    if (line === "") continue;
    const [key, ...args] = line.split(/\s+/);
    if (key === "nameserver" && args[0] !== undefined) {
      const server = normalizeServer(args[0]);
      if (server !== null) conf.servers.push(server);
    } else if (key === "options") {
      for (const opt of args) {
        const m = /^(timeout|attempts):(\d+)$/.exec(opt);
        if (m === null) continue;
        if (m[1] === "timeout") conf.timeoutSec = Number(m[2]);
        else conf.attempts = Number(m[2]);
      }
    }
  }
  return conf;
}

/** `ADDR`, `IPv4:PORT` or `[IPv6]:PORT` in the form setServers takes, or null if it is none of these. */
function normalizeServer(s: string): string | null {
  if (isIP(s) !== 0) return s;
  const v4 = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(s);
  if (v4 !== null && isIP(v4[1] as string) === 4 && Number(v4[2]) < 65536) return s;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (v6 !== null && isIP(v6[1] as string) === 6 && Number(v6[2]) < 65536) return s;
  return null;
}

/** One record type: the c-ares call and its result. */
type Method =
  | "resolve4"
  | "resolve6"
  | "resolveTxt"
  | "resolveMx"
  | "resolveSrv"
  | "resolveCname"
  | "resolveNs"
  | "reverse";

class LookupOp<R> extends HostOp<R, R> {
  constructor(
    private readonly owner: Resolver,
    private readonly method: Method,
    private readonly name: string,
  ) {
    super();
  }
  protected begin(done: Done<R>): void {
    const r = this.owner.channel() as unknown as Record<Method, (name: string, cb: Done<R>) => void>;
    r[this.method](this.name, done);
  }
  protected finish(error: NodeJS.ErrnoException | null, result: R | undefined): R {
    if (error !== null) throw ioError(`${this.method} ${this.name}${this.owner.unreadNote()}`, error);
    return result as R;
  }
  describe(): string {
    return `${this.method} ${this.name} (DNS)`;
  }
}

/**
 * A c-ares resolver that follows its resolv.conf. Lookups are operations;
 * failures are `IOError`s with c-ares's code (`ENOTFOUND`, `ETIMEOUT`,
 * `ECONNREFUSED`, …).
 *
 * @example
 * const r = createResolver();
 * const addrs = yield* r.resolve4("example.com");
 */
export class Resolver {
  /** The resolv.conf followed (absolute). */
  readonly path: string;
  /** Times the watch saw the file change (or the watch fail). */
  generation = 0;
  /** Times the file was read. */
  reloads = 0;
  private stale = true;
  private current: dns.Resolver | null = null;
  private watcher: fs.FSWatcher | null = null;
  private closed = false;
  /** Why the file could not be read at the last load (its code), or null: read. */
  private unread: string | null = null;

  constructor(private readonly options: ResolverOptions = {}) {
    this.path = resolvePath(options.resolvConf ?? DEFAULT_RESOLV_CONF);
  }

  /** A records: IPv4 addresses. */
  resolve4(host: string): Operation<string[]> {
    return this.lookup("resolve4", host);
  }
  /** AAAA records: IPv6 addresses. */
  resolve6(host: string): Operation<string[]> {
    return this.lookup("resolve6", host);
  }
  /** TXT records: each one's strings. */
  resolveTxt(host: string): Operation<string[][]> {
    return this.lookup("resolveTxt", host);
  }
  /** MX records: `{ exchange, priority }` each. */
  resolveMx(host: string): Operation<dns.MxRecord[]> {
    return this.lookup("resolveMx", host);
  }
  /** SRV records: `{ name, port, priority, weight }` each. */
  resolveSrv(host: string): Operation<dns.SrvRecord[]> {
    return this.lookup("resolveSrv", host);
  }
  /** CNAME records: the names `host` is an alias of. */
  resolveCname(host: string): Operation<string[]> {
    return this.lookup("resolveCname", host);
  }
  /** NS records: the name servers of the zone `host`. */
  resolveNs(host: string): Operation<string[]> {
    return this.lookup("resolveNs", host);
  }
  /** PTR lookup of an IPv4 or IPv6 address: its host names. */
  reverse(ip: string): Operation<string[]> {
    if (isIP(checkString("reverse", "ip", ip, true)) === 0)
      throw rangeError("reverse", "ip", "an IPv4 or IPv6 address", ip);
    return this.lookup("reverse", ip);
  }

  /** The servers lookups go to now (reading the file first if it changed). */
  servers(): string[] {
    return this.channel().getServers();
  }

  /** Stops watching and abandons the lookups in flight (they fail with ECANCELLED). */
  close(): void {
    this.closed = true;
    this.watcher?.close();
    this.watcher = null;
    this.current?.cancel();
  }

  private lookup<R>(method: Method, name: string): Operation<R> {
    checkString(method, method === "reverse" ? "ip" : "host", name, true);
    if (this.closed) throw new TypeError(`${method}: the resolver is closed`);
    return new LookupOp<R>(this, method, name);
  }

  /** @internal What a lookup's error adds when the file could not be read: the servers were the defaults. */
  unreadNote(): string {
    if (this.unread === null) return "";
    return ` (${this.path} could not be read, ${this.unread}: the default server 127.0.0.1 was asked)`;
  }

  /** @internal The c-ares channel to use now: re-made when the file changed. */
  channel(): dns.Resolver {
    if (this.watcher === null && !this.closed) this.watch();
    if (this.stale || this.current === null) this.load();
    return this.current as dns.Resolver;
  }

  /** Watches the directory (before reading, so no change falls between the two). */
  private watch(): void {
    const dir = dirname(this.path);
    const base = basename(this.path);
    try {
      const w = fs.watch(dir, { persistent: false }, (_event, file) => {
        if (file === null || file === base) this.changed();
      });
      w.on("error", () => {
        w.close();
        if (this.watcher === w) this.watcher = null;
        this.changed();
      });
      this.watcher = w;
    } catch {
      // The directory does not exist (yet): read the file at every lookup until it does.
      this.stale = true;
    }
  }

  private changed(): void {
    this.stale = true;
    this.generation++;
  }

  private load(): void {
    let conf: ResolvConf = { servers: [] };
    this.unread = null;
    try {
      conf = parseResolvConf(fs.readFileSync(this.path, "utf8"));
    } catch (e) {
      // No file: the defaults, as glibc and c-ares; a failed lookup says so (unreadNote).
      this.unread = (e as NodeJS.ErrnoException).code ?? "unreadable";
    }
    // Only stay "fresh" while a watch can tell us about the next change.
    this.stale = this.watcher === null;
    this.reloads++;
    const timeoutMs = this.options.timeout ?? (conf.timeoutSec === undefined ? undefined : conf.timeoutSec * 1000);
    const tries = this.options.tries ?? conf.attempts;
    const r = new dns.Resolver({
      ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }),
      ...(tries === undefined ? {} : { tries }),
    });
    r.setServers(conf.servers.length > 0 ? conf.servers : ["127.0.0.1"]);
    this.current = r;
  }
}

/**
 * A resolver following `options.resolvConf` (default /etc/resolv.conf).
 * A `resolvConf` given that cannot be read is an `IOError` at once (its
 * `code`, `ENOENT`…); if the file followed disappears later, lookups go to
 * 127.0.0.1 as glibc's do, and their errors say the file could not be read.
 *
 * @example
 * const r = createResolver({ resolvConf: "/run/my-resolv.conf" });
 * try { yield* r.resolve6("example.com"); } finally { r.close(); }
 */
export function createResolver(options: ResolverOptions = {}): Resolver {
  checkOptionKeys("createResolver", options, ["resolvConf", "timeout", "tries"]);
  if (options.resolvConf !== undefined) {
    const path = resolvePath(checkString("createResolver", "options.resolvConf", options.resolvConf, true));
    try {
      fs.accessSync(path, fs.constants.R_OK);
    } catch (e) {
      // Followed later it could appear, but a path given that does not exist is most likely a mistake:
      // every lookup would go to 127.0.0.1 and fail with ECONNREFUSED, far from the cause.
      throw ioError(`createResolver: options.resolvConf ${path} cannot be read`, e);
    }
  }
  if (options.timeout !== undefined) checkInteger("createResolver", "options.timeout", options.timeout, 1);
  if (options.tries !== undefined) checkInteger("createResolver", "options.tries", options.tries, 1);
  return new Resolver(options);
}

let shared: Resolver | null = null;

/**
 * The resolver of /etc/resolv.conf that the module's own functions use.
 *
 * @example
 * const servers = defaultResolver().servers();
 */
export function defaultResolver(): Resolver {
  shared ??= new Resolver();
  return shared;
}

/**
 * A records of `host` through the default resolver (so also `resolve6`,
 * `resolveTxt`, `reverse`).
 *
 * @example
 * const [addr] = yield* resolve4("example.com");
 */
export function resolve4(host: string): Operation<string[]> {
  return defaultResolver().resolve4(host);
}
/**
 * AAAA records of `host` through the default resolver. Throws `IOError`
 * (code `ENOTFOUND`, `ENODATA`, `ETIMEOUT`, …) when the lookup fails.
 *
 * @example
 * const addrs = yield* resolve6("example.com"); // ["2606:2800:…", …]
 */
export function resolve6(host: string): Operation<string[]> {
  return defaultResolver().resolve6(host);
}
/**
 * TXT records of `host` through the default resolver: each record's strings.
 *
 * @example
 * const spf = (yield* resolveTxt("example.com")).map((r) => r.join("")).find((t) => t.startsWith("v=spf1"));
 */
export function resolveTxt(host: string): Operation<string[][]> {
  return defaultResolver().resolveTxt(host);
}
/**
 * Host names of `ip` (PTR) through the default resolver.
 *
 * @example
 * const [name] = yield* reverse("8.8.8.8"); // "dns.google"
 */
export function reverse(ip: string): Operation<string[]> {
  return defaultResolver().reverse(ip);
}
