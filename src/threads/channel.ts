/**
 * ThreadChannel: a channel whose ends may be on different threads.
 *
 * The values live in a SharedArrayBuffer ring (ring.ts), the same memory on
 * every thread. Each thread that holds the channel has one `ThreadChannel`
 * object for it (a per-thread registry keyed by the ring's id) with its own
 * FIFO wait queues of local tasklets:
 *   - `recvq`: receivers waiting for a value;
 *   - `sendq`: senders waiting for room (node.value is the encoded value);
 *   - `ackq`: rendezvous senders whose value is in the ring, waiting until a
 *     receiver has taken it (node.tag is the record's number).
 * A thread with waiting receivers has one `Atomics.waitAsync` pending on the
 * ring's SENT counter, one with waiting senders one on RECVD. When it
 * resolves, the thread serves as many local waiters as it can under one lock
 * (so a wake-up, ~25 µs, is paid per batch, not per message) and re-arms if
 * some still wait. A writer notifies only when a thread watches, so a busy
 * receiver that finds values in the ring costs no wake-up at all.
 *
 * Each waiting tasklet counts in its runtime's `holds` (a cross-thread wait
 * may still end, so it is no deadlock) and in keepalive.ts (waitAsync does
 * not keep the event loop alive).
 *
 * Semantics are those of local channels, with one difference: the value of a
 * rendezvous sender is in the ring while it waits, so a kill of that sender
 * (or a close) releases the sender but the value is still delivered.
 */

import { ChannelClosedError, ChannelError, ChannelTimeoutError, TimeoutError } from "../core/errors.js";
import { Op, type Operation, PARK, type Park } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { type Blocker, NOT_READY, type NotReady, type Waitable, type WaitNode, WaitQueue } from "../core/wait.js";
import { timeout } from "../time/timeout.js";
import { crossWaitEnds, crossWaitStarts } from "./keepalive.js";
import {
  CAPACITY,
  CLOSED,
  COUNT,
  EMPTY,
  I32,
  numberTag,
  RECV_WATCHERS,
  RECVD,
  Ring,
  SEND_WATCHERS,
  SENT,
  WAITING_RECEIVERS,
  WAITING_SENDERS,
} from "./ring.js";

export interface ThreadChannelOptions {
  /** Size of the shared ring in bytes (default 64 KiB): the largest value it can carry, encoded. */
  bufferBytes?: number;
}

interface Encoded {
  v: unknown;
  tag: number;
  bytes: Uint8Array | null;
  need: number;
}

/** `Atomics.waitAsync` (ES2024; in Node since 16), typed here because the project's lib is ES2023. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      a: Int32Array,
      index: number,
      value: number,
    ): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

const registry = new Map<string, WeakRef<ThreadChannel<unknown>>>();
const collected = new FinalizationRegistry<string>((key) => {
  const ref = registry.get(key);
  if (ref !== undefined && ref.deref() === undefined) registry.delete(key);
});

/**
 * A channel that crosses threads: create it on one thread, pass it as an
 * argument to tasklets spawned on a `WorkerPool` (or in their results), and
 * use it from all of them at once. Capacity 0 is a rendezvous: `send`
 * returns once a receiver has taken the value; with capacity n, `send`
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
  readonly ring: Ring;
  private readonly recvq = new WaitQueue();
  private readonly sendq = new WaitQueue();
  private readonly ackq = new WaitQueue();
  private recvArmed = false;
  private sendArmed = false;
  /** @internal Waits for another thread this object started (tests check that they batch). */
  waits = 0;
  private readonly recvOp: RecvOp<T>;
  /** @internal */
  readonly recvBlocker: Blocker;
  /** @internal */
  readonly sendBlocker: Blocker;

  constructor(capacity = 0, options?: ThreadChannelOptions) {
    if (!Number.isInteger(capacity) || capacity < 0 || capacity > 0x7fffffff) {
      throw new RangeError(`ThreadChannel: capacity must be a non-negative integer, got ${String(capacity)}`);
    }
    const bytes = options?.bufferBytes ?? 64 * 1024;
    if (!Number.isInteger(bytes) || bytes < 64 || bytes % 8 !== 0 || bytes > 2 ** 30) {
      throw new RangeError(
        `ThreadChannel: options.bufferBytes must be a multiple of 8 between 64 and 2^30, got ${String(bytes)}`,
      );
    }
    this.ring = (options as { ring?: Ring } | undefined)?.ring ?? Ring.create(capacity, bytes);
    this.recvOp = new RecvOp(this);
    this.recvBlocker = {
      withdraw: (t: Tasklet) => {
        t.node().unlink();
        Atomics.sub(this.ring.h, WAITING_RECEIVERS, 1);
        unparked(t);
      },
      describe: () => `recv on ${this.describe()}`,
    };
    this.sendBlocker = {
      withdraw: (t: Tasklet) => {
        const n = t.node();
        if (n.queue === this.sendq) Atomics.sub(this.ring.h, WAITING_SENDERS, 1);
        n.unlink();
        unparked(t);
      },
      describe: () => `send on ${this.describe()}`,
    };
    const key = this.ring.key;
    registry.set(key, new WeakRef(this as ThreadChannel<unknown>));
    collected.register(this, key);
  }

  /** @internal This thread's object for a ring that came from another thread. */
  static fromShared<T>(sab: SharedArrayBuffer): ThreadChannel<T> {
    const ring = new Ring(sab);
    const known = registry.get(ring.key)?.deref();
    if (known !== undefined) return known as ThreadChannel<T>;
    return new ThreadChannel<T>(ring.h[CAPACITY], { ring } as ThreadChannelOptions);
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
    return Atomics.load(this.ring.h, CLOSED) !== 0;
  }

  /**
   * Sends `v`: blocks while the channel is full, and for a rendezvous until a
   * receiver took it. Also a select case (`Waitable`) on a buffered channel;
   * a rendezvous send case fires only if a receiver already waits.
   */
  send(v: T): Operation<void> & Waitable<void> {
    return new SendOp(this, v);
  }

  /** Receives the next value; throws `ChannelClosedError` once closed and drained. Also a select case. */
  recv(): Operation<T> & Waitable<T> {
    return this.recvOp;
  }

  /** As `recv`, throwing `ChannelTimeoutError` after `ms` without a value. */
  *recvTimeout(ms: number): Operation<T> {
    try {
      return yield* timeout(ms, this.recvOp);
    } catch (e) {
      if (e instanceof TimeoutError) throw new ChannelTimeoutError(`recvTimeout: no value in ${ms} ms`);
      throw e;
    }
  }

  /** A value if one waits (and no local receiver is ahead), without blocking. */
  tryRecv(): { ok: true; value: T } | { ok: false } {
    if (this.recvq.length > 0) return { ok: false };
    const v = this.takeOne();
    return v === EMPTY ? { ok: false } : { ok: true, value: v as T };
  }

  /** Sends without blocking if there is room (rendezvous: a receiver waits); false otherwise. */
  trySend(v: T): boolean {
    const e = encode(this, v);
    if (this.sendq.length > 0) return false;
    const r = this.ring;
    const h = r.h;
    let wrote = false;
    r.lock();
    try {
      if (h[CLOSED] !== 0) throw new ChannelError(`send on closed ${this.describe()}`);
      const cap = h[CAPACITY] as number;
      const room = cap > 0 ? (h[COUNT] as number) < cap : h[COUNT] === 0 && (h[WAITING_RECEIVERS] as number) > 0;
      if (room && r.fits(e.need)) {
        r.write(e.v, e.tag, e.bytes, e.need);
        wrote = true;
      }
    } finally {
      r.unlock();
    }
    if (wrote) this.afterWrite();
    return wrote;
  }

  /** Closes the channel on every thread. Values sent before are still received. Idempotent. */
  close(): void {
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

  describe(): string {
    return `thread channel ${this.ring.key} (capacity ${this.capacity})`;
  }

  // ---- machinery -------------------------------------------------------------

  /** @internal */
  hasLocalReceivers(): boolean {
    return this.recvq.length > 0;
  }

  /** @internal Takes one value under the lock, or EMPTY. */
  takeOne(): unknown {
    const r = this.ring;
    r.lock();
    let v: unknown;
    try {
      v = r.take();
    } finally {
      r.unlock();
    }
    if (v !== EMPTY) this.afterTake();
    return v;
  }

  /** @internal */
  parkReceiver(t: Tasklet): Park {
    const n = t.node();
    n.value = undefined;
    this.recvq.pushBack(n);
    Atomics.add(this.ring.h, WAITING_RECEIVERS, 1);
    parked(t);
    t.rt.park(t, this.recvBlocker);
    this.armRecv();
    return PARK;
  }

  /** @internal Tries to send at once: the record's number, or -1 if it must wait. */
  tryWrite(v: unknown, tag: number, bytes: Uint8Array | null, need: number): number {
    if (this.sendq.length > 0) return -1;
    const r = this.ring;
    const h = r.h;
    let seq = -1;
    r.lock();
    if (h[CLOSED] !== 0) {
      r.unlock();
      throw new ChannelError(`send on closed ${this.describe()}`);
    }
    const cap = h[CAPACITY] as number;
    if ((h[COUNT] as number) < (cap === 0 ? 1 : cap) && r.fits(need)) seq = r.write(v, tag, bytes, need);
    r.unlock();
    if (seq !== -1) this.afterWrite();
    return seq;
  }

  /** @internal A select case's node waits to receive (select.ts: enqueue must not wake at once). */
  enqueueReceiver(n: WaitNode): void {
    n.value = undefined;
    this.recvq.pushBack(n);
    Atomics.add(this.ring.h, WAITING_RECEIVERS, 1);
    parked(n.t as Tasklet);
    this.armSoon();
  }

  /** @internal A select case's node waits for room to send `e`. */
  enqueueSender(n: WaitNode, e: Encoded): void {
    n.value = e;
    this.sendq.pushBack(n);
    Atomics.add(this.ring.h, WAITING_SENDERS, 1);
    parked(n.t as Tasklet);
    this.armSoon();
  }

  /** @internal Takes a select case's node off, without side effects, if it still waits. */
  dequeueNode(n: WaitNode): void {
    const q = n.queue;
    if (q === this.recvq) Atomics.sub(this.ring.h, WAITING_RECEIVERS, 1);
    else if (q === this.sendq) Atomics.sub(this.ring.h, WAITING_SENDERS, 1);
    else return;
    n.unlink();
    unparked(n.t as Tasklet);
  }

  private armPending = false;

  /** Arms the watches on a later microtask: a select has enqueued every case and parked by then. */
  private armSoon(): void {
    if (this.armPending) return;
    this.armPending = true;
    queueMicrotask(() => {
      this.armPending = false;
      if (this.recvq.length > 0) this.armRecv();
      if (this.sendq.length > 0 || this.ackq.length > 0) this.armSend();
    });
  }

  /** @internal */
  parkSender(t: Tasklet, e: Encoded): Park {
    const n = t.node();
    n.value = e;
    this.sendq.pushBack(n);
    Atomics.add(this.ring.h, WAITING_SENDERS, 1);
    parked(t);
    t.rt.park(t, this.sendBlocker);
    this.armSend();
    return PARK;
  }

  /** @internal A rendezvous sender waits until record `seq` was taken. */
  parkAck(t: Tasklet, seq: number): Park {
    const n = t.node();
    n.tag = seq;
    this.ackq.pushBack(n);
    parked(t);
    t.rt.park(t, this.sendBlocker);
    this.armSend();
    return PARK;
  }

  /**
   * After a write (SENT bumped): wake the threads that watch SENT. The first
   * writer to see the flag clears it and notifies every waiter at once; the
   * next writes cost one load. A watcher sets the flag before it reads SENT,
   * so a write it did not see either finds the flag set or changed SENT
   * before the watcher's waitAsync compares it: no wake-up is lost.
   */
  private afterWrite(): void {
    const h = this.ring.h;
    if (Atomics.load(h, RECV_WATCHERS) !== 0 && Atomics.exchange(h, RECV_WATCHERS, 0) !== 0) {
      Atomics.notify(h, SENT);
    }
  }

  /** After a take (RECVD bumped): as afterWrite, for the threads that watch RECVD. */
  private afterTake(): void {
    const h = this.ring.h;
    if (Atomics.load(h, SEND_WATCHERS) !== 0 && Atomics.exchange(h, SEND_WATCHERS, 0) !== 0) {
      Atomics.notify(h, RECVD);
    }
  }

  private armRecv(): void {
    if (this.recvArmed) return;
    const h = this.ring.h;
    for (;;) {
      Atomics.store(h, RECV_WATCHERS, 1);
      const seen = Atomics.load(h, SENT);
      this.serveReceivers();
      if (this.recvq.length === 0) return;
      const w = waitAsync(h, SENT, seen);
      if (w.async) {
        this.waits++;
        this.recvArmed = true;
        w.value.then(this.onSent, this.onSent);
        return;
      }
    }
  }

  private readonly onSent = (): void => {
    this.recvArmed = false;
    if (this.recvq.length > 0) this.armRecv();
  };

  private armSend(): void {
    if (this.sendArmed) return;
    const h = this.ring.h;
    for (;;) {
      Atomics.store(h, SEND_WATCHERS, 1);
      const seen = Atomics.load(h, RECVD);
      this.serveSenders();
      if (this.sendq.length === 0 && this.ackq.length === 0) return;
      const w = waitAsync(h, RECVD, seen);
      if (w.async) {
        this.waits++;
        this.sendArmed = true;
        w.value.then(this.onRecvd, this.onRecvd);
        return;
      }
    }
  }

  private readonly onRecvd = (): void => {
    this.sendArmed = false;
    if (this.sendq.length > 0 || this.ackq.length > 0) this.armSend();
  };

  /** Hands waiting values to local receivers, as many as one lock allows. */
  private serveReceivers(): void {
    const q = this.recvq;
    if (q.length === 0) return;
    const r = this.ring;
    const h = r.h;
    const got: unknown[] = [];
    let closed = false;
    r.lock();
    try {
      while (got.length < q.length) {
        const v = r.take();
        if (v === EMPTY) break;
        got.push(v);
      }
      closed = h[CLOSED] !== 0 && h[COUNT] === 0;
    } finally {
      r.unlock();
    }
    if (got.length > 0) this.afterTake();
    for (const v of got) {
      const n = q.shift() as WaitNode;
      Atomics.sub(h, WAITING_RECEIVERS, 1);
      const t = n.t as Tasklet;
      unparked(t);
      t.rt.wakeNode(n, v);
    }
    if (closed) {
      for (let n = q.shift(); n !== null; n = q.shift()) {
        Atomics.sub(h, WAITING_RECEIVERS, 1);
        const t = n.t as Tasklet;
        unparked(t);
        t.rt.wakeNodeThrow(n, new ChannelClosedError(`recv on closed and drained ${this.describe()}`));
      }
    }
  }

  /** Releases rendezvous senders whose value was taken, and writes for waiting senders while there is room. */
  private serveSenders(): void {
    const r = this.ring;
    const h = r.h;
    const closed = Atomics.load(h, CLOSED) !== 0;
    if (this.ackq.length > 0) {
      const recvd = Atomics.load(h, RECVD);
      for (const n of this.ackq.toArray()) {
        if (closed || ((recvd - (n.tag + 1)) | 0) >= 0) {
          n.unlink();
          const t = n.t as Tasklet;
          unparked(t);
          t.rt.wakeNode(n, undefined);
        }
      }
    }
    const q = this.sendq;
    if (q.length === 0) return;
    const written: WaitNode[] = [];
    const seqs: number[] = [];
    let isClosed = false;
    const cap = Math.max(1, h[CAPACITY] as number);
    r.lock();
    try {
      isClosed = h[CLOSED] !== 0;
      if (!isClosed) {
        for (let n = q.first(); n !== null; n = q.first()) {
          const e = n.value as Encoded;
          if ((h[COUNT] as number) >= cap || !r.fits(e.need)) break;
          seqs.push(r.write(e.v, e.tag, e.bytes, e.need));
          q.shift();
          written.push(n);
        }
      }
    } finally {
      r.unlock();
    }
    if (written.length > 0) this.afterWrite();
    const rendezvous = h[CAPACITY] === 0;
    for (let i = 0; i < written.length; i++) {
      const n = written[i] as WaitNode;
      Atomics.sub(h, WAITING_SENDERS, 1);
      n.value = undefined;
      if (rendezvous) {
        n.tag = seqs[i] as number;
        this.ackq.pushBack(n);
      } else {
        const t = n.t as Tasklet;
        unparked(t);
        t.rt.wakeNode(n, undefined);
      }
    }
    if (isClosed) {
      for (let n = q.shift(); n !== null; n = q.shift()) {
        Atomics.sub(h, WAITING_SENDERS, 1);
        const t = n.t as Tasklet;
        unparked(t);
        t.rt.wakeNodeThrow(n, new ChannelError(`send on closed ${this.describe()}`));
      }
    }
  }
}

const parked = crossWaitStarts;
const unparked = crossWaitEnds;

function encode(ch: ThreadChannel<unknown>, v: unknown): Encoded {
  const e = Ring.encode(v);
  if (e.need > ch.ring.size) {
    throw new RangeError(
      `send: the value takes ${e.need} bytes encoded, more than the ring of ${ch.describe()} (${ch.ring.size} bytes); create it with a larger bufferBytes`,
    );
  }
  return { v, tag: e.tag, bytes: e.bytes, need: e.need };
}

class RecvOp<T> extends Op<T> implements Waitable<T> {
  constructor(private readonly ch: ThreadChannel<T>) {
    super();
  }
  start(t: Tasklet): T | Park {
    const v = this.poll();
    if (v !== NOT_READY) return v;
    return (this.ch as ThreadChannel<unknown>).parkReceiver(t);
  }
  poll(): T | NotReady {
    const ch = this.ch as ThreadChannel<unknown>;
    if (ch.hasLocalReceivers()) return NOT_READY;
    const v = ch.takeOne();
    if (v !== EMPTY) return v as T;
    // CLOSED is set under the lock and nothing is written after it: empty then closed is drained.
    if (ch.closed) throw new ChannelClosedError(`recv on closed and drained ${ch.describe()}`);
    return NOT_READY;
  }
  enqueue(n: WaitNode): void {
    (this.ch as ThreadChannel<unknown>).enqueueReceiver(n);
  }
  dequeue(n: WaitNode): void {
    (this.ch as ThreadChannel<unknown>).dequeueNode(n);
  }
  describe(): string {
    return `recv on ${this.ch.describe()}`;
  }
}

class SendOp<T> extends Op<void> implements Waitable<void> {
  constructor(
    private readonly ch: ThreadChannel<T>,
    private readonly v: T,
  ) {
    super();
  }
  start(t: Tasklet): undefined | Park {
    const ch = this.ch as ThreadChannel<unknown>;
    const v = this.v;
    let seq: number;
    if (typeof v === "number") {
      // The fast path: no encoding object, no allocation.
      const tag = numberTag(v);
      seq = ch.tryWrite(v, tag, null, tag === I32 ? 8 : 16);
      if (seq === -1) return ch.parkSender(t, { v, tag, bytes: null, need: tag === I32 ? 8 : 16 });
    } else {
      const e = encode(ch, v);
      seq = ch.tryWrite(v, e.tag, e.bytes, e.need);
      if (seq === -1) return ch.parkSender(t, e);
    }
    if (ch.capacity > 0) return undefined;
    return ch.parkAck(t, seq);
  }
  poll(): undefined | NotReady {
    const ch = this.ch as ThreadChannel<unknown>;
    if (ch.capacity === 0) return ch.trySend(this.v) ? undefined : NOT_READY;
    const e = encode(ch, this.v);
    return ch.tryWrite(e.v, e.tag, e.bytes, e.need) === -1 ? NOT_READY : undefined;
  }
  enqueue(n: WaitNode): void {
    const ch = this.ch as ThreadChannel<unknown>;
    if (ch.capacity === 0) {
      throw new TypeError(
        `select: a send case on rendezvous ${ch.describe()} cannot wait (its value would already be in the other threads' reach); use a buffered ThreadChannel`,
      );
    }
    ch.enqueueSender(n, encode(ch, this.v));
  }
  dequeue(n: WaitNode): void {
    (this.ch as ThreadChannel<unknown>).dequeueNode(n);
  }
  describe(): string {
    return `send on ${this.ch.describe()}`;
  }
}
