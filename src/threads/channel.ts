/**
 * ThreadChannel: a channel whose ends may be on different threads (the
 * public half; waiters.ts is this thread's machinery, ring.ts the shared
 * memory).
 *
 * The values live in a SharedArrayBuffer ring, the same memory on every
 * thread. Each thread that holds the channel has one `ThreadChannel` object
 * for it (a per-thread registry keyed by the ring's random id), so the
 * thread's waiters share one set of FIFO queues.
 *
 * Semantics are those of local channels. A rendezvous hands a value over when
 * a receiver waits for it (on any thread); if that receiver withdraws (kill,
 * timeout, a losing select case) before taking it, the value stays for the
 * next receiver: never lost, never duplicated, never unsent by the sender.
 */

import { checkInteger, checkOptionKeys, rangeError } from "../core/check.js";
import { ChannelClosedError, ChannelError, ChannelTimeoutError, TimeoutError } from "../core/errors.js";
import { Op, type Operation, type Suspend } from "../core/op.js";
import { valuesOf } from "../core/run.js";
import { spawn } from "../core/spawn.js";
import type { Tasklet } from "../core/tasklet.js";
import { NOT_READY, type NotReady, type Waitable, type WaitNode } from "../core/wait.js";
import type { RecvResult } from "../sync/channel.js";
import { ValueRing as Fifo } from "../sync/ring.js";
import { timeout } from "../time/timeout.js";
import { checkMs } from "../time/timers.js";
import {
  CAPACITY,
  CLOSED,
  COUNT,
  EMPTY,
  I32,
  numberTag,
  RECVD,
  SENT,
  SharedRing,
  WAITING_RECEIVERS,
  WAITING_SENDERS,
} from "./ring.js";
import { encode, OR_DONE, Waiters } from "./waiters.js";

const DONE: RecvResult<never> = Object.freeze({ done: true, value: undefined });

/** Options of `new ThreadChannel(capacity, options)`. */
export interface ThreadChannelOptions {
  /** Size of the shared ring in bytes (default 64 KiB): the largest value it can carry, encoded. */
  bufferBytes?: number;
}

/** The ring `fromShared` hands to the constructor it calls (read and cleared at once). */
let adopting: SharedRing | null = null;

const registry = new Map<string, WeakRef<ThreadChannel<unknown>>>();
const collected = new FinalizationRegistry<string>((key) => {
  const ref = registry.get(key);
  if (ref !== undefined && ref.deref() === undefined) registry.delete(key);
});

/**
 * A channel that crosses threads: create it on one thread, pass it as an
 * argument to tasklets spawned on a `WorkerPool` (or in their results), and
 * use it from all of them at once. Capacity 0 is a rendezvous: `send`
 * blocks until a receiver waits, and hands the value to it; with capacity n, `send`
 * blocks while n values wait. After `close()`, values already sent are still
 * received, then `recv` throws `ChannelClosedError`. Values are delivered
 * FIFO, each exactly once.
 *
 * Int32 numbers, doubles and `Uint8Array`s are copied into the shared ring
 * as they are; any other value is structured-cloned (`v8.serialize`), so a
 * received object is a copy. A value larger than the ring (`bufferBytes`)
 * is refused with a `RangeError`.
 *
 * @example
 * const ch = new ThreadChannel<number>(1024);
 * const t = pool.spawn(new URL("./sum.js", import.meta.url), "sum", ch);
 * for (let i = 0; i < 1000; i++) yield* ch.send(i);
 * ch.close();
 * const total = yield* t.join();
 */
export class ThreadChannel<T = unknown> {
  /** @internal The shared state. */
  readonly ring: SharedRing;
  private readonly recvOp: ThreadRecvOp<T>;
  private readonly recvOrDoneOp: ThreadRecvOrDoneOp<T>;
  /** @internal This thread's waiters (waiters.ts). */
  readonly w: Waiters;
  /** Values `sendAsync` could not write at once, in order; a tasklet of this thread sends them. */
  private pending: Fifo<T> | null = null;
  /** close() was called on this thread while `pending` had values: it closes when they are sent. */
  private closeAfterPending = false;

  constructor(capacity = 0, options?: ThreadChannelOptions) {
    const shared = adopting;
    adopting = null;
    if (shared !== null) {
      this.ring = shared;
    } else {
      checkInteger("ThreadChannel", "capacity", capacity, 0, 0x7fffffff);
      checkOptionKeys("ThreadChannel", options, ["bufferBytes"]);
      const bytes = options?.bufferBytes ?? 64 * 1024;
      if (checkInteger("ThreadChannel", "options.bufferBytes", bytes, 64, 2 ** 30) % 8 !== 0) {
        throw rangeError("ThreadChannel", "options.bufferBytes", "a multiple of 8 in 64..2^30", bytes);
      }
      this.ring = SharedRing.create(capacity, bytes);
    }
    this.recvOp = new ThreadRecvOp(this);
    this.recvOrDoneOp = new ThreadRecvOrDoneOp(this);
    this.w = new Waiters(this.ring, `thread channel ${this.ring.key} (capacity ${this.ring.h[CAPACITY]})`);
    const key = this.ring.key;
    registry.set(key, new WeakRef(this as ThreadChannel<unknown>));
    collected.register(this, key);
  }

  /** @internal This thread's object for a ring that came from another thread. */
  static fromShared<T>(sab: SharedArrayBuffer): ThreadChannel<T> {
    const ring = new SharedRing(sab);
    const known = registry.get(ring.key)?.deref();
    if (known !== undefined) return known as ThreadChannel<T>;
    adopting = ring;
    return new ThreadChannel<T>(ring.h[CAPACITY]);
  }

  /** Values the channel holds before `send` blocks (0: rendezvous). */
  get capacity(): number {
    return this.ring.h[CAPACITY] as number;
  }

  /** Values waiting (including blocked senders) when > 0; blocked receivers, over all threads, when < 0. */
  get balance(): number {
    const h = this.ring.h;
    return Atomics.load(h, COUNT) + Atomics.load(h, WAITING_SENDERS) - Atomics.load(h, WAITING_RECEIVERS);
  }

  /** Whether `close()` was called (on any thread). */
  get closed(): boolean {
    return this.closeAfterPending || Atomics.load(this.ring.h, CLOSED) !== 0;
  }

  /**
   * Sends `v`: blocks while the channel is full; on a rendezvous, until a
   * receiver waits for the value. Also a select case (`Waitable`). A value
   * that structured clone cannot copy (a function, a symbol, an object
   * holding one) is a `TypeError` when the send starts; nothing is sent.
   */
  send(v: T): Operation<void> & Waitable<void> {
    if (this.closeAfterPending) throw new ChannelError(`send on closed ${this.describe()}`);
    return new ThreadSendOp(this, v);
  }

  /** Receives the next value; throws `ChannelClosedError` once closed and drained. Also a select case. */
  recv(): Operation<T> & Waitable<T> {
    return this.recvOp;
  }

  /**
   * Receives the next value as `{ done: false, value }`, or `{ done: true }`
   * once the channel is closed and drained (on any thread): the loop until
   * close. Also a select case.
   *
   * @example
   * for (let r = yield* ch.recvOrDone(); !r.done; r = yield* ch.recvOrDone()) total += r.value;
   */
  recvOrDone(): Operation<RecvResult<T>> & Waitable<RecvResult<T>> {
    return this.recvOrDoneOp;
  }

  /**
   * The values until the channel is closed and drained, from async code on
   * this thread: `for await (const v of ch)`. Each wait is a short root
   * tasklet of this thread's runtime (`run`); leaving the loop takes no more
   * values. Inside a tasklet, loop on `recvOrDone()`.
   *
   * @example
   * for await (const n of results) total += n;
   */
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    return valuesOf<T>(() => this.tryRecv(), this.recvOrDoneOp, this.describe());
  }

  /** As `recv`, throwing `ChannelTimeoutError` after `ms` without a value. */
  *recvTimeout(ms: number): Operation<T> {
    checkMs("ThreadChannel.recvTimeout", ms);
    try {
      return yield* timeout(ms, this.recvOp);
    } catch (e) {
      if (e instanceof TimeoutError) throw new ChannelTimeoutError(`recvTimeout: no value in ${ms} ms`);
      throw e;
    }
  }

  /** A value if one waits (and no local receiver is ahead), without blocking. */
  tryRecv(): { ok: true; value: T } | { ok: false } {
    if (this.w.hasLocalReceivers()) return { ok: false };
    const v = this.w.takeOne();
    return v === EMPTY ? { ok: false } : { ok: true, value: v as T };
  }

  /** Sends without blocking if there is room (rendezvous: a receiver waits for it); false otherwise. */
  trySend(v: T): boolean {
    if (this.closeAfterPending) throw new ChannelError(`send on closed ${this.describe()}`);
    return this.w.trySend(encode(this.w, v, "ThreadChannel.trySend"));
  }

  /**
   * Sends `v` without blocking the caller, from a tasklet or from ordinary
   * code on this thread (a host callback): written at once if the channel
   * has room, else queued on this thread and sent, in order, by a tasklet
   * of this thread's runtime as room comes. Unlike a local `Channel`, whose
   * buffer can grow past its capacity, the shared ring cannot: the queue is
   * this thread's. `close()` on this thread waits for it (the values are
   * still received); a close by another thread while values are queued here
   * drops them and is reported as an uncaught `ChannelError` naming how many.
   * Throws `ChannelError` if the channel is closed, and a value that cannot
   * cross threads throws at the call.
   *
   * @example
   * socket.on("data", (d) => ch.sendAsync(d));
   */
  sendAsync(v: T): void {
    if (this.closeAfterPending) throw new ChannelError(`send on closed ${this.describe()}`);
    const e = encode(this.w, v, "ThreadChannel.sendAsync");
    let q = this.pending;
    if (q === null) {
      if (this.w.trySend(e)) return;
      q = this.pending = new Fifo<T>();
      spawn(sendPending(this, q), { name: `sendAsync to ${this.describe()}`, joinable: false });
    }
    q.push(v);
  }

  /** @internal The sendAsync tasklet ended: its queue is empty, or the channel was closed elsewhere. */
  pendingSent(): void {
    this.pending = null;
    if (this.closeAfterPending) {
      this.closeAfterPending = false;
      this.close();
    }
  }

  /**
   * Closes the channel on every thread. Values sent before are still
   * received (those `sendAsync` queued on this thread included: the close
   * takes effect once they are written). Idempotent.
   */
  close(): void {
    if (this.pending !== null && this.pending.length > 0) {
      this.closeAfterPending = true;
      return;
    }
    const r = this.ring;
    const h = r.h;
    r.lock();
    const was = h[CLOSED];
    h[CLOSED] = 1;
    r.unlock();
    if (was !== 0) return;
    Atomics.add(h, SENT, 1);
    Atomics.add(h, RECVD, 1);
    Atomics.notify(h, SENT);
    Atomics.notify(h, RECVD);
  }

  /** `thread channel <key> (capacity n)`, for dumps and deadlock reports. */
  describe(): string {
    return this.w.label;
  }

  /** @internal Waits for another thread this thread's object started (tests check that they batch). */
  get waits(): number {
    return this.w.waits;
  }
}

/** The tasklet that writes what `sendAsync` queued on this thread, in order. */
function* sendPending<T>(ch: ThreadChannel<T>, q: Fifo<T>): Operation<void> {
  try {
    // Not ch.send(): after a close on this thread, send() refuses; these values were sent before it.
    while (q.length > 0) yield* new ThreadSendOp(ch, q.shift());
  } catch (e) {
    if (!(e instanceof ChannelError)) throw e;
    throw new ChannelError(
      `ThreadChannel.sendAsync: ${q.length + 1} value(s) queued on this thread were not sent: ${ch.describe()} was closed by another thread`,
      { cause: e },
    );
  } finally {
    ch.pendingSent();
  }
}

class ThreadRecvOp<T> extends Op<T> implements Waitable<T> {
  constructor(private readonly ch: ThreadChannel<T>) {
    super();
  }
  start(t: Tasklet): T | Suspend {
    const v = this.poll();
    if (v !== NOT_READY) return v;
    return this.ch.w.parkReceiver(t);
  }
  poll(): T | NotReady {
    const ch = this.ch;
    if (ch.w.hasLocalReceivers()) return NOT_READY;
    const v = ch.w.takeOne();
    if (v !== EMPTY) return v as T;
    // CLOSED is set under the lock and nothing is written after it: empty then closed is drained.
    if (Atomics.load(ch.ring.h, CLOSED) !== 0)
      throw new ChannelClosedError(`recv on closed and drained ${ch.describe()}`);
    return NOT_READY;
  }
  enqueue(n: WaitNode): void {
    this.ch.w.enqueueReceiver(n);
  }
  dequeue(n: WaitNode): void {
    this.ch.w.dequeueNode(n);
  }
  describe(): string {
    return `recv on ${this.ch.describe()}`;
  }
}

/** recvOrDone: as ThreadRecvOp, with `done` for a closed and drained channel (its node is marked OR_DONE). */
class ThreadRecvOrDoneOp<T> extends Op<RecvResult<T>> implements Waitable<RecvResult<T>> {
  constructor(private readonly ch: ThreadChannel<T>) {
    super();
  }
  start(t: Tasklet): RecvResult<T> | Suspend {
    const v = this.poll();
    if (v !== NOT_READY) return v;
    return this.ch.w.parkReceiver(t, OR_DONE);
  }
  poll(): RecvResult<T> | NotReady {
    const ch = this.ch;
    if (ch.w.hasLocalReceivers()) return NOT_READY;
    const v = ch.w.takeOne();
    if (v !== EMPTY) return { done: false, value: v as T };
    if (Atomics.load(ch.ring.h, CLOSED) !== 0) return DONE;
    return NOT_READY;
  }
  enqueue(n: WaitNode): void {
    this.ch.w.enqueueReceiver(n, OR_DONE);
  }
  dequeue(n: WaitNode): void {
    this.ch.w.dequeueNode(n);
  }
  describe(): string {
    return `recvOrDone on ${this.ch.describe()}`;
  }
}

class ThreadSendOp<T> extends Op<void> implements Waitable<void> {
  constructor(
    private readonly ch: ThreadChannel<T>,
    private readonly v: T,
  ) {
    super();
  }
  start(t: Tasklet): undefined | Suspend {
    const w = this.ch.w;
    const v = this.v;
    if (typeof v === "number") {
      // The fast path: no encoding object, no allocation.
      const tag = numberTag(v);
      const need = tag === I32 ? 8 : 16;
      if (w.tryWrite(v, tag, null, need)) return undefined;
      return w.parkSender(t, { v, tag, bytes: null, need });
    }
    const e = encode(w, v);
    if (w.tryWrite(v, e.tag, e.bytes, e.need)) return undefined;
    return w.parkSender(t, e);
  }
  poll(): undefined | NotReady {
    const w = this.ch.w;
    const e = encode(w, this.v);
    return w.tryWrite(e.v, e.tag, e.bytes, e.need) ? undefined : NOT_READY;
  }
  enqueue(n: WaitNode): void {
    const w = this.ch.w;
    w.enqueueSender(n, encode(w, this.v));
  }
  dequeue(n: WaitNode): void {
    this.ch.w.dequeueNode(n);
  }
  describe(): string {
    return `send on ${this.ch.describe()}`;
  }
}
