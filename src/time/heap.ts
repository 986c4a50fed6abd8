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
 * Invariants: `items[i].idx === i` for every entry on the heap; `idx === -1`
 * for an entry on no heap; every parent is <= its children.
 */

import { checkHeap, DEBUG, watch } from "../core/invariants.js";

export interface HeapEntry {
  /** Deadline, in whole milliseconds of the runtime clock (a small integer: no boxed double). */
  at: number;
  /** Order of arming, to break ties between equal deadlines. */
  seq: number;
  /** Index on the heap, or -1. */
  idx: number;
}

function less(a: HeapEntry, b: HeapEntry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

export class TimerHeap<E extends HeapEntry> {
  private readonly items: E[] = [];
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

  push(e: E): void {
    e.seq = this.seq++;
    e.idx = this.items.length;
    this.items.push(e);
    this.up(e.idx);
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

  /** The entries in no particular order (for dumps). */
  entries(): readonly E[] {
    return this.items;
  }

  private removeAt(i: number): void {
    const items = this.items;
    const gone = items[i] as E;
    const last = items.pop() as E;
    gone.idx = -1;
    if (last === gone) return;
    items[i] = last;
    last.idx = i;
    this.down(i);
    this.up(last.idx);
  }

  private up(i: number): void {
    const items = this.items;
    const e = items[i] as E;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const parent = items[p] as E;
      if (!less(e, parent)) break;
      items[i] = parent;
      parent.idx = i;
      i = p;
    }
    items[i] = e;
    e.idx = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const e = items[i] as E;
    for (;;) {
      const c0 = (i << 2) + 1;
      if (c0 >= n) break;
      let m = c0;
      let best = items[c0] as E;
      const end = Math.min(c0 + 4, n);
      for (let c = c0 + 1; c < end; c++) {
        const x = items[c] as E;
        if (less(x, best)) {
          m = c;
          best = x;
        }
      }
      if (!less(best, e)) break;
      items[i] = best;
      best.idx = i;
      i = m;
    }
    items[i] = e;
    e.idx = i;
  }
}
