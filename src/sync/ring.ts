/**
 * ValueRing: a growable FIFO of values in a circular array (a channel's buffer).
 *
 * The array's length is a power of two, so an index wraps with a mask; it
 * doubles when full and never shrinks (a channel's buffer settles at its
 * capacity, or at the peak of its `sendAsync` backlog). Slots that are not
 * in use hold `undefined`, so a taken value is not kept alive by the ring.
 *
 * Invariants: 0 <= length <= slots.length; the values are
 * slots[head], slots[(head + 1) & mask], … (length of them).
 */

export class ValueRing<T> {
  private slots: (T | undefined)[];
  private head = 0;
  length = 0;

  constructor(initial = 8) {
    let n = 8;
    while (n < initial) n *= 2;
    this.slots = new Array<T | undefined>(n).fill(undefined);
  }

  push(v: T): void {
    const slots = this.slots;
    if (this.length === slots.length) {
      this.grow();
      this.push(v);
      return;
    }
    slots[(this.head + this.length) & (slots.length - 1)] = v;
    this.length++;
  }

  /** Takes the first value; the ring must not be empty. */
  shift(): T {
    const slots = this.slots;
    const h = this.head;
    const v = slots[h] as T;
    slots[h] = undefined;
    this.head = (h + 1) & (slots.length - 1);
    this.length--;
    return v;
  }

  private grow(): void {
    const old = this.slots;
    const n = old.length;
    const slots = new Array<T | undefined>(n * 2).fill(undefined);
    for (let i = 0; i < n; i++) slots[i] = old[(this.head + i) & (n - 1)];
    this.slots = slots;
    this.head = 0;
  }
}
