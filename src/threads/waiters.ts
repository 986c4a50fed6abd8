/**
 * The per-thread half of a ThreadChannel (channel.ts is the public half):
 * this thread's FIFO wait queues for one shared ring, and how they are
 * served and woken.
 *
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
 * Invariants: a node is on at most one of the three queues; a node on
 * `recvq` (`sendq`) counts once in the ring's WAITING_RECEIVERS
 * (WAITING_SENDERS) and once in its runtime's holds; one on `ackq` in holds
 * only. Only this file moves nodes between the queues.
 */

import { ChannelClosedError, ChannelError } from "../core/errors.js";
import { PARK, type Park } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { type Blocker, type WaitNode, WaitQueue } from "../core/wait.js";
import { crossWaitEnds, crossWaitStarts } from "./keepalive.js";
import {
  CAPACITY,
  CLOSED,
  COUNT,
  EMPTY,
  RECV_WATCHERS,
  RECVD,
  Ring,
  SEND_WATCHERS,
  SENT,
  WAITING_RECEIVERS,
  WAITING_SENDERS,
} from "./ring.js";

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
  private readonly ackq = new WaitQueue();
  private recvArmed = false;
  private sendArmed = false;
  private armPending = false;
  /** Waits for another thread this object started (tests check that they batch). */
  waits = 0;
  readonly recvBlocker: Blocker;
  readonly sendBlocker: Blocker;

  constructor(
    readonly ring: Ring,
    /** How reports name the channel. */
    readonly label: string,
  ) {
    this.recvBlocker = {
      withdraw: (t: Tasklet) => {
        t.node().unlink();
        Atomics.sub(this.ring.h, WAITING_RECEIVERS, 1);
        unparked(t);
      },
      describe: () => `recv on ${this.label}`,
    };
    this.sendBlocker = {
      withdraw: (t: Tasklet) => {
        const n = t.node();
        if (n.queue === this.sendq) Atomics.sub(this.ring.h, WAITING_SENDERS, 1);
        n.unlink();
        unparked(t);
      },
      describe: () => `send on ${this.label}`,
    };
  }

  /** Sends `e` without blocking if there is room (rendezvous: a receiver waits and the ring is empty). */
  trySend(e: Encoded): boolean {
    if (this.sendq.length > 0) return false;
    const r = this.ring;
    const h = r.h;
    let wrote = false;
    r.lock();
    try {
      if (h[CLOSED] !== 0) throw new ChannelError(`send on closed ${this.label}`);
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
    if (v !== EMPTY) this.afterTake();
    return v;
  }

  /** */
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

  /** Tries to send at once: the record's number, or -1 if it must wait. */
  tryWrite(v: unknown, tag: number, bytes: Uint8Array | null, need: number): number {
    if (this.sendq.length > 0) return -1;
    const r = this.ring;
    const h = r.h;
    let seq = -1;
    r.lock();
    if (h[CLOSED] !== 0) {
      r.unlock();
      throw new ChannelError(`send on closed ${this.label}`);
    }
    const cap = h[CAPACITY] as number;
    if ((h[COUNT] as number) < (cap === 0 ? 1 : cap) && r.fits(need)) seq = r.write(v, tag, bytes, need);
    r.unlock();
    if (seq !== -1) this.afterWrite();
    return seq;
  }

  /** A select case's node waits to receive (select.ts: enqueue must not wake at once). */
  enqueueReceiver(n: WaitNode): void {
    n.value = undefined;
    this.recvq.pushBack(n);
    Atomics.add(this.ring.h, WAITING_RECEIVERS, 1);
    parked(n.t as Tasklet);
    this.armSoon();
  }

  /** A select case's node waits for room to send `e`. */
  enqueueSender(n: WaitNode, e: Encoded): void {
    n.value = e;
    this.sendq.pushBack(n);
    Atomics.add(this.ring.h, WAITING_SENDERS, 1);
    parked(n.t as Tasklet);
    this.armSoon();
  }

  /** Takes a select case's node off, without side effects, if it still waits. */
  dequeueNode(n: WaitNode): void {
    const q = n.queue;
    if (q === this.recvq) Atomics.sub(this.ring.h, WAITING_RECEIVERS, 1);
    else if (q === this.sendq) Atomics.sub(this.ring.h, WAITING_SENDERS, 1);
    else return;
    n.unlink();
    unparked(n.t as Tasklet);
  }

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

  /** */
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

  /** A rendezvous sender waits until record `seq` was taken. */
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
        t.rt.wakeNodeThrow(n, new ChannelClosedError(`recv on closed and drained ${this.label}`));
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
        t.rt.wakeNodeThrow(n, new ChannelError(`send on closed ${this.label}`));
      }
    }
  }
}

const parked = crossWaitStarts;
const unparked = crossWaitEnds;

export function encode(w: Waiters, v: unknown): Encoded {
  const e = Ring.encode(v);
  if (e.need > w.ring.size) {
    throw new RangeError(
      `send: the value takes ${e.need} bytes encoded, more than the ring of ${w.label} (${w.ring.size} bytes); create it with a larger bufferBytes`,
    );
  }
  return { v, tag: e.tag, bytes: e.bytes, need: e.need };
}
