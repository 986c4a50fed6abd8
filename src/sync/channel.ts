/**
 * Channels: typed FIFO pipes between tasklets (Go's `chan`, the ntkd tasklet
 * interface's IChannel, libwire's wire_channel). The user's API is `Channel`; its
 * operations, below it in this file, are `Waitable`s (core/wait.ts), so a
 * single `recv()` and a recv case of a select go through the same code:
 * `poll` completes at once if it can, `enqueue` registers a node, the
 * channel ends the wait with `wakeNode`. One file, as Go's chan.go: a send
 * that hands its value to a blocked receiver runs here, in the wait protocol
 * (core/op.ts, core/wait.ts) and in the scheduler (core/runtime.ts) only.
 *
 * A single wait registers the tasklet itself (it is its own wait node,
 * core/wait.ts); a select gives each case a `CaseNode`. Either way the
 * channel wakes it with `rt.wakeNode`, which reaches the tasklet or its
 * selector.
 *
 * State of a channel (only this file touches it):
 *   buf    values sent and not yet received. `send` fills it up to
 *          `capacity`; `sendAsync` ignores capacity (as the ntkd tasklet interface's send), so it may
 *          hold more. Made on first use (a rendezvous channel rarely needs it).
 *   recvq  blocked receivers: tasklets in single waits and select cases' nodes.
 *          `node.value` is the receiver's flavour: OR_DONE for recvOrDone
 *          (it wants `{ done, value }` and no error at close), else undefined.
 *   sendq  blocked senders; `node.value` is the value offered. A node with
 *          no tasklet (`t === null`, a `HostSend`) is a `sendAsync` value queued behind
 *          blocked senders, so that values leave in the order they were sent.
 *   closed set once by close().
 *
 * Invariants (in the manner of Go's runtime/chan.go):
 *   - At least one of recvq and sendq is empty, except while one select
 *     waits both to send on and to receive from the same channel (it cannot
 *     be matched with itself: matching happens only in `poll`, which runs on
 *     a tasklet that is not waiting).
 *   - If buf is non-empty, recvq is empty: a value never waits while a
 *     receiver does.
 *   - If sendq is non-empty, buf.length >= capacity: a sender waits only for
 *     room (for capacity 0: only for a receiver).
 *   - Once closed, recvq and sendq are empty: close wakes every waiter, and
 *     no wait registers on a closed channel (`poll` throws or completes).
 *   - A value moves exactly once: from a sender into buf, or from a sender
 *     or buf to one receiver. The channel takes a node off its queue and
 *     wakes it in the same step (`rt.wakeNode`), so a kill or a timeout
 *     (which withdraw nodes still queued) and a losing select case (which its
 *     selector dequeues) never take a value. A receiver that was handed a
 *     value and is killed before it runs keeps it (the core kills it at its
 *     next suspension point).
 *
 * balance = buf.length + sendq.length - recvq.length (only one side is
 * non-zero, but for the select exception above).
 *
 * Cost: `recv()` returns one op object made with the channel; `send(v)`
 * allocates a small op (it carries `v`), which a parked send does not keep
 * (its blocker is the channel's `sendWait`). A single wait links the
 * tasklet itself; nothing else is allocated per operation.
 */

import { checkInteger } from "../core/check.js";
import { ChannelClosedError, ChannelError, ChannelTimeoutError } from "../core/errors.js";
import { Op, type Operation, SUSPEND, type Suspend } from "../core/op.js";
import { valuesOf } from "../core/run.js";
import type { Tasklet } from "../core/tasklet.js";
import {
  type Blocker,
  CaseNode,
  NOT_READY,
  type NotReady,
  type Waitable,
  type WaitNode,
  WaitQueue,
} from "../core/wait.js";
import { WaitOp } from "../core/wait-op.js";
import { checkMs } from "../time/timers.js";
import { DEBUG, watchChannel } from "./invariants.js";
import { ValueRing } from "./ring.js";
import { TimedWait } from "./timed-wait.js";

/** What `recvOrDone()` gives: a value, or `done` once the channel is closed and drained. */
export type RecvResult<T> =
  | { readonly done: false; readonly value: T }
  | { readonly done: true; readonly value: undefined };

/** What `tryRecv()` gives. `closed` tells a drained closed channel from an empty open one. */
export type TryRecvResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly closed: boolean };

/** An operation that is also a case of `select`. */
export type SelectableOp<T> = Operation<T> & Waitable<T>;

/** Marks a receiver node that wants a RecvResult (recvOrDone). */
const OR_DONE: unique symbol = Symbol("recvOrDone");
const DONE: RecvResult<never> = Object.freeze({ done: true, value: undefined });

/** Hands `v` to the receiver of node `r`, which the caller took off recvq. */
function deliver(r: WaitNode, v: unknown): void {
  wake(r, r.value === OR_DONE ? { done: false, value: v } : v);
}

function wake(n: WaitNode, v: unknown): void {
  n.t.rt.wakeNode(n, v);
}

function wakeThrow(n: WaitNode, e: unknown): void {
  n.t.rt.wakeNodeThrow(n, e);
}

/**
 * A `sendAsync` value queued behind blocked senders on `sendq`: a node with
 * no tasklet (`t === null`), of the same class as a sender's node.
 */
type HostSend = CaseNode<null>;

const EMPTY: TryRecvResult<never> = Object.freeze({ ok: false, closed: false });
const DRAINED: TryRecvResult<never> = Object.freeze({ ok: false, closed: true });

let nextChannelId = 1;

/**
 * A channel of `T` values between tasklets. Make one with `channel(capacity)`.
 * Receivers are served FIFO, blocked senders too, and values leave in the
 * order they were sent.
 *
 * @example
 * const jobs = channel<number>(10);
 * spawn(function* () {
 *   for (let i = 0; i < 3; i++) yield* jobs.send(i);
 *   jobs.close();
 * });
 * for (let r = yield* jobs.recvOrDone(); !r.done; r = yield* jobs.recvOrDone()) use(r.value);
 */
export class Channel<T> {
  /** How many values `send` may buffer without a receiver (0: rendezvous). */
  readonly capacity: number;
  /** Names it in dumps and deadlock reports (`channel#3`). */
  readonly id = nextChannelId++;
  /** @internal Blocked receivers (see the file's comment). */
  readonly recvq = new WaitQueue();
  /** @internal Blocked senders. */
  readonly sendq = new WaitQueue<WaitNode | HostSend>();
  private buf: ValueRing<T> | null = null;
  private closed_ = false;
  private readonly recvOp: ChanRecvOp<T>;
  private readonly recvOrDoneOp: ChanRecvOrDoneOp<T>;
  /** @internal The blocker of tasklets parked in a single send. */
  readonly sendWait: Blocker = new ChanSendWait(this);

  constructor(capacity = 0) {
    this.capacity = checkInteger("channel", "capacity", capacity, 0);
    if (capacity > 0) this.buf = new ValueRing<T>(Math.min(capacity, 1024));
    this.recvOp = new ChanRecvOp(this);
    this.recvOrDoneOp = new ChanRecvOrDoneOp(this);
    if (DEBUG) watchChannel(this);
  }

  /**
   * Sends `v`: completes when a receiver has taken it, or when it found room
   * in the buffer; blocks the tasklet until then. Throws `ChannelError` if
   * the channel is closed, or is closed while the send waits (the value is
   * then not sent). Also a case of `select`.
   *
   * @example
   * yield* ch.send(42);
   */
  send(v: T): SelectableOp<void> {
    return new ChanSendOp(this, v);
  }

  /**
   * Queues `v` without blocking and without yielding, past any capacity
   * (as the ntkd tasklet interface's channels). Callable from ordinary code too (a host callback feeding a
   * tasklet). Throws `ChannelError` if the channel is closed.
   *
   * @example
   * socket.on("data", (d) => ch.sendAsync(d));
   */
  sendAsync(v: T): void {
    this.checkOpen();
    const r = this.recvq.shift();
    if (r !== null) {
      deliver(r, v);
    } else if (this.sendq.length > 0) {
      // Behind blocked senders, so it leaves after their values.
      const n: HostSend = new CaseNode(null);
      n.value = v;
      this.sendq.pushBack(n);
    } else {
      this.buffer().push(v);
    }
  }

  /**
   * Sends `v` if that completes at once (a receiver waits, or the buffer has
   * room); returns whether it did. Throws `ChannelError` if closed.
   *
   * @example
   * if (!ch.trySend(job)) dropped++;
   */
  trySend(v: T): boolean {
    return this.pollSend(v);
  }

  /**
   * Receives the next value, blocking until one comes. Throws
   * `ChannelClosedError` once the channel is closed and its values taken
   * (values sent before close are received first). Also a case of `select`.
   *
   * @example
   * const v = yield* ch.recv();
   */
  recv(): SelectableOp<T> {
    return this.recvOp;
  }

  /**
   * Receives the next value as `{ done: false, value }`, or `{ done: true }`
   * once the channel is closed and drained: the loop over a channel until it
   * closes. As a select case it fires with `{ done: true }` on a closed,
   * drained channel.
   *
   * @example
   * for (let r = yield* ch.recvOrDone(); !r.done; r = yield* ch.recvOrDone()) {
   *   total += r.value;
   * }
   */
  recvOrDone(): SelectableOp<RecvResult<T>> {
    return this.recvOrDoneOp;
  }

  /**
   * As `recv`, but throws `ChannelTimeoutError` if no value came within `ms`
   * milliseconds (nothing is taken from the channel then).
   *
   * @example
   * try { msg = yield* ch.recvTimeout(1000); } catch (e) { if (!(e instanceof ChannelTimeoutError)) throw e; }
   */
  recvTimeout(ms: number): Operation<T> {
    checkMs("recvTimeout", ms);
    return new TimedWait(this.recvOp, ms, recvTimedOut);
  }

  /**
   * Takes a value if one is waiting: `{ ok: true, value }`, else
   * `{ ok: false, closed }`. Never blocks; callable from ordinary code.
   *
   * @example
   * const r = ch.tryRecv();
   * if (r.ok) use(r.value);
   */
  tryRecv(): TryRecvResult<T> {
    const v = this.take();
    if (v !== NOT_READY) return { ok: true, value: v };
    return this.closed_ ? DRAINED : EMPTY;
  }

  /**
   * Values waiting to be received (buffered or offered by blocked senders)
   * when positive; blocked receivers when negative (the ntkd tasklet interface's get_balance).
   */
  get balance(): number {
    return (this.buf === null ? 0 : this.buf.length) + this.sendq.length - this.recvq.length;
  }

  /** Whether close() was called (values may still wait to be received). */
  get closed(): boolean {
    return this.closed_;
  }

  /**
   * Closes the channel: values sent before are still received, then `recv`
   * throws `ChannelClosedError` (and `recvOrDone` gives `done`). Blocked
   * receivers are woken with `ChannelClosedError`, blocked senders with
   * `ChannelError` (their values are not sent); later sends throw
   * `ChannelError`. Closing again does nothing.
   *
   * @example
   * ch.close();
   */
  close(): void {
    if (this.closed_) return;
    this.closed_ = true;
    const sendq = this.sendq;
    for (let n = sendq.shift(); n !== null; n = sendq.shift()) {
      if (n.t === null) {
        this.buffer().push(n.value as T); // a sendAsync value: it was sent
      } else {
        n.value = undefined;
        wakeThrow(n, new ChannelError(`${this.describe()} was closed while a send waited`));
      }
    }
    const recvq = this.recvq;
    for (let n = recvq.shift(); n !== null; n = recvq.shift()) {
      if (n.value === OR_DONE) wake(n, DONE);
      else wakeThrow(n, this.closedError());
    }
  }

  /**
   * The values until the channel is closed and drained, from async code:
   * `for await (const v of ch)`. A value that waits is taken at once; else
   * the loop waits as `recvOrDone` does, in a short root tasklet of this
   * thread's runtime (`run`), so a channel nothing can feed any more ends the
   * loop with `DeadlockError`. Leaving the loop (`break`, a throw) takes no
   * more values. Inside a tasklet, loop on `recvOrDone()` instead.
   *
   * @example
   * for await (const line of lines) console.log(line);
   */
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    return valuesOf<T>(() => this.tryRecv(), this.recvOrDoneOp, this.describe());
  }

  /** `channel#id` with its capacity, for dumps. */
  describe(): string {
    return `channel#${this.id} (capacity ${this.capacity})`;
  }

  /** `Channel(#id, capacity n, balance b[, closed])`, for logs. */
  toString(): string {
    return `Channel(#${this.id}, capacity ${this.capacity}, balance ${this.balance}${this.closed_ ? ", closed" : ""})`;
  }

  // ---- machinery, used by the operations below ---------------------------------

  private buffer(): ValueRing<T> {
    let b = this.buf;
    if (b === null) b = this.buf = new ValueRing<T>();
    return b;
  }

  private checkOpen(): void {
    if (this.closed_) throw new ChannelError(`send on ${this.describe()}, which is closed`);
  }

  /** @internal */
  closedError(): ChannelClosedError {
    return new ChannelClosedError(`${this.describe()} is closed`);
  }

  /**
   * @internal Takes the next value if one is waiting (the buffer first, then
   * the first blocked sender, which is woken: its send completed).
   */
  take(): T | NotReady {
    const buf = this.buf;
    if (buf !== null && buf.length > 0) {
      const v = buf.shift();
      if (buf.length < this.capacity) {
        // Room now: the first blocked sender's value moves into the buffer.
        const s = this.sendq.shift();
        if (s !== null) {
          buf.push(s.value as T);
          if (s.t !== null) {
            s.value = undefined;
            wake(s, undefined);
          }
        }
      }
      return v;
    }
    const s = this.sendq.shift();
    if (s === null) return NOT_READY;
    const v = s.value as T;
    if (s.t !== null) {
      s.value = undefined;
      wake(s, undefined);
    }
    return v;
  }

  /** @internal Completes a send at once if it can; throws if closed. */
  pollSend(v: T): boolean {
    this.checkOpen();
    const r = this.recvq.shift();
    if (r !== null) {
      deliver(r, v);
      return true;
    }
    const buf = this.buf;
    if (buf !== null && buf.length < this.capacity) {
      buf.push(v);
      return true;
    }
    return false;
  }
}

// ---- the operations --------------------------------------------------------

/**
 * recv(): one per channel; it keeps no per-call state (the waiter is the
 * node's tasklet). It uses WaitOp.start as every other wait does: a copy of
 * start specialized for the channel (monomorphic poll/enqueue calls) measured
 * no faster on ping-pong (medians of 11 alternated runs: 253 ms shared,
 * 266 ms specialized, 255 ms before the change; the machine's noise is larger).
 */
class ChanRecvOp<T> extends WaitOp<T> {
  constructor(private readonly ch: Channel<T>) {
    super();
  }
  poll(): T | NotReady {
    const ch = this.ch;
    const v = ch.take();
    if (v === NOT_READY && ch.closed) throw ch.closedError();
    return v;
  }
  enqueue(n: WaitNode): void {
    n.value = undefined;
    this.ch.recvq.pushBack(n);
  }
  describe(): string {
    return `recv on ${this.ch.describe()}`;
  }
}

/** recvOrDone(): as ChanRecvOp, but a closed, drained channel gives DONE. */
class ChanRecvOrDoneOp<T> extends WaitOp<RecvResult<T>> {
  constructor(private readonly ch: Channel<T>) {
    super();
  }
  poll(): RecvResult<T> | NotReady {
    const ch = this.ch;
    const v = ch.take();
    if (v !== NOT_READY) return { done: false, value: v };
    return ch.closed ? DONE : NOT_READY;
  }
  enqueue(n: WaitNode): void {
    n.value = OR_DONE;
    this.ch.recvq.pushBack(n);
  }
  override dequeue(n: WaitNode): void {
    n.unlink();
    n.value = undefined;
  }
  describe(): string {
    return `recvOrDone on ${this.ch.describe()}`;
  }
}

/**
 * send(v): made per call, since it carries the value (an op cached per
 * channel would send the wrong value if one were held and yielded again
 * after another send). While parked, the tasklet's blocker is the channel's
 * `sendWait`, so the op is garbage as soon as it started.
 */
class ChanSendOp<T> extends Op<void> implements Waitable<void> {
  constructor(
    private readonly ch: Channel<T>,
    private readonly v: T,
  ) {
    super();
  }
  start(t: Tasklet): undefined | Suspend {
    const ch = this.ch;
    if (ch.pollSend(this.v)) return undefined;
    t.value = this.v; // the tasklet is its own node (wait.ts)
    ch.sendq.pushBack(t);
    // The channel's shared blocker, not this op: a parked sender keeps no op alive.
    t.rt.park(t, ch.sendWait);
    return SUSPEND;
  }
  poll(): undefined | NotReady {
    return this.ch.pollSend(this.v) ? undefined : NOT_READY;
  }
  enqueue(n: WaitNode): void {
    n.value = this.v;
    this.ch.sendq.pushBack(n);
  }
  dequeue(n: WaitNode): void {
    n.unlink();
    n.value = undefined;
  }
  describe(): string {
    return `send on ${this.ch.describe()}`;
  }
}

/** The blocker of every tasklet parked in a single send on one channel (one per channel). */
class ChanSendWait implements Blocker {
  constructor(private readonly ch: Channel<unknown>) {}
  withdraw(t: Tasklet): void {
    t.unlink();
    t.value = undefined;
  }
  describe(): string {
    return `send on ${this.ch.describe()}`;
  }
}

function recvTimedOut(ms: number): Error {
  return new ChannelTimeoutError(`recv timed out after ${ms} ms`);
}

/**
 * Makes a channel. Capacity 0 (the default) is a rendezvous: `send` blocks
 * until a receiver has taken the value. With capacity n, `send` blocks only
 * while n values wait.
 *
 * @example
 * const ch = channel<number>();
 * spawn(function* () { yield* ch.send(1); ch.close(); });
 * for (let r = yield* ch.recvOrDone(); !r.done; r = yield* ch.recvOrDone()) console.log(r.value);
 */
export function channel<T>(capacity = 0): Channel<T> {
  return new Channel<T>(capacity);
}
