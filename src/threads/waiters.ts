/**
 * The per-thread half of a ThreadChannel (channel.ts is the public half):
 * this thread's FIFO wait queues for one shared ring, and how they are
 * served and woken.
 *
 *   - `recvq`: receivers waiting for a value;
 *   - `sendq`: senders waiting for room (node.value is the encoded value).
 *
 * Room: a buffered channel has room while fewer than `capacity` values are
 * in the ring. A rendezvous (capacity 0) has room while fewer values are in
 * the ring than receivers wait for one, over all threads (Go's direct
 * hand-off): a send completes only when a receiver is there to take the
 * value, and it never waits after its value entered the ring, so a kill or
 * a timeout of a sender never leaves a value behind that the sender thinks
 * unsent. A receiver that registers bumps RECVD, which wakes the senders.
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
 * Invariants: a node is on at most one of the two queues; a node on
 * `recvq` (`sendq`) counts once in the ring's WAITING_RECEIVERS
 * (WAITING_SENDERS) and once in its runtime's holds. Only this file moves
 * nodes on and off the queues.
 */

import { typeError } from "../core/check.js";
import { ChannelClosedError, ChannelError } from "../core/errors.js";
import { SUSPEND, type Suspend } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { type Blocker, type WaitNode, WaitQueue } from "../core/wait.js";
import { crossWaitEnds, crossWaitStarts } from "./keepalive.js";
import { CAPACITY, CLOSED, COUNT, EMPTY, RECVD, SENT, SharedRing, WAITING_RECEIVERS, WAITING_SENDERS } from "./ring.js";

/** A value ready for the ring. */
export interface Encoded {
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

export class Waiters {
  private readonly recvq = new WaitQueue();
  private readonly sendq = new WaitQueue();
  private recvArmed = false;
  private sendArmed = false;
  private armPending = false;
  /** Waits for another thread this object started (tests check that they batch). */
  waits = 0;
  readonly recvBlocker: Blocker;
  readonly sendBlocker: Blocker;

  constructor(
    readonly ring: SharedRing,
    /** How reports name the channel. */
    readonly label: string,
  ) {
    this.recvBlocker = {
      withdraw: (t: Tasklet) => {
        t.unlink();
        Atomics.sub(this.ring.h, WAITING_RECEIVERS, 1);
        unparked(t);
      },
      describe: () => `recv on ${this.label}`,
    };
    this.sendBlocker = {
      withdraw: (t: Tasklet) => {
        if (t.queue === this.sendq) Atomics.sub(this.ring.h, WAITING_SENDERS, 1);
        t.unlink();
        unparked(t);
      },
      describe: () => `send on ${this.label}`,
    };
  }

  /** Sends `e` without blocking if there is room (rendezvous: a receiver waits for it); false otherwise. */
  trySend(e: Encoded): boolean {
    if (this.sendq.length > 0) return false;
    const r = this.ring;
    const h = r.h;
    let wrote = false;
    r.lock();
    try {
      if (h[CLOSED] !== 0) throw new ChannelError(`send on closed ${this.label}`);
      const cap = h[CAPACITY] as number;
      if (hasRoom(h, cap) && r.fits(e.need)) {
        r.write(e.v, e.tag, e.bytes, e.need);
        wrote = true;
      }
    } finally {
      r.unlock();
    }
    return wrote;
  }

  hasLocalReceivers(): boolean {
    return this.recvq.length > 0;
  }

  /** Takes one value under the lock, or EMPTY. */
  takeOne(): unknown {
    const r = this.ring;
    r.lock();
    let v: unknown;
    try {
      v = r.take();
    } finally {
      r.unlock();
    }
    return v;
  }

  /** Parks `t` to receive. On a rendezvous its arrival is room: senders here are served at once. */
  parkReceiver(t: Tasklet, flavour: typeof OR_DONE | undefined = undefined): Suspend {
    t.value = flavour; // the tasklet is its own wait node (core/wait.ts)
    this.recvq.pushBack(t);
    this.receiverArrived();
    parked(t);
    t.rt.park(t, this.recvBlocker);
    if (this.sendq.length > 0) this.serveSenders();
    this.armRecv();
    return SUSPEND;
  }

  /** A receiver of this thread registered: on a rendezvous that is room, so senders are woken. */
  private receiverArrived(): void {
    const r = this.ring;
    const h = r.h;
    r.lock();
    Atomics.add(h, WAITING_RECEIVERS, 1);
    if (h[CAPACITY] === 0) r.recvdMoved();
    r.unlock();
  }

  /** Tries to send at once (no local sender is ahead): whether it did. */
  tryWrite(v: unknown, tag: number, bytes: Uint8Array | null, need: number): boolean {
    if (this.sendq.length > 0) return false;
    const r = this.ring;
    const h = r.h;
    let wrote = false;
    r.lock();
    if (h[CLOSED] !== 0) {
      r.unlock();
      throw new ChannelError(`send on closed ${this.label}`);
    }
    if (hasRoom(h, h[CAPACITY] as number) && r.fits(need)) {
      r.write(v, tag, bytes, need);
      wrote = true;
    }
    r.unlock();
    return wrote;
  }

  /** A select case's node waits to receive (select.ts: enqueue must not wake at once). */
  enqueueReceiver(n: WaitNode, flavour: typeof OR_DONE | undefined = undefined): void {
    n.value = flavour;
    this.recvq.pushBack(n);
    this.receiverArrived();
    parked(n.t);
    this.armSoon();
  }

  /** A select case's node waits for room to send `e`. */
  enqueueSender(n: WaitNode, e: Encoded): void {
    n.value = e;
    this.sendq.pushBack(n);
    Atomics.add(this.ring.h, WAITING_SENDERS, 1);
    parked(n.t);
    this.armSoon();
  }

  /** Takes a select case's node off, without side effects, if it still waits. */
  dequeueNode(n: WaitNode): void {
    const q = n.queue;
    if (q === this.recvq) Atomics.sub(this.ring.h, WAITING_RECEIVERS, 1);
    else if (q === this.sendq) Atomics.sub(this.ring.h, WAITING_SENDERS, 1);
    else return;
    n.unlink();
    unparked(n.t);
  }

  /** Arms the watches on a later microtask: a select has enqueued every case and parked by then. */
  private armSoon(): void {
    if (this.armPending) return;
    this.armPending = true;
    queueMicrotask(() => {
      this.armPending = false;
      if (this.sendq.length > 0) this.armSend();
      if (this.recvq.length > 0) this.armRecv();
    });
  }

  /** Parks `t` until there is room for `e`. */
  parkSender(t: Tasklet, e: Encoded): Suspend {
    t.value = e; // the tasklet is its own wait node (core/wait.ts)
    this.sendq.pushBack(t);
    Atomics.add(this.ring.h, WAITING_SENDERS, 1);
    parked(t);
    t.rt.park(t, this.sendBlocker);
    this.armSend();
    return SUSPEND;
  }

  private armRecv(): void {
    if (this.recvArmed) return;
    const h = this.ring.h;
    const r = this.ring;
    for (;;) {
      r.lock();
      const seen = r.watchSent();
      r.unlock();
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
    const r = this.ring;
    for (;;) {
      r.lock();
      const seen = r.watchRecvd();
      r.unlock();
      this.serveSenders();
      if (this.sendq.length === 0) return;
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
    if (this.sendq.length > 0) this.armSend();
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
    for (const v of got) {
      const n = q.shift() as WaitNode;
      Atomics.sub(h, WAITING_RECEIVERS, 1);
      const t = n.t;
      unparked(t);
      t.rt.wakeNode(n, n.value === OR_DONE ? { done: false, value: v } : v);
    }
    if (closed) {
      for (let n = q.shift(); n !== null; n = q.shift()) {
        Atomics.sub(h, WAITING_RECEIVERS, 1);
        const t = n.t;
        unparked(t);
        if (n.value === OR_DONE) t.rt.wakeNode(n, CLOSED_DONE);
        else t.rt.wakeNodeThrow(n, new ChannelClosedError(`recv on closed and drained ${this.label}`));
      }
    }
  }

  /** Writes for waiting senders while there is room, under one lock, and wakes them. */
  private serveSenders(): void {
    const q = this.sendq;
    if (q.length === 0) return;
    const r = this.ring;
    const h = r.h;
    const written: WaitNode[] = [];
    let isClosed = false;
    r.lock();
    try {
      isClosed = h[CLOSED] !== 0;
      if (!isClosed) {
        const cap = h[CAPACITY] as number;
        for (let n = q.first(); n !== null; n = q.first()) {
          const e = n.value as Encoded;
          if (!hasRoom(h, cap) || !r.fits(e.need)) break;
          r.write(e.v, e.tag, e.bytes, e.need);
          q.shift();
          written.push(n);
        }
      }
    } finally {
      r.unlock();
    }
    for (const n of written) {
      Atomics.sub(h, WAITING_SENDERS, 1);
      n.value = undefined;
      const t = n.t;
      unparked(t);
      t.rt.wakeNode(n, undefined);
    }
    if (isClosed) {
      for (let n = q.shift(); n !== null; n = q.shift()) {
        Atomics.sub(h, WAITING_SENDERS, 1);
        const t = n.t;
        unparked(t);
        t.rt.wakeNodeThrow(n, new ChannelError(`send on closed ${this.label}`));
      }
    }
  }
}

/** Under LOCK: a buffered channel has room below capacity; a rendezvous while receivers wait for more values than the ring holds. */
function hasRoom(h: Int32Array, cap: number): boolean {
  return (h[COUNT] as number) < (cap === 0 ? (h[WAITING_RECEIVERS] as number) : cap);
}

/** Marks a receiver node of `recvOrDone`: it is woken with `{ done, value }`, and with `done` at close. */
export const OR_DONE: unique symbol = Symbol("recvOrDone");
const CLOSED_DONE = Object.freeze({ done: true, value: undefined });

const parked = crossWaitStarts;
const unparked = crossWaitEnds;

/**
 * Encodes `v` for the ring of `w`; `what` names the caller in errors. A
 * value that structured clone cannot copy (a function, a symbol, an object
 * holding one) is a TypeError naming the argument, with the clone's error as
 * its cause; a value larger than the ring a RangeError.
 */
export function encode(w: Waiters, v: unknown, what = "ThreadChannel.send"): Encoded {
  let e: ReturnType<typeof SharedRing.encode>;
  try {
    e = SharedRing.encode(v);
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    const err = typeError(what, "v", CLONEABLE, v, `it cannot cross threads (${why})`);
    err.cause = cause;
    throw err;
  }
  if (e.need > w.ring.size) {
    throw new RangeError(
      `${what}: the value takes ${e.need} bytes encoded, more than the ring of ${w.label} (${w.ring.size} bytes); create it with a larger bufferBytes`,
    );
  }
  return { v, tag: e.tag, bytes: e.bytes, need: e.need };
}

const CLONEABLE =
  "a value that structured clone can copy (numbers, strings, plain objects, arrays, Map, Set, Date, typed arrays; no functions or symbols)";
