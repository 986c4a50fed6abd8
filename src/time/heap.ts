/**
 * A 4-ary min-heap of timers, ordered by (deadline, sequence number), so that
 * equal deadlines fire in the order they were set.
 *
 * The d-ary heap is D. B. Johnson's (1975); 4 children per node halve the
 * depth of a binary heap and keep a node's children in one cache line of the
 * index array. Go's runtime keeps its timers in a 4-ary heap
 * (`runtime/time.go`), and so does libtf, whose timers this layer follows
 * (docs/design.md, "Timers"); libuv's `heap-inl.h` is a binary heap. Each
 * entry knows its own index (`idx`), so a withdrawn wait removes its timer in
 * O(log n) instead of leaving a tombstone.
 *
 * The keys live in two numeric arrays parallel to the entries (`ats`,
 * `seqs`), so a sift compares numbers in three arrays instead of loading
 * each entry it passes: pushing and popping the deadlines of the sleepers
 * bench (1M) took 0.48 / 0.51 of the time with the keys on the entries
 * (Node 24 / 20, medians of 5 alternated runs, loaded machine); the arrays
 * cost ~14 bytes more per armed timer (their spare capacity). The `idx`
 * writes on every move cost 1–4 % of that time: kept, for O(log n) removal.
 *
 * Invariants: `items[i].idx === i`, `ats[i] === items[i].at` and `seqs[i]`
 * is `items[i]`'s order of pushing, for every entry on the heap; `idx === -1`
 * for an entry on no heap; every parent is <= its children.
 */

import { checkHeap, DEBUG, watch } from "../core/invariants.js";

export interface HeapEntry {
  /** Deadline, in whole milliseconds of the runtime clock (a small integer: no boxed double). */
  at: number;
  /** Index on the heap, or -1. */
  idx: number;
}

export class TimerHeap<E extends HeapEntry> {
  private readonly items: E[] = [];
  /** `ats[i]` is `items[i].at`: the comparisons read these numbers, not the entries. */
  private readonly ats: number[] = [];
  /** `seqs[i]` is the order in which `items[i]` was pushed: it breaks ties between equal deadlines. */
  private readonly seqs: number[] = [];
  private seq = 0;

  constructor() {
    if (DEBUG) watch(this, checkHeap);
  }

  get size(): number {
    return this.items.length;
  }

  peek(): E | undefined {
    return this.items[0];
  }

  /** The earliest deadline, or `Infinity` when the heap is empty. */
  firstAt(): number {
    return this.items.length === 0 ? Number.POSITIVE_INFINITY : (this.ats[0] as number);
  }

  push(e: E): void {
    const i = this.items.length;
    this.items.push(e);
    this.ats.push(e.at);
    this.seqs.push(this.seq++);
    this.up(i);
  }

  pop(): E | undefined {
    const top = this.items[0];
    if (top !== undefined) this.removeAt(0);
    return top;
  }

  /** Removes `e` if it is on the heap; returns whether it was. */
  remove(e: E): boolean {
    if (e.idx < 0 || this.items[e.idx] !== e) return false;
    this.removeAt(e.idx);
    return true;
  }

  /** @internal The key arrays beside the entries, for the invariant checks (core/invariants.ts). */
  keys(): { ats: readonly number[]; seqs: readonly number[] } {
    return { ats: this.ats, seqs: this.seqs };
  }

  /** The entries in no particular order (for dumps). */
  entries(): readonly E[] {
    return this.items;
  }

  private removeAt(i: number): void {
    const items = this.items;
    const gone = items[i] as E;
    const last = items.pop() as E;
    const lastAt = this.ats.pop() as number;
    const lastSeq = this.seqs.pop() as number;
    gone.idx = -1;
    if (last === gone) return;
    items[i] = last;
    this.ats[i] = lastAt;
    this.seqs[i] = lastSeq;
    last.idx = i;
    this.down(i);
    this.up(last.idx);
  }

  private up(i: number): void {
    const items = this.items;
    const ats = this.ats;
    const seqs = this.seqs;
    const e = items[i] as E;
    const at = ats[i] as number;
    const seq = seqs[i] as number;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pAt = ats[p] as number;
      const pSeq = seqs[p] as number;
      if (pAt < at || (pAt === at && pSeq < seq)) break;
      const parent = items[p] as E;
      items[i] = parent;
      ats[i] = pAt;
      seqs[i] = pSeq;
      parent.idx = i;
      i = p;
    }
    items[i] = e;
    ats[i] = at;
    seqs[i] = seq;
    e.idx = i;
  }

  private down(i: number): void {
    const items = this.items;
    const ats = this.ats;
    const seqs = this.seqs;
    const n = items.length;
    const e = items[i] as E;
    const at = ats[i] as number;
    const seq = seqs[i] as number;
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
      const best = items[m] as E;
      items[i] = best;
      ats[i] = mAt;
      seqs[i] = mSeq;
      best.idx = i;
      i = m;
    }
    items[i] = e;
    ats[i] = at;
    seqs[i] = seq;
    e.idx = i;
  }
}
