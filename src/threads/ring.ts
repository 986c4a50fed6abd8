/**
 * The shared state of a cross-thread channel: a SharedArrayBuffer holding a
 * header of Int32 words and a byte ring of variable-size records.
 *
 * Every thread that holds the channel maps the same buffer; the buffer is the
 * only truth (channel.ts keeps per-thread wait queues beside it). All fields
 * but the counters used for wake-ups are read and written under `LOCK`, a
 * three-state futex lock (Drepper, "Futexes are tricky", mutex 2): 0 free,
 * 1 locked, 2 locked with waiters. Critical sections copy a few bytes, so a
 * contended locker spins a little before it sleeps with `Atomics.wait`.
 *
 * Record layout (8-byte aligned; the data size is a multiple of 8, so a
 * record header never straddles the end; a payload may wrap and is copied in
 * two parts):
 *   word 0: tag (I32, F64, BYTES, CLONE); word 1: the int32 value (I32) or the
 *   payload length in bytes; then the payload, padded to 8 bytes.
 * Numbers that are int32 take 8 bytes; doubles 16; a Uint8Array its length +
 * 8; any other value is `v8.serialize`d (structured clone) as CLONE.
 *
 * Invariants (under LOCK):
 *   - USED = bytes between HEAD and TAIL; COUNT = records between them;
 *   - SENT counts records ever written (mod 2^32); RECVD counts records
 *     taken plus receivers that arrived on a rendezvous (both make room);
 *   - CLOSED goes from 0 to 1 once; after it, nothing is written.
 * Wake-ups: SENT and RECVD are bumped under LOCK as a record moves. A thread
 * about to wait for them (`Atomics.waitAsync`) sets RECV_WATCHERS /
 * SEND_WATCHERS to 1 and reads the counter in one critical section; the
 * first write (take) after that clears the flag in its own critical section
 * and notifies after `unlock`. So there is one notify per wait, not one per
 * message, and none is lost: a write either comes before the watcher's
 * section (the watcher sees the record) or after it (it sees the flag set,
 * and the counter the watcher waits on has changed).
 */

import { deserialize, serialize } from "node:v8";

export const LOCK = 0;
export const HEAD = 1;
export const TAIL = 2;
export const USED = 3;
export const COUNT = 4;
/** Bumped after every write: receivers wait on it. */
export const SENT = 5;
/** Bumped after every take, and when a receiver arrives on a rendezvous: senders wait on it. */
export const RECVD = 6;
export const CLOSED = 7;
/** 1 when some thread is about to wait (or waits) on SENT: the next writer clears it and notifies. */
export const RECV_WATCHERS = 8;
/** The same for RECVD and takers. */
export const SEND_WATCHERS = 9;
export const CAPACITY = 10;
/** Tasklets blocked in recv, over all threads (for `balance`). */
export const WAITING_RECEIVERS = 11;
/** Tasklets blocked in send, over all threads (for `balance`). */
export const WAITING_SENDERS = 12;
export const ID_LO = 13;
export const ID_HI = 14;
const HEADER_BYTES = 64;

export const I32 = 1;
export const F64 = 2;
const BYTES = 3;
const CLONE = 4;

/** Returned by `take` when the ring is empty. */
export const EMPTY: unique symbol = Symbol("empty");

export class SharedRing {
  readonly sab: SharedArrayBuffer;
  readonly h: Int32Array;
  private readonly data: Uint8Array;
  private readonly words: Int32Array;
  private readonly f64: Float64Array;
  readonly size: number;
  /** Notifies owed once the lock is released (this thread's object only). */
  private owesSent = false;
  private owesRecvd = false;

  constructor(sab: SharedArrayBuffer) {
    this.sab = sab;
    this.h = new Int32Array(sab, 0, HEADER_BYTES / 4);
    this.size = sab.byteLength - HEADER_BYTES;
    this.data = new Uint8Array(sab, HEADER_BYTES, this.size);
    this.words = new Int32Array(sab, HEADER_BYTES, this.size / 4);
    this.f64 = new Float64Array(sab, HEADER_BYTES, this.size / 8);
  }

  static create(capacity: number, bufferBytes: number): SharedRing {
    const sab = new SharedArrayBuffer(HEADER_BYTES + bufferBytes);
    const r = new SharedRing(sab);
    r.h[CAPACITY] = capacity;
    const id = new Int32Array(2);
    crypto.getRandomValues(id);
    r.h[ID_LO] = id[0] as number;
    r.h[ID_HI] = id[1] as number;
    return r;
  }

  /** A key equal for every mapping of this buffer, on any thread. */
  get key(): string {
    return `${this.h[ID_LO]}:${this.h[ID_HI]}`;
  }

  lock(): void {
    const h = this.h;
    let c = Atomics.compareExchange(h, LOCK, 0, 1);
    if (c === 0) return;
    for (let i = 0; i < 64; i++) {
      c = Atomics.compareExchange(h, LOCK, 0, 1);
      if (c === 0) return;
    }
    if (c !== 2) c = Atomics.exchange(h, LOCK, 2);
    while (c !== 0) {
      Atomics.wait(h, LOCK, 2, 1);
      c = Atomics.exchange(h, LOCK, 2);
    }
  }

  /** Releases LOCK, then wakes the threads that a write or take under it owes a notify. */
  unlock(): void {
    const h = this.h;
    if (Atomics.exchange(h, LOCK, 0) === 2) Atomics.notify(h, LOCK, 1);
    if (this.owesSent) {
      this.owesSent = false;
      Atomics.notify(h, SENT);
    }
    if (this.owesRecvd) {
      this.owesRecvd = false;
      Atomics.notify(h, RECVD);
    }
  }

  /** Under LOCK: this thread will wait for SENT to move from the value returned. */
  watchSent(): number {
    const h = this.h;
    h[RECV_WATCHERS] = 1;
    return h[SENT] as number;
  }

  /** Under LOCK: this thread will wait for RECVD to move from the value returned. */
  watchRecvd(): number {
    const h = this.h;
    h[SEND_WATCHERS] = 1;
    return h[RECVD] as number;
  }

  /** Under LOCK: SENT moved; notify its watchers at unlock. */
  private sentMoved(): void {
    const h = this.h;
    Atomics.add(h, SENT, 1);
    if (h[RECV_WATCHERS] !== 0) {
      h[RECV_WATCHERS] = 0;
      this.owesSent = true;
    }
  }

  /** Under LOCK: RECVD moved (a take, or a receiver arrived on a rendezvous); notify its watchers at unlock. */
  recvdMoved(): void {
    const h = this.h;
    Atomics.add(h, RECVD, 1);
    if (h[SEND_WATCHERS] !== 0) {
      h[SEND_WATCHERS] = 0;
      this.owesRecvd = true;
    }
  }

  /** Bytes a record for `v` takes, and its encoding (null for a number). */
  static encode(v: unknown): { tag: number; bytes: Uint8Array | null; need: number } {
    if (typeof v === "number") {
      const tag = numberTag(v);
      return { tag, bytes: null, need: tag === I32 ? 8 : 16 };
    }
    if (v instanceof Uint8Array && v.constructor === Uint8Array) {
      return { tag: BYTES, bytes: v, need: 8 + pad8(v.byteLength) };
    }
    const bytes = serialize(v);
    return { tag: CLONE, bytes, need: 8 + pad8(bytes.byteLength) };
  }

  /** Whether a record of `need` bytes fits now. Under LOCK. */
  fits(need: number): boolean {
    return this.size - (this.h[USED] as number) >= need;
  }

  /** Appends a record (it fits). Under LOCK. */
  write(v: unknown, tag: number, bytes: Uint8Array | null, need: number): void {
    const h = this.h;
    const tail = h[TAIL] as number;
    const w = tail >> 2;
    this.words[w] = tag;
    if (tag === I32) this.words[w + 1] = v as number;
    else if (tag === F64) {
      this.words[w + 1] = 8;
      this.f64[((tail + 8) % this.size) >> 3] = v as number;
    } else {
      const b = bytes as Uint8Array;
      this.words[w + 1] = b.byteLength;
      this.copyIn(b, (tail + 8) % this.size);
    }
    h[TAIL] = (tail + need) % this.size;
    h[USED] = (h[USED] as number) + need;
    h[COUNT] = (h[COUNT] as number) + 1;
    this.sentMoved();
  }

  /** Takes the first record, or EMPTY. Under LOCK. */
  take(): unknown {
    const h = this.h;
    if (h[COUNT] === 0) return EMPTY;
    const head = h[HEAD] as number;
    const w = head >> 2;
    const tag = this.words[w] as number;
    const n = this.words[w + 1] as number;
    let v: unknown;
    let need = 8;
    if (tag === I32) v = n;
    else if (tag === F64) {
      v = this.f64[((head + 8) % this.size) >> 3];
      need = 16;
    } else {
      const out = new Uint8Array(n);
      this.copyOut(out, (head + 8) % this.size);
      need = 8 + pad8(n);
      v = tag === BYTES ? out : deserialize(out);
    }
    h[HEAD] = (head + need) % this.size;
    h[USED] = (h[USED] as number) - need;
    h[COUNT] = (h[COUNT] as number) - 1;
    this.recvdMoved();
    return v;
  }

  private copyIn(b: Uint8Array, at: number): void {
    const first = Math.min(b.byteLength, this.size - at);
    this.data.set(first === b.byteLength ? b : b.subarray(0, first), at);
    if (first < b.byteLength) this.data.set(b.subarray(first), 0);
  }

  private copyOut(out: Uint8Array, at: number): void {
    const first = Math.min(out.byteLength, this.size - at);
    out.set(this.data.subarray(at, at + first));
    if (first < out.byteLength) out.set(this.data.subarray(0, out.byteLength - first), first);
  }
}

/** I32 for an int32 (not -0), F64 for any other number. */
export function numberTag(v: number): number {
  return (v | 0) === v && (v !== 0 || 1 / v > 0) ? I32 : F64;
}

function pad8(n: number): number {
  return (n + 7) & ~7;
}
