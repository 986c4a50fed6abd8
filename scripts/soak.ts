/**
 * `npm run soak`: a seeded churn of spawns, kills, timeouts, selects, channel
 * traffic and TCP resets, run for a fixed time (60 s by default; not part of
 * `npm test`), that checks the runtime's promises under faults.
 *
 *   node --expose-gc dist/scripts/soak.js [--seed N] [--seconds S] [--quiet]
 *
 * The run is cut into epochs (10 s each; shorter runs get at least 3). During
 * an epoch producers, consumers, a killer, a channel churner, scopes whose
 * child fails, tasklets killed while their cleanup waits under `timeout()`,
 * a host callback feeding channels, a TCP echo server, well-behaved TCP
 * clients and raw `node:net` clients that reset mid-stream all run at once.
 * At the end of an epoch (a checkpoint) everything is killed, the channels
 * are closed and drained, and these are checked:
 *
 *   - the ledger: every value id is registered before its send; a send that
 *     returned normally marks it sent, a send that threw, lost its select or
 *     was withdrawn (kill, timeout) marks it failed. A value received twice,
 *     or received although its send failed, is a violation whenever it
 *     happens; a sent value that nobody received is one once the channels
 *     are drained. Sound because a kill or a timeout never takes a value
 *     from a wait it ends, and a wait that won keeps its value (docs/design.md,
 *     "A wait has exactly one outcome", "A kill never loses what a wait
 *     already won"), and closed channels are drained with `tryRecv`;
 *   - TCP: a clean echo session gets back exactly the numbered lines it
 *     sent, in order, once each; a session the server resets gets back a
 *     prefix of them; a lost peer is a `ClosedError` on both sides;
 *   - errors: every error caught is of the exact public class the operation
 *     documents (an internal class such as `Interrupt` is a violation);
 *   - a kill is never lost: a frame whose callee's cleanup ran because of a
 *     kill (and blocked) does not run on after it;
 *   - nothing is left behind: the root is the only live tasklet, the timer
 *     heap is empty, the runtime counts no host hold, no TCP socket stays open;
 *   - heap after GC is flat: sampled at each checkpoint; the last sample
 *     may exceed the first after warm-up by at most 50% + 5 MB.
 *
 * After the run, a tasklet on a fresh runtime waits on a channel that only
 * a host timer feeds: a deadlock reported there is a violation.
 *
 * The choices (which operation, which channel, how many ms) come from a
 * seeded PRNG, each tasklet with its own stream, so a seed replays the same
 * program; the interleaving still depends on real time and the machine.
 * Exits 0 when every check passed, 1 otherwise, naming each failure.
 */

import * as net from "node:net";
import { parseArgs } from "node:util";
import { Runtime, runtime } from "../src/core/runtime.js";
import {
  after,
  type Channel,
  ChannelClosedError,
  ChannelError,
  ChannelTimeoutError,
  ClosedError,
  channel,
  current,
  DeadlockError,
  dump,
  KilledError,
  type Operation,
  run,
  schedule,
  scope,
  select,
  sleep,
  spawn,
  type Tasklet,
  TimeoutError,
  tasklets,
  timeout,
  type Waitable,
} from "../src/index.js";
import { connect, listen, type TcpConn, type TcpServer } from "../src/io/index.js";
import { checkSeed, Xoshiro128 } from "../src/testing/prng.js";
import type { Timers } from "../src/time/timers.js";

// ---- options ----------------------------------------------------------------

const { values: opts } = parseArgs({
  options: {
    seed: { type: "string" },
    seconds: { type: "string", default: "60" },
    quiet: { type: "boolean", default: false },
  },
});
const SEED = checkSeed("soak --seed", opts.seed === undefined ? (Math.random() * 2 ** 32) >>> 0 : Number(opts.seed));
const SECONDS = Number(opts.seconds);
if (!(SECONDS > 0) || SECONDS === Number.POSITIVE_INFINITY) {
  throw new RangeError(`soak --seconds: must be a number > 0, got ${String(opts.seconds)}`);
}
const QUIET = opts.quiet;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error("soak: run with node --expose-gc (npm run soak does)");
  process.exit(2);
}

/** Checkpoints every 10 s, and at least 3 in a run. */
const EPOCH_MS = Math.min(10_000, (SECONDS * 1000) / 3);
const EPOCHS = Math.max(3, Math.round((SECONDS * 1000) / EPOCH_MS));
/** How long a killed tasklet, a stopped session or a closed socket may take to end before it counts as stuck. */
const GIVE_UP_MS = 5000;
/** A producer's sendAsync (which ignores capacity) waits while this many values wait in the channel. */
const MAX_BALANCE = 32;
const CAPACITIES = [0, 1, 16, 0, 1, 16];
const HOST = "127.0.0.1";
const MB = 1024 * 1024;

const rt = runtime();
const started = Date.now();
const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1)} s`;

// ---- violations and figures --------------------------------------------------

interface Violation {
  count: number;
  first: string;
  at: string;
}
const violations = new Map<string, Violation>();
/** Errors already reported as violations, so the guard of a tasklet does not report them twice. */
const reported = new WeakSet<object>();

function violation(kind: string, detail: string): void {
  const v = violations.get(kind);
  if (v !== undefined) v.count++;
  else violations.set(kind, { count: 1, first: detail, at: `${elapsed()} (epoch ${epoch})` });
}

function bump(m: Map<string, number>, key: string, by = 1): void {
  m.set(key, (m.get(key) ?? 0) + by);
}

const stats = {
  spawns: 0,
  kills: 0,
  killsInCleanup: 0,
  /** The documented limit (docs/reliability.md, "Kills"): a helper's caller ran synchronous code after its cleanup waited. */
  helperFrameRanOn: 0,
  sentOk: 0,
  received: 0,
  drained: 0,
  hostSends: 0,
  failedBy: new Map<string, number>(),
  errorsBy: new Map<string, number>(),
  afterFired: 0,
  cleanupTimeouts: 0,
  channelsClosed: 0,
  scopesFailed: 0,
  tcpCleanSessions: 0,
  tcpResetSessions: 0,
  tcpAbandonedSessions: 0,
  tcpLinesEchoed: 0,
  tcpServerAborts: 0,
  tcpRawResets: 0,
  tcpRawClients: 0,
};
const heapSamples: number[] = [];
let epoch = 0;

function errName(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === "string" ? `${e.name} (${code})` : e.name;
  }
  return `non-error ${String(e)}`;
}

function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const stack = (e.stack ?? "").split("\n").slice(1, 6).join("\n");
  return `${errName(e)}: ${e.message}\n${stack}`;
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** Whether `e` is exactly of one of `allowed` (a subclass is not: the contract names the class). */
function isOneOf(e: unknown, allowed: readonly ErrorClass[]): boolean {
  if (typeof e !== "object" || e === null) return false;
  const proto = Object.getPrototypeOf(e);
  return allowed.some((c) => proto === c.prototype);
}

/** Counts `e` if it is of an allowed class; otherwise records a violation. Returns whether it was allowed. */
function checkError(e: unknown, site: string, ...allowed: ErrorClass[]): boolean {
  if (isOneOf(e, allowed)) {
    bump(stats.errorsBy, (e as Error).name);
    return true;
  }
  if (typeof e === "object" && e !== null && reported.has(e)) return false; // reported where it was first caught
  const sub = allowed.some((c) => e instanceof c) ? " (a subclass of the class expected)" : "";
  violation(
    `${site}: caught ${errName(e)}${sub}, expected ${allowed.map((c) => c.name).join(" or ") || "no error"}`,
    describeError(e),
  );
  if (typeof e === "object" && e !== null) reported.add(e);
  return false;
}

/** As checkError, and rethrows an error of a class not allowed (so that the runtime's own handling goes on). */
function expectError(e: unknown, site: string, ...allowed: ErrorClass[]): void {
  if (!checkError(e, site, ...allowed)) throw e;
}

// ---- the ledger of values -----------------------------------------------------

/** Registered, its send not finished. */
const PENDING = 1;
/** Registered, received once, its send not finished (a rendezvous: the receiver ran first). */
const PENDING_RECEIVED = 2;
/** Sent (its send returned normally), not received yet. */
const SENT = 3;

/**
 * Every value in flight, by id. A value leaves the map once settled: sent
 * and received, or failed and not received. A receipt of an id not in the
 * map is a duplicate or a receipt of a failed send (`recent` tells which,
 * for the last ids settled).
 */
class Ledger {
  private next = 1;
  readonly open = new Map<number, number>();
  private readonly recent = new Map<number, string>();

  register(): number {
    const id = this.next++;
    this.open.set(id, PENDING);
    return id;
  }

  received(id: number, how: string): void {
    stats.received++;
    const s = this.open.get(id);
    if (s === PENDING) {
      this.open.set(id, PENDING_RECEIVED);
    } else if (s === SENT) {
      this.open.delete(id);
      this.remember(id, `sent, then received by ${how}`);
    } else if (s === PENDING_RECEIVED) {
      violation("a value was received twice", `value ${id}, the second time by ${how}`);
    } else {
      const before = typeof id !== "number" || id >= this.next ? "never registered" : (this.recent.get(id) ?? "?");
      violation(
        "a value was received twice, or received although its send failed",
        `value ${String(id)} received by ${how}; its earlier outcome: ${before}`,
      );
    }
  }

  sent(id: number): void {
    stats.sentOk++;
    const s = this.open.get(id);
    if (s === PENDING) {
      this.open.set(id, SENT);
    } else if (s === PENDING_RECEIVED) {
      this.open.delete(id);
      this.remember(id, "received, then its send returned");
    } else {
      throw new Error(`soak: value ${id} settled twice by its sender`);
    }
  }

  failed(id: number, why: string): void {
    bump(stats.failedBy, why);
    const s = this.open.get(id);
    this.open.delete(id);
    if (s === PENDING) {
      this.remember(id, `send failed: ${why}`);
    } else if (s === PENDING_RECEIVED) {
      violation("a value was received although its send failed", `value ${id}: send failed with ${why}`);
    } else {
      throw new Error(`soak: value ${id} settled twice by its sender`);
    }
  }

  private remember(id: number, what: string): void {
    this.recent.set(id, what);
    if (this.recent.size > 10_000) this.recent.delete(this.recent.keys().next().value as number);
  }

  /** At a checkpoint (every sender ended, every channel drained): what is still open is a loss. */
  settleAll(): void {
    for (const [id, s] of this.open) {
      if (s === SENT) violation("a value was sent and never received", `value ${id}`);
      else violation("a value's sender never finished its send", `value ${id} (state ${s})`);
    }
    this.open.clear();
    this.recent.clear(); // no value of an epoch can come back after its checkpoint
  }
}
const ledger = new Ledger();

const got = (v: number, how: string): void => ledger.received(v, how);

/** Sends `id` with `op` (a channel send), settling it in the ledger by how `op` ends. */
function* sendTracked(op: Operation<void>, id: number): Operation<void> {
  let settled = false;
  try {
    yield* op;
    settled = true;
    ledger.sent(id);
  } catch (e) {
    if (!settled) {
      settled = true;
      ledger.failed(id, errName(e));
    }
    throw e;
  } finally {
    // Returned by a kill or by a timeout around us: the send was withdrawn, nothing was sent.
    if (!settled) ledger.failed(id, "withdrawn (kill or timeout)");
  }
}

/** sendAsync of a new value (from a tasklet or a host callback). */
function sendAsyncTracked(ch: Channel<number>, site: string): void {
  const id = ledger.register();
  try {
    ch.sendAsync(id);
  } catch (e) {
    ledger.failed(id, errName(e));
    checkError(e, site, ChannelError);
    return;
  }
  ledger.sent(id);
}

// ---- the world of one epoch --------------------------------------------------

interface Role {
  readonly name: string;
  /** The killer may kill it (and spawns another of the same role). */
  readonly killable: boolean;
  readonly body: (rng: Xoshiro128) => Operation<void>;
}

class World {
  readonly chans: Channel<number>[] = CAPACITIES.map((c) => channel<number>(c));
  /** Nobody ever sends on it: a wait on it ends only by a timeout. */
  readonly never = channel<number>();
  stopping = false;
  readonly tracked = new Map<Tasklet, Role>();
  readonly rawSockets = new Set<net.Socket>();
  /**
   * Accepted connections until their handler closes them: a handler killed
   * before it started runs none of its code, so the checkpoint closes those.
   */
  readonly conns = new Set<TcpConn>();
  readonly hostTimers = new Set<NodeJS.Timeout>();
  constructor(readonly port: number) {}
}

function pick<T>(rng: Xoshiro128, items: readonly T[]): T {
  return items[rng.below(items.length)] as T;
}

function pickChan(w: World, rng: Xoshiro128): Channel<number> {
  return pick(rng, w.chans);
}

/** A short timeout: mostly 0–4 ms, sometimes up to 20. */
function smallMs(rng: Xoshiro128): number {
  return rng.below(4) === 0 ? rng.below(21) : rng.below(5);
}

function fork(rng: Xoshiro128): Xoshiro128 {
  return new Xoshiro128(rng.nextU32());
}

/** Spawns a tasklet of `role`, tracked until it ends; an error escaping it is a violation. */
function spawnRole(w: World, role: Role, rng: Xoshiro128): Tasklet<void> {
  const t = spawn(guarded(w, role, fork(rng)), { name: role.name });
  w.tracked.set(t, role);
  stats.spawns++;
  return t;
}

function* guarded(w: World, role: Role, rng: Xoshiro128): Operation<void> {
  try {
    yield* role.body(rng);
  } catch (e) {
    if (!(typeof e === "object" && e !== null && reported.has(e))) {
      violation(`an error escaped a ${role.name}`, describeError(e));
    }
  } finally {
    w.tracked.delete(current());
  }
}

// ---- channel roles -------------------------------------------------------------

/** One send of some kind; errors of the documented classes are counted. */
function* producerStep(w: World, rng: Xoshiro128): Operation<void> {
  const mode = rng.below(7);
  const ch = pickChan(w, rng);
  try {
    switch (mode) {
      case 0: {
        const id = ledger.register();
        yield* sendTracked(ch.send(id), id);
        break;
      }
      case 1:
        if (ch.balance < MAX_BALANCE) sendAsyncTracked(ch, "sendAsync");
        else yield* sleep(1);
        break;
      case 2: {
        const id = ledger.register();
        yield* timeout(smallMs(rng), sendTracked(ch.send(id), id));
        break;
      }
      case 3:
        yield* selectSend(w, rng);
        break;
      case 4:
        yield* timeout(smallMs(rng), nestedSends(w, rng));
        break;
      case 5: {
        const id = ledger.register();
        let ok = false;
        try {
          ok = ch.trySend(id);
        } catch (e) {
          ledger.failed(id, errName(e));
          throw e;
        }
        if (ok) ledger.sent(id);
        else ledger.failed(id, "trySend found no room");
        break;
      }
      default:
        yield* sleep(rng.below(3));
    }
  } catch (e) {
    // ChannelError: the channel was closed (by the churner); TimeoutError: ours; ChannelClosedError: a recv case.
    // Recorded, not rethrown: the producer goes on, so one violation does not stop the churn.
    checkError(e, `producer (mode ${mode})`, ChannelError, TimeoutError, ChannelClosedError);
  }
}

/** A select of 1–3 sends of new values, maybe a receive and an `after()`: exactly one fires. */
function* selectSend(w: World, rng: Xoshiro128): Operation<void> {
  const k = 1 + rng.below(3);
  const ids: number[] = [];
  const cases: Waitable<unknown>[] = [];
  for (let i = 0; i < k; i++) {
    const id = ledger.register();
    ids.push(id);
    cases.push(pickChan(w, rng).send(id));
  }
  const withRecv = rng.below(3) === 0;
  if (withRecv) cases.push(pickChan(w, rng).recv());
  if (rng.below(2) === 0) cases.push(after(smallMs(rng)));
  let settled = false;
  try {
    const r = yield* select(...cases);
    settled = true;
    for (let i = 0; i < k; i++) {
      if (i === r.index) ledger.sent(ids[i] as number);
      else ledger.failed(ids[i] as number, "lost the select");
    }
    if (withRecv && r.index === k) got(r.value as number, "a producer's select");
    else if (r.index >= k) stats.afterFired++;
  } catch (e) {
    if (!settled) {
      settled = true;
      for (const id of ids) ledger.failed(id, errName(e));
    }
    throw e;
  } finally {
    if (!settled) for (const id of ids) ledger.failed(id, "withdrawn (kill or timeout)");
  }
}

/** Runs under an outer timeout: sends under inner timeouts (caught here), and plain sends. */
function* nestedSends(w: World, rng: Xoshiro128): Operation<void> {
  for (let i = 0, n = 1 + rng.below(3); i < n; i++) {
    const id = ledger.register();
    try {
      yield* timeout(smallMs(rng), sendTracked(pickChan(w, rng).send(id), id));
    } catch (e) {
      expectError(e, "the inner timeout of a nested send", TimeoutError, ChannelError);
    }
    const id2 = ledger.register();
    yield* sendTracked(pickChan(w, rng).send(id2), id2);
  }
}

/** One receive of some kind. */
function* consumerStep(w: World, rng: Xoshiro128): Operation<void> {
  const mode = rng.below(8);
  const ch = pickChan(w, rng);
  try {
    switch (mode) {
      case 0:
        got(yield* ch.recv(), "recv");
        break;
      case 1:
        got(yield* ch.recvTimeout(smallMs(rng)), "recvTimeout");
        break;
      case 2:
        got(yield* timeout(smallMs(rng), ch.recv()), "timeout(recv)");
        break;
      case 3: {
        const cases: Waitable<unknown>[] = [];
        for (let i = 0, n = 1 + rng.below(3); i < n; i++) cases.push(pickChan(w, rng).recv());
        const withAfter = rng.below(2) === 0;
        if (withAfter) cases.push(after(smallMs(rng)));
        const r = yield* select(...cases);
        if (withAfter && r.index === cases.length - 1) stats.afterFired++;
        else got(r.value as number, "select");
        break;
      }
      case 4: {
        const r = yield* ch.recvOrDone();
        if (!r.done) got(r.value, "recvOrDone");
        break;
      }
      case 5: {
        const r = ch.tryRecv();
        if (r.ok) got(r.value, "tryRecv");
        yield* schedule();
        break;
      }
      case 6:
        yield* timeout(smallMs(rng), nestedRecvs(w, rng));
        break;
      default:
        yield* sleep(rng.below(3));
    }
  } catch (e) {
    checkError(e, `consumer (mode ${mode})`, ChannelClosedError, ChannelTimeoutError, TimeoutError);
  }
}

/** Runs under an outer timeout: receives under inner timeouts (caught here), and plain receives. */
function* nestedRecvs(w: World, rng: Xoshiro128): Operation<void> {
  for (let i = 0, n = 1 + rng.below(3); i < n; i++) {
    try {
      got(yield* timeout(smallMs(rng), pickChan(w, rng).recv()), "the inner timeout of a nested recv");
    } catch (e) {
      expectError(e, "the inner timeout of a nested recv", TimeoutError, ChannelClosedError);
    }
    got(yield* pickChan(w, rng).recv(), "a recv under an outer timeout");
  }
}

function loopOf(step: (w: World, rng: Xoshiro128) => Operation<void>, w: World) {
  return function* (rng: Xoshiro128): Operation<void> {
    while (!w.stopping) {
      yield* step(w, rng);
      if (rng.below(4) === 0) yield* schedule();
    }
  };
}

/** Kills a random killable tasklet every 0–15 ms and spawns another of its role. */
function killer(w: World) {
  return function* (rng: Xoshiro128): Operation<void> {
    while (!w.stopping) {
      yield* sleep(rng.below(16));
      const victims = [...w.tracked].filter(([, role]) => role.killable);
      if (victims.length === 0) continue;
      const [t, role] = pick(rng, victims);
      t.kill();
      stats.kills++;
      spawnRole(w, role, rng);
    }
  };
}

/** Every 5–105 ms, closes a channel (its waiters fail), drains it and puts a new one in its place. */
function churner(w: World) {
  return function* (rng: Xoshiro128): Operation<void> {
    while (!w.stopping) {
      yield* sleep(5 + rng.below(100));
      const i = rng.below(w.chans.length);
      const old = w.chans[i] as Channel<number>;
      w.chans[i] = channel<number>(old.capacity);
      closeAndDrain(old);
    }
  };
}

/** After close() nothing more can enter the channel: tryRecv takes every value it holds. */
function closeAndDrain(ch: Channel<number>): void {
  ch.close();
  stats.channelsClosed++;
  for (;;) {
    const r = ch.tryRecv();
    if (!r.ok) {
      if (!r.closed) violation("tryRecv on a closed channel said it was open", ch.toString());
      return;
    }
    stats.drained++;
    got(r.value, "the drain of a closed channel");
  }
}

/**
 * Consumes and produces until killed; its cleanup, one frame below the
 * tasklet's body, sends under a timeout and waits under another. When that
 * cleanup ran because of a kill, JavaScript resumes the frame above as if
 * the call had returned (a `yield*` forgets a return once the frame below
 * blocked in its `finally`). The runtime notices at that frame's next op
 * and delivers the kill again there (core/unwind.ts): the synchronous code
 * in between is the documented limit (docs/reliability.md, "Kills"),
 * counted; a wait that completes after it is a lost kill, a violation. The
 * library's own frames (timeout, scope, readFile) re-arm the kill before
 * their caller runs: a scope owner running on is a violation below.
 */
function victim(w: World) {
  return function* (rng: Xoshiro128): Operation<void> {
    const seen = { killed: false };
    yield* victimFrame(w, rng, seen);
    if (seen.killed) {
      stats.helperFrameRanOn++;
      yield* sleep(0); // the kill is delivered again here
      violation(
        "a kill was lost: a killed tasklet went on waiting after its helper's cleanup",
        `${current().describe()} (the victim's own frame, after its cleanup)`,
      );
    }
  };
}

function* victimFrame(w: World, rng: Xoshiro128, seen: { killed: boolean }): Operation<void> {
  let ended = false;
  try {
    while (!w.stopping) {
      if (rng.below(2) === 0) yield* consumerStep(w, rng);
      else yield* producerStep(w, rng);
    }
    ended = true;
  } catch (e) {
    ended = true;
    throw e;
  } finally {
    // Neither the end of the loop nor an error: the generator is being returned, by a kill.
    seen.killed = !ended;
    if (rng.below(2) === 0)
      yield* sleep(rng.below(4)); // a cleanup that blocks without a timeout
    else yield* cleanupUnderTimeouts(w, rng);
  }
}

/** A cleanup that sends under a timeout and waits under another. */
function* cleanupUnderTimeouts(w: World, rng: Xoshiro128): Operation<void> {
  const id = ledger.register();
  try {
    yield* timeout(1 + rng.below(10), sendTracked(pickChan(w, rng).send(id), id));
  } catch (e) {
    checkError(e, "a send under timeout() in a killed tasklet's cleanup", TimeoutError, ChannelError);
  }
  try {
    yield* timeout(1 + rng.below(10), w.never.recv());
    violation("a recv on a channel nobody sends to returned", "in a victim's cleanup");
  } catch (e) {
    if (checkError(e, "a wait under timeout() in a killed tasklet's cleanup", TimeoutError)) stats.cleanupTimeouts++;
  }
}

/** Spawns a victim, kills it after 0–20 ms (sometimes again, in its cleanup) and checks that it ends. */
function victimKiller(w: World) {
  const role: Role = { name: "victim", killable: false, body: victim(w) };
  return function* (rng: Xoshiro128): Operation<void> {
    while (!w.stopping) {
      const v = spawnRole(w, role, rng);
      yield* sleep(rng.below(21));
      v.kill();
      stats.kills++;
      if (rng.below(2) === 0) {
        yield* sleep(rng.below(4));
        if (v.isRunning()) stats.killsInCleanup++;
        v.kill();
      }
      try {
        yield* timeout(GIVE_UP_MS, v.join());
      } catch (e) {
        if (e instanceof TimeoutError) {
          violation(
            `a killed tasklet whose cleanup waits under timeout() did not end within ${GIVE_UP_MS} ms`,
            describeTasklet(v),
          );
        } else {
          checkError(e, "the join of a killed victim", KilledError);
        }
      }
    }
  };
}

class SoakBoom extends Error {
  override name = "SoakBoom";
}

/** Scopes whose child fails after 0–20 ms: the scope throws that error, after every child ended. */
function scoper(w: World) {
  return function* (rng: Xoshiro128): Operation<void> {
    while (!w.stopping) {
      const children: Tasklet[] = [];
      const boom = new SoakBoom("a scope's child failed on purpose");
      const failAfter = rng.below(21);
      const kids = fork(rng);
      const body = scope(function* (s) {
        children.push(s.spawn(loopOf(producerStep, w)(fork(kids)), { name: "scope producer" }));
        children.push(s.spawn(loopOf(consumerStep, w)(fork(kids)), { name: "scope consumer" }));
        children.push(
          s.spawn(
            function* () {
              yield* sleep(failAfter);
              throw boom;
            },
            { name: "scope child that fails" },
          ),
        );
        for (;;) {
          try {
            got(yield* pickChan(w, kids).recv(), "a scope's body");
          } catch (e) {
            expectError(e, "a recv in a scope's body", ChannelClosedError);
          }
        }
      });
      try {
        if (rng.below(3) === 0) yield* timeout(rng.below(30), body);
        else yield* body;
        // The body never returns and a child always fails: only a lost kill (or a lost failure) gets here.
        violation(
          current().isKilled()
            ? "a kill was lost: the code after a scope ran in its killed owner"
            : "a scope whose child failed returned normally",
          `children: ${children.map((c) => `${c.name} ${c.stateName}`).join(", ")}`,
        );
      } catch (e) {
        if (e === boom) stats.scopesFailed++;
        else checkError(e, "a scope whose child fails", TimeoutError);
      }
      for (const c of children) {
        if (c.isRunning()) violation("a scope ended while a child still runs", describeTasklet(c));
      }
    }
  };
}

/** A host timer (outside every tasklet) that feeds channels with sendAsync every 1–5 ms. */
function startHostFeeder(w: World, rng: Xoshiro128): void {
  const tick = (): void => {
    w.hostTimers.delete(h);
    if (w.stopping) return;
    const ch = pickChan(w, rng);
    if (ch.balance < MAX_BALANCE) {
      sendAsyncTracked(ch, "a host callback's sendAsync");
      stats.hostSends++;
    }
    h = setTimeout(tick, 1 + rng.below(5));
    w.hostTimers.add(h);
  };
  let h = setTimeout(tick, 1);
  w.hostTimers.add(h);
}

// ---- TCP roles ------------------------------------------------------------------

function acceptLoop(w: World, server: TcpServer) {
  const role = (conn: TcpConn): Role => ({ name: "echo handler", killable: false, body: () => echoHandler(w, conn) });
  return function* (rng: Xoshiro128): Operation<void> {
    for (;;) {
      let conn: TcpConn;
      try {
        conn = yield* server.accept();
      } catch (e) {
        expectError(e, "accept", ClosedError);
        return;
      }
      w.conns.add(conn);
      spawnRole(w, role(conn), rng);
    }
  };
}

/**
 * Echoes each line. A line `s N` starts a session that the server resets
 * (abort) when the (N+1)-th numbered line comes (N = -1: never).
 */
function* echoHandler(w: World, conn: TcpConn): Operation<void> {
  let abortAfter = -1;
  let n = 0;
  try {
    for (;;) {
      const line = yield* conn.readLine();
      if (line.startsWith("s ")) {
        abortAfter = Number(line.slice(2));
        continue;
      }
      if (abortAfter >= 0 && n >= abortAfter) {
        conn.abort();
        stats.tcpServerAborts++;
        return;
      }
      n++;
      yield* conn.send(`${line}\n`);
    }
  } catch (e) {
    // The peer closed, reset or vanished: a lost peer is a ClosedError (docs/design.md), whatever the code.
    expectError(e, "the echo server's recv or send on a lost peer", ClosedError);
  } finally {
    conn.close();
    w.conns.delete(conn);
  }
}

/** Sessions of numbered lines, each checked against its echo. */
function tcpClient(w: World) {
  const readerRole = (conn: TcpConn, out: Session): Role => ({
    name: "echo reader",
    killable: false,
    body: () => echoReader(conn, out),
  });
  return function* (rng: Xoshiro128): Operation<void> {
    while (!w.stopping) {
      const n = 1 + rng.below(100);
      const abortAfter = rng.below(3) === 0 ? rng.below(n + 1) : -1;
      const s: Session = { echoed: [], garbled: [], end: null };
      let conn: TcpConn;
      try {
        conn = yield* connect({ host: HOST, port: w.port });
      } catch (e) {
        checkError(e, "connect to the echo server"); // no error is allowed: the server listens
        yield* sleep(10);
        continue;
      }
      let attempted = 0;
      let sendError: unknown = null;
      let checked = false;
      let reader: Tasklet<void> | null = null;
      try {
        reader = spawnRole(w, readerRole(conn, s), rng);
        try {
          yield* conn.send(`s ${abortAfter}\n`);
          for (let i = 0; i < n; ) {
            const k = Math.min(n - i, 1 + rng.below(4));
            let lines = "";
            for (let j = 0; j < k; j++) lines += `m${i + j}\n`;
            attempted = i + k;
            yield* conn.send(lines);
            i += k;
            if (rng.below(4) === 0) yield* sleep(rng.below(2));
          }
        } catch (e) {
          sendError = e;
        }
        conn.shutdown();
        try {
          yield* timeout(GIVE_UP_MS, reader.join());
        } catch (e) {
          if (!(e instanceof TimeoutError)) throw e;
          violation(`an echo session did not end within ${GIVE_UP_MS} ms`, `${conn}`);
          continue;
        }
        checked = true;
        checkSession(s, n, abortAfter, attempted, sendError);
      } finally {
        // A kill may land at any op from the connect on: the connection is closed whatever happened.
        if (!checked) stats.tcpAbandonedSessions++;
        reader?.kill();
        conn.close();
      }
    }
  };
}

interface Session {
  echoed: number[];
  garbled: string[];
  /** How the echo stream ended (a ClosedError at the end of stream). */
  end: unknown;
}

function* echoReader(conn: TcpConn, s: Session): Operation<void> {
  for (;;) {
    let line: string;
    try {
      line = yield* conn.readLine();
    } catch (e) {
      s.end = e;
      return;
    }
    const m = /^m(\d+)$/.exec(line);
    if (m === null) s.garbled.push(line);
    else s.echoed.push(Number(m[1]));
  }
}

function checkSession(s: Session, n: number, abortAfter: number, attempted: number, sendError: unknown): void {
  checkError(s.end, "the end of an echo stream", ClosedError);
  if (s.garbled.length > 0) violation("an echo session got lines it never sent", JSON.stringify(s.garbled.slice(0, 5)));
  const firstWrong = s.echoed.findIndex((v, i) => v !== i);
  stats.tcpLinesEchoed += s.echoed.length;
  if (abortAfter < 0) {
    stats.tcpCleanSessions++;
    if (sendError !== null) checkError(sendError, "a send of a session the server does not reset");
    if (firstWrong >= 0 || s.echoed.length !== n) {
      violation(
        "a clean echo session did not get back exactly the lines it sent, once each, in order",
        `sent ${n}, echoed ${s.echoed.length}, first wrong at ${firstWrong}: ${JSON.stringify(s.echoed.slice(0, 20))}`,
      );
    }
  } else {
    stats.tcpResetSessions++;
    if (sendError !== null) checkError(sendError, "a send on a connection the server reset", ClosedError);
    if (firstWrong >= 0 || s.echoed.length > Math.min(abortAfter, attempted)) {
      violation(
        "a reset echo session got back more than a prefix of the lines it sent",
        `reset after ${abortAfter}, sent ${attempted}, echoed ${JSON.stringify(s.echoed.slice(0, 20))}`,
      );
    }
  }
}

/** Raw node:net clients: write a few lines, then reset (resetAndDestroy), destroy or end after 0–15 ms. */
function rawResetter(w: World) {
  return function* (rng: Xoshiro128): Operation<void> {
    while (!w.stopping) {
      yield* sleep(2 + rng.below(30));
      const lines = 1 + rng.below(20);
      const how = rng.below(3);
      const delay = rng.below(16);
      const reads = rng.below(2) === 0;
      const sock = net.connect({ host: HOST, port: w.port });
      stats.tcpRawClients++;
      w.rawSockets.add(sock);
      sock.on("error", () => {});
      if (reads) sock.on("data", () => {});
      sock.on("close", () => w.rawSockets.delete(sock));
      sock.on("connect", () => {
        for (let i = 0; i < lines; i++) sock.write(`r${i}\n`);
        const h = setTimeout(() => {
          w.hostTimers.delete(h);
          if (how === 0) {
            sock.resetAndDestroy();
            stats.tcpRawResets++;
          } else if (how === 1) {
            sock.destroy();
            stats.tcpRawResets++;
          } else {
            sock.end();
          }
        }, delay);
        w.hostTimers.add(h);
      });
    }
  };
}

// ---- epochs and checkpoints ----------------------------------------------------

function describeTasklet(t: Tasklet): string {
  const info = tasklets({ runtime: rt }).find((i) => i.id === t.id);
  if (info === undefined) return `${t.name} (#${t.id}, ended)`;
  return `#${info.id} ${info.name}${info.killed ? " (killed)" : ""}: ${info.state}${info.waitsOn === null ? "" : `, waits on ${info.waitsOn}`}${info.suspendedAt === null ? "" : ` at ${info.suspendedAt.slice(0, 3).join(" < ")}`}`;
}

function* runEpoch(rng: Xoshiro128): Operation<void> {
  const server = yield* listen({ port: 0, host: HOST });
  const w = new World(server.address.port);
  const roles: [Role, number][] = [
    [{ name: "producer", killable: true, body: loopOf(producerStep, w) }, 10],
    [{ name: "consumer", killable: true, body: loopOf(consumerStep, w) }, 10],
    [{ name: "killer", killable: false, body: killer(w) }, 1],
    [{ name: "churner", killable: false, body: churner(w) }, 1],
    [{ name: "victim killer", killable: false, body: victimKiller(w) }, 2],
    [{ name: "scoper", killable: false, body: scoper(w) }, 2],
    [{ name: "accept loop", killable: false, body: acceptLoop(w, server) }, 1],
    [{ name: "tcp client", killable: false, body: tcpClient(w) }, 2],
    [{ name: "raw resetter", killable: false, body: rawResetter(w) }, 1],
  ];
  for (const [role, count] of roles) for (let i = 0; i < count; i++) spawnRole(w, role, rng);
  startHostFeeder(w, fork(rng));

  yield* sleep(EPOCH_MS);

  // Stop: host sources first, then every tasklet (again, for those spawned meanwhile).
  w.stopping = true;
  for (const h of w.hostTimers) clearTimeout(h);
  w.hostTimers.clear();
  for (const s of w.rawSockets) s.destroy();
  const stuck = new Set<Tasklet>();
  const deadline = Date.now() + GIVE_UP_MS;
  for (let round = 0; w.tracked.size > stuck.size && round < 100; round++) {
    const all = [...w.tracked.keys()].filter((t) => !stuck.has(t));
    for (const t of all) t.kill();
    for (const t of all) {
      try {
        yield* timeout(Math.max(0, deadline - Date.now()), t.join());
      } catch (e) {
        if (e instanceof TimeoutError) stuck.add(t);
        else if (!(e instanceof KilledError)) checkError(e, "the join of a tasklet at a checkpoint", KilledError);
      }
    }
  }
  for (const t of stuck) {
    violation(`a killed tasklet did not end within ${GIVE_UP_MS} ms`, describeTasklet(t));
  }
  server.close();
  for (const s of w.rawSockets) s.destroy(); // made by a resetter that was killed after stopping began
  for (const c of w.conns) c.close();
  for (const ch of w.chans) closeAndDrain(ch);

  // Nothing left behind.
  if (rt.liveCount !== 1) {
    const others = tasklets({ runtime: rt }).filter((i) => i.state !== "running");
    violation(
      "tasklets were left behind at a checkpoint",
      `${others.length} live besides the root:\n${others
        .slice(0, 8)
        .map((i) => `  #${i.id} ${i.name}${i.killed ? " (killed)" : ""}: ${i.waitsOn ?? i.state}`)
        .join("\n")}`,
    );
  }
  const timers = rt.timers as Timers | null;
  if (timers !== null && timers.size > 0) {
    violation(
      "timers were left behind at a checkpoint",
      `${timers.size} armed: ${timers
        .entries()
        .slice(0, 8)
        .map((t) => t.describe())
        .join("; ")}`,
    );
  }
  ledger.settleAll();
  const sockets = (): number =>
    process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap" || r === "TCPServerWrap").length;
  for (let i = 0; i < GIVE_UP_MS / 10 && sockets() > 0; i++) yield* sleep(10);
  if (sockets() > 0) {
    violation(`TCP sockets were still open ${GIVE_UP_MS} ms after a checkpoint closed them`, openSockets());
  }
  if (rt.holds !== 0) {
    violation("host holds were left behind at a checkpoint (the deadlock detector would never fire)", `${rt.holds}`);
  }

  (gc as () => void)();
  (gc as () => void)();
  heapSamples.push(process.memoryUsage().heapUsed);
}

/** The open TCP handles, for the report (Node's undocumented list of handles, when it has one). */
function openSockets(): string {
  const list = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? [];
  const out: string[] = [];
  for (const h of list) {
    if (h instanceof net.Socket) out.push(`socket ${h.localPort}->${h.remotePort} ${h.readyState}`);
    else if (h instanceof net.Server) out.push(`server ${JSON.stringify(h.address())}`);
  }
  return out.join(", ");
}

function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}

function progress(): string {
  const bad = [...violations.values()].reduce((a, v) => a + v.count, 0);
  return `sent ${stats.sentOk}, received ${stats.received}, kills ${stats.kills}, heap ${mb(heapSamples.at(-1) ?? 0)}, violations ${bad}`;
}

/**
 * A tasklet waiting on a channel that only a host timer feeds is not
 * deadlocked (docs/design.md, "A deadlock is declared only when nothing
 * can wake a tasklet"). On a runtime of its own, so that what the churn
 * may have left behind does not count.
 */
async function hostFedProbe(): Promise<void> {
  try {
    const v = await run(
      function* () {
        const ch = channel<number>();
        const h = setTimeout(() => ch.sendAsync(7), 20);
        try {
          return yield* ch.recv();
        } finally {
          clearTimeout(h);
        }
      },
      { runtime: new Runtime() },
    );
    if (v !== 7) violation("the host-fed probe received the wrong value", String(v));
  } catch (e) {
    if (e instanceof DeadlockError) {
      violation("a deadlock was declared while a host timer could still feed the channel", e.message);
    } else {
      violation("the host-fed probe failed", describeError(e));
    }
  }
}

async function soak(): Promise<number> {
  const rng = new Xoshiro128(SEED);
  console.log(
    `soak: seed ${SEED}, ${SECONDS} s, ${EPOCHS} epochs of ${(EPOCH_MS / 1000).toFixed(1)} s (node ${process.version})`,
  );
  const watchdog = setTimeout(
    () => {
      console.log(`soak: hung (${elapsed()}); tasklets:\n${dump({ runtime: rt })}`);
      report();
      process.exit(1);
    },
    SECONDS * 1000 + 60_000 + EPOCHS * 3 * GIVE_UP_MS,
  );
  watchdog.unref();
  try {
    await run(
      function* () {
        for (epoch = 1; epoch <= EPOCHS; epoch++) {
          yield* runEpoch(fork(rng));
          if (!QUIET) console.log(`checkpoint ${epoch} at ${elapsed()}: ${progress()}`);
        }
      },
      {
        name: "soak",
        onUncaught: (e) => violation("an uncaught error was reported", describeError(e.cause)),
      },
    );
  } catch (e) {
    violation("the soak's root failed", describeError(e));
  }
  await hostFedProbe();
  clearTimeout(watchdog);
  return report();
}

/** Prints the summary; returns the exit code. */
function report(): number {
  const timeouts =
    (stats.errorsBy.get("TimeoutError") ?? 0) + (stats.errorsBy.get("ChannelTimeoutError") ?? 0) + stats.afterFired;
  const byCount = (m: Map<string, number>): string =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(", ") || "none";
  const base = heapSamples.length >= 3 ? (heapSamples[1] as number) : (heapSamples[0] ?? 0);
  const last = heapSamples.at(-1) ?? 0;
  const limit = base * 1.5 + 5 * MB;
  if (heapSamples.length > 0 && last > limit) {
    violation("the heap after GC grew", `last ${mb(last)} > 1.5 x ${mb(base)} + 5 MB = ${mb(limit)}`);
  }
  const lines = [
    "",
    `soak summary: seed ${SEED}, ${SECONDS} s (${elapsed()} with checks), ${epoch - 1} of ${EPOCHS} checkpoints`,
    `  values: sent ${stats.sentOk}, received ${stats.received} (${stats.drained} drained from closed channels), host sendAsync ${stats.hostSends}`,
    `  failed sends by cause: ${byCount(stats.failedBy)}`,
    `  errors caught by class: ${byCount(stats.errorsBy)}`,
    `  tasklets spawned ${stats.spawns}, kills ${stats.kills} (${stats.killsInCleanup} of a tasklet in its cleanup; ${stats.helperFrameRanOn} times a helper's caller ran synchronous code after its waiting cleanup, the documented limit, then was killed again at its next op)`,
    `  timeouts fired ${timeouts} (after() ${stats.afterFired}, in killed tasklets' cleanup ${stats.cleanupTimeouts}), channels closed ${stats.channelsClosed}, scopes failed ${stats.scopesFailed}`,
    `  tcp: sessions clean ${stats.tcpCleanSessions}, reset by the server ${stats.tcpResetSessions} (aborts ${stats.tcpServerAborts}), abandoned ${stats.tcpAbandonedSessions}; lines echoed ${stats.tcpLinesEchoed}; raw clients ${stats.tcpRawClients}, of which reset ${stats.tcpRawResets}`,
    `  heap after GC at each checkpoint: ${heapSamples.map(mb).join(", ") || "none"} (limit ${mb(limit)} from ${mb(base)})`,
  ];
  if (violations.size === 0) {
    lines.push("  verdict: PASS");
  } else {
    lines.push(`  verdict: FAIL (${violations.size} kinds of violation)`);
    for (const [kind, v] of violations) {
      lines.push(`  - ${kind}: ${v.count}x, first at ${v.at}`);
      if (v.first !== "") lines.push(v.first.replace(/^/gm, "      "));
    }
  }
  console.log(lines.join("\n"));
  return violations.size === 0 ? 0 : 1;
}

soak().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error("soak: crashed", e);
    process.exit(1);
  },
);
