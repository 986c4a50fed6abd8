/**
 * ReadyQueue: an intrusive FIFO of tasklets linked through `Tasklet.next`.
 * A tasklet is on at most one ReadyQueue (a ready queue or a spawn batch of
 * its runtime), and only while NEW or READY. No allocation per push.
 *
 * `next` is also the tasklet's link on a wait queue (core/wait.ts): the two
 * uses never overlap, since a tasklet is on a wait queue only while BLOCKED
 * and a waker takes it off before making it ready. So every tasklet reached
 * through `next` here is a tasklet (the casts below).
 */

import type { Tasklet } from "./tasklet.js";

export class ReadyQueue {
  head: Tasklet | null = null;
  tail: Tasklet | null = null;
  length = 0;

  pushBack(t: Tasklet): void {
    t.next = null;
    if (this.tail === null) this.head = t;
    else this.tail.next = t;
    this.tail = t;
    this.length++;
  }

  shift(): Tasklet | null {
    const t = this.head;
    if (t === null) return null;
    this.head = t.next as Tasklet | null;
    if (this.head === null) this.tail = null;
    t.next = null;
    this.length--;
    return t;
  }

  /** Removes and returns the i-th tasklet (seeded schedules pick at random). */
  take(i: number): Tasklet | null {
    if (i === 0) return this.shift();
    let prev = this.head;
    for (let k = 1; k < i && prev !== null; k++) prev = prev.next as Tasklet | null;
    const t = prev === null ? null : (prev.next as Tasklet | null);
    if (prev === null || t === null) return null;
    prev.next = t.next;
    if (this.tail === t) this.tail = prev;
    t.next = null;
    this.length--;
    return t;
  }

  /** Moves all of `batch` in front of this queue, keeping the batch's order. */
  spliceFront(batch: ReadyQueue): void {
    if (batch.head === null) return;
    (batch.tail as Tasklet).next = this.head;
    if (this.tail === null) this.tail = batch.tail;
    this.head = batch.head;
    this.length += batch.length;
    batch.head = batch.tail = null;
    batch.length = 0;
  }
}
