/**
 * Process signals as something a tasklet waits for (as libtf's signalfd).
 *
 * A signal is caught only while someone listens for it: a tasklet in
 * `waitSignal`, or an open `SignalSet`. The first listener installs one
 * Node handler (`process.on(sig)`); when the last one leaves (woken,
 * killed, timed out, closed) the handler is removed and the signal's
 * default action is back (Node's, e.g. SIGTERM ends the process; for
 * SIGUSR1, which Node keeps for its inspector, libuv restores SIG_DFL).
 *
 *   - `waitSignal(sig)`: one wait. Every tasklet waiting for `sig` when it
 *     arrives is woken (a broadcast, like Go's signal.Notify to each channel).
 *     Between two waits nobody listens: a signal that comes then gets its
 *     default action. A loop that must not miss one uses a SignalSet.
 *   - `watchSignals(...sigs)`: a SignalSet, signalfd's model. From its
 *     creation to `close()` the signals are caught and kept pending (at most
 *     once per signal, as the kernel keeps a standard signal pending) until
 *     `recv` takes them, one per `recv`, in arrival order.
 *
 * Node's signal handles are unref'd: a wait for a signal does not keep the
 * process alive (it does count as a hold, so it is no deadlock either). A
 * signal nobody listens to is not seen here at all.
 *
 * Invariant: `Source.installed` is true iff the source has a waiter or a set.
 */

import { constants } from "node:os";
import { ClosedError } from "../core/errors.js";
import type { Operation } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { NOT_READY, type NotReady, type Waitable, type WaitNode } from "../core/wait.js";
import { type WaitOp, waitOn } from "../core/wait-op.js";
import { HeldQueue } from "./held-queue.js";

/** A signal's name, as Node spells it (`"SIGUSR1"`, `"SIGHUP"`, …). */
export type SignalName = NodeJS.Signals;

/** One signal of this process: its waiters and sets, and the Node handler. */
class Source implements Waitable<SignalName> {
  readonly waiters = new HeldQueue();
  readonly sets = new Set<SignalSet>();
  readonly op: WaitOp<SignalName> = waitOn(this);
  private installed = false;

  constructor(readonly name: SignalName) {}

  private readonly handler = (): void => {
    for (const s of this.sets) s.arrive(this.name);
    this.waiters.wakeAll(this.name);
    this.update();
  };

  update(): void {
    const want = this.waiters.length > 0 || this.sets.size > 0;
    if (want === this.installed) return;
    this.installed = want;
    if (want) process.on(this.name, this.handler);
    else process.off(this.name, this.handler);
  }

  poll(): SignalName | NotReady {
    return NOT_READY;
  }
  enqueue(n: WaitNode): void {
    this.waiters.push(n);
    this.update();
  }
  dequeue(n: WaitNode): void {
    if (this.waiters.remove(n)) this.update();
  }
  describe(): string {
    return `signal ${this.name}`;
  }
}

const sources = new Map<string, Source>();

function sourceOf(what: string, sig: unknown): Source {
  if (typeof sig !== "string" || !(sig in constants.signals)) {
    throw new RangeError(`${what}: unknown signal ${String(sig)} (use a name such as "SIGUSR1")`);
  }
  if (sig === "SIGKILL" || sig === "SIGSTOP") {
    throw new RangeError(`${what}: ${sig} cannot be caught`);
  }
  let s = sources.get(sig);
  if (s === undefined) {
    s = new Source(sig as SignalName);
    sources.set(sig, s);
  }
  return s;
}

/**
 * Waits until this process receives `sig`; returns its name. The signal is
 * caught only while some tasklet waits for it (see the file's comment).
 * Withdrawn cleanly by kill and `timeout()`.
 *
 * @example
 * yield* waitSignal("SIGHUP");
 * reloadConfig();
 */
export function waitSignal(sig: SignalName): Operation<SignalName> {
  return sourceOf("waitSignal", sig).op;
}

/**
 * The `Waitable` of `waitSignal(sig)`, for a select case: it is ready when
 * `sig` arrives while the select waits.
 *
 * @example
 * yield* select(p.exited, signalWaitable("SIGINT")); // the sync layer's select
 */
export function signalWaitable(sig: SignalName): Waitable<SignalName> {
  return sourceOf("signalWaitable", sig);
}

/**
 * Signals caught from `watchSignals` to `close()`, pending until received.
 * A `Waitable` too: a select case on a set takes one pending signal.
 *
 * @example
 * const sigs = watchSignals("SIGHUP", "SIGTERM");
 * try {
 *   for (;;) if ((yield* sigs.recv()) === "SIGTERM") break; else reload();
 * } finally { sigs.close(); }
 */
export class SignalSet implements Waitable<SignalName> {
  private readonly pending: SignalName[] = [];
  private readonly waiters = new HeldQueue();
  private readonly op: WaitOp<SignalName> = waitOn(this);
  private closed = false;

  /** @internal use watchSignals. */
  constructor(private readonly sources: readonly Source[]) {
    for (const s of sources) {
      s.sets.add(this);
      s.update();
    }
  }

  /** The next pending signal, waiting for one if none is. */
  recv(): Operation<SignalName> {
    return this.op;
  }

  /**
   * Stops catching: signals get their default action again unless someone
   * else listens. Waiting and later `recv`s throw `ClosedError`.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sources) {
      s.sets.delete(this);
      s.update();
    }
    this.pending.length = 0;
    this.waiters.wakeAll(this.closedError(), true);
  }

  private closedError(): ClosedError {
    return new ClosedError(`${this.describe()}: the set is closed`, { code: "EBADF" });
  }

  /** @internal a signal of the set arrived. */
  arrive(sig: SignalName): void {
    const n = this.waiters.first();
    if (n !== null) this.waiters.wake(n, sig);
    else if (!this.pending.includes(sig)) this.pending.push(sig);
  }

  poll(_t: Tasklet): SignalName | NotReady {
    if (this.closed) throw this.closedError();
    return this.pending.shift() ?? NOT_READY;
  }
  enqueue(n: WaitNode): void {
    this.waiters.push(n);
  }
  dequeue(n: WaitNode): void {
    this.waiters.remove(n);
  }
  describe(): string {
    return `signals ${this.sources.map((s) => s.name).join(", ")}`;
  }
}

/**
 * Catches `sigs` from now until `close()` (signalfd's model): none is
 * missed between two `recv`s.
 *
 * @example
 * const sigs = watchSignals("SIGHUP");
 */
export function watchSignals(...sigs: SignalName[]): SignalSet {
  if (sigs.length === 0) throw new TypeError("watchSignals: name at least one signal");
  return new SignalSet(sigs.map((s) => sourceOf("watchSignals", s)));
}
