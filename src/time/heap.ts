/**
 * A 4-ary min-heap of timers, ordered by (deadline, sequence number), so that
 * equal deadlines fire in the order they were set.
 *
 * The d-ary heap is D. B. Johnson's (1975); 4 children per node halve the
 * depth of a binary heap and keep a node's children in one cache line of the
 * key arrays. Go's runtime keeps its timers in a 4-ary heap
 * (`runtime/time.go`), and so does libtf, whose timers this layer follows
 * (docs/design.md, "Timers"); libuv's `heap-inl.h` is a binary heap.
 *
 * The keys live in two numeric arrays parallel to the entries (`ats`,
 * `seqs`), so a sift compares and moves numbers and entry pointers and never
 * touches an entry: a million sleeping tasklets' timers are scattered over
 * the heap of the VM, and loading or writing one per level was a cache miss
 * per level. Pushing and popping the sleepers bench's deadlines (1M) took
 * 0.48 / 0.51 of the time with the keys on the entries (Node 24 / 20); the
 * per-entry index that made removal O(log n) (an `idx` written on every
 * move) was, in the sleepers bench itself, 373 of tasklet's 4 600 ms
 * (profile on Node 24), and is gone.
 *
 * Removal is lazy, as in Go's runtime (its "zombie" timers): the owner of an
 * entry makes its slot dead (what "armed" means is the owner's: the
 * `armed(e, seq)` given to the constructor) and calls `unarmed(e)`; the slot
 * stays, a zombie, until it reaches the top (then it is dropped at once, so
 * the top is always armed) or until zombies outnumber the armed slots (then
 * every zombie is dropped and the heap rebuilt in O(n), Floyd's heapify). A
 * removal is O(1) amortized, and right after one the arrays hold at most
 * twice the armed slots. The heap never writes to an entry.
 *
 * Invariants: every parent's key (`ats`, `seqs`) is <= its children's;
 * `zombies` counts the slots `i` for which `armed(items[i], seqs[i])` is
 * false; slot 0, if any, is armed; an entry has at most one armed slot (its
 * owner's rule: time/timers.ts); after an `unarmed`, `zombies <= size`
 * (pops only shrink the arrays).
 */

import { checkHeap, DEBUG, watch } from "../core/invariants.js";

export class TimerHeap<E> {
  private readonly items: E[] = [];
  /** `ats[i]` is the deadline slot `i` was pushed with: the comparisons read these numbers, not the entries. */
  private readonly ats: number[] = [];
  /** `seqs[i]` is the order in which slot `i` was pushed: it breaks ties between equal deadlines. */
  private readonly seqs: number[] = [];
  /** Slots whose entry was removed (or pushed again) since. */
  private zombies = 0;
  private seq = 0;

  /** `armed(e, seq)`: whether the slot of `e` pushed as number `seq` is still armed (the owner's rule). */
  constructor(readonly armed: (e: E, seq: number) => boolean) {
    if (DEBUG) watch(this, checkHeap);
  }

  /** Armed timers. */
  get size(): number {
    return this.items.length - this.zombies;
  }

  peek(): E | undefined {
    return this.items[0];
  }

  /** The earliest deadline, or `Infinity` when the heap is empty. */
  firstAt(): number {
    return this.items.length === 0 ? Number.POSITIVE_INFINITY : (this.ats[0] as number);
  }

  /** Arms `e` for deadline `at`; returns the slot's sequence number (the owner keeps it if its `armed` needs it). */
  push(e: E, at: number): number {
    const seq = this.seq++;
    this.up(this.items.length, e, at, seq);
    return seq;
  }

  /** Takes the earliest armed entry off, or undefined; its owner unarms it. */
  pop(): E | undefined {
    const top = this.items[0];
    if (top !== undefined) this.dropTop();
    return top;
  }

  /**
   * The owner made the armed slot of `e` dead (`armed` now says so): the slot
   * is dropped at once if it is the top, or counted a zombie.
   */
  unarmed(e: E): void {
    if (this.items[0] === e) this.dropTop();
    else if (++this.zombies > this.items.length - this.zombies) this.sweep();
  }

  /** @internal The slots as they stand, for the invariant checks (core/invariants.ts). */
  slots(): { items: readonly E[]; ats: readonly number[]; seqs: readonly number[]; zombies: number } {
    return { items: this.items, ats: this.ats, seqs: this.seqs, zombies: this.zombies };
  }

  /** Calls `f` with each armed entry and its deadline, in no particular order (dumps). */
  forEach(f: (e: E, at: number) => void): void {
    const items = this.items;
    for (let i = 0; i < items.length; i++) {
      const e = items[i] as E;
      if (this.armed(e, this.seqs[i] as number)) f(e, this.ats[i] as number);
    }
  }

  /** Drops slot 0 (armed, or counted out of `zombies` by the caller), then every zombie that comes to the top. */
  private dropTop(): void {
    const items = this.items;
    const ats = this.ats;
    const seqs = this.seqs;
    for (;;) {
      const e = items.pop() as E;
      const at = ats.pop() as number;
      const seq = seqs.pop() as number;
      const n = items.length;
      if (n === 0) return;
      this.down(0, e, at, seq);
      if (this.armed(items[0] as E, seqs[0] as number)) return;
      this.zombies--;
    }
  }

  /** Drops every zombie and restores the order bottom-up (Floyd's heapify, O(n)). */
  sweep(): void {
    const items = this.items;
    const ats = this.ats;
    const seqs = this.seqs;
    let n = 0;
    for (let i = 0; i < items.length; i++) {
      const e = items[i] as E;
      if (!this.armed(e, seqs[i] as number)) continue;
      items[n] = e;
      ats[n] = ats[i] as number;
      seqs[n] = seqs[i] as number;
      n++;
    }
    items.length = n;
    ats.length = n;
    seqs.length = n;
    this.zombies = 0;
    for (let i = (n - 2) >> 2; i >= 0; i--) this.down(i, items[i] as E, ats[i] as number, seqs[i] as number);
  }

  /** Puts (e, at, seq) in slot `i` (the end or a hole) and moves it up to its place. */
  private up(i: number, e: E, at: number, seq: number): void {
    const items = this.items;
    const ats = this.ats;
    const seqs = this.seqs;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pAt = ats[p] as number;
      const pSeq = seqs[p] as number;
      if (pAt < at || (pAt === at && pSeq < seq)) break;
      items[i] = items[p] as E;
      ats[i] = pAt;
      seqs[i] = pSeq;
      i = p;
    }
    items[i] = e;
    ats[i] = at;
    seqs[i] = seq;
  }

  /** Puts (e, at, seq) in the hole at slot `i` (< length) and moves it down to its place. */
  private down(i: number, e: E, at: number, seq: number): void {
    const items = this.items;
    const ats = this.ats;
    const seqs = this.seqs;
    const n = items.length;
    for (;;) {
      const c0 = (i << 2) + 1;
      if (c0 >= n) break;
      let m = c0;
      let mAt = ats[c0] as number;
      let mSeq = seqs[c0] as number;
      const end = Math.min(c0 + 4, n);
      for (let c = c0 + 1; c < end; c++) {
        const cAt = ats[c] as number;
        if (cAt < mAt || (cAt === mAt && (seqs[c] as number) < mSeq)) {
          m = c;
          mAt = cAt;
          mSeq = seqs[c] as number;
        }
      }
      if (at < mAt || (at === mAt && seq < mSeq)) break;
      items[i] = items[m] as E;
      ats[i] = mAt;
      seqs[i] = mSeq;
      i = m;
    }
    items[i] = e;
    ats[i] = at;
    seqs[i] = seq;
  }
}
