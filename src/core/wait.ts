/**
 * Wait registration: how a blocked tasklet is found, woken once, and withdrawn.
 *
 * A tasklet that parks names a `Blocker`: the source it waits on (a channel,
 * a lock, a join, the timer heap, a select over several). Whoever ends the
 * wait first wins; the runtime then makes sure nothing else can:
 *
 *   - a waker that finds a node on its queue takes it off first, then calls
 *     `Runtime.wakeNode(n, value)` (or `wakeNodeThrow`). For a single wait
 *     that wakes the tasklet; for a node of a select (`n.sel` set) the
 *     `Selector` withdraws every other case of that select at once and wakes
 *     the tasklet with the winning case. A waker never needs to know which;
 *   - a source that is not a queue (a timer, a promise) and knows its tasklet
 *     may call `Runtime.wake(t, value)` directly when it is a single wait;
 *   - a kill, an interrupt or a timeout calls `blocker.withdraw(t)` first, and
 *     the blocker takes every registration of `t` off its queues at once,
 *     without side effects (no value, permit or byte is consumed).
 *
 * So a wait has exactly one outcome and nothing is lost (docs/design.md).
 *
 * Queues of waiting tasklets are intrusive, circular, doubly linked lists of
 * `WaitNode`s with a sentinel: push and unlink are O(1) and allocate nothing.
 * A tasklet reuses one node (`Tasklet.node()`) for every single-source wait;
 * a select allocates one node per case.
 *
 * Invariants:
 *   - a node is on at most one queue; `queue` is null when it is on none;
 *   - while its tasklet runs, the tasklet's own reusable node is on no queue.
 */

import { checkWaitQueue, DEBUG, watch } from "./invariants.js";
import type { Tasklet } from "./tasklet.js";

/** The source a blocked tasklet waits on. */
export interface Blocker {
  /** Take every registration of `t` off this source; `t` was not woken. */
  withdraw(t: Tasklet): void;
  /** What `t` waits on, for dumps and deadlock reports. */
  describe(t: Tasklet): string;
  /**
   * The one tasklet whose progress alone can end the wait of `t` (a lock's
   * owner, a join's target), or null: an edge of the wait-for graph
   * (wait-for.ts). Absent where many could (a channel, a select).
   */
  waitsFor?(t: Tasklet): Tasklet | null;
}

/**
 * A wait on several sources at once (select). Each case is one WaitNode with
 * `sel` set to the selector and `tag` set to the case's index.
 */
export interface Selector {
  /**
   * Case `n` won: `n` is already off its queue. Withdraw every other case,
   * then wake the tasklet with the outcome (`value`, or `error` thrown).
   */
  win(n: WaitNode, value: unknown, isError: boolean): void;
}

export class WaitNode {
  prev: WaitNode | null = null;
  next: WaitNode | null = null;
  /** The queue this node lives on, or null. */
  queue: WaitQueue | null = null;
  /** What the waiter offers or asks for (a value to send, a permit count). */
  value: unknown = undefined;
  /** Free for the owner of the wait (a select's case index, …). */
  tag = 0;
  /** The select this node is a case of, or null for a single wait. */
  sel: Selector | null = null;
  constructor(readonly t: Tasklet | null) {}

  /** Take the node off its queue, if it is on one. */
  unlink(): void {
    const q = this.queue;
    if (q === null) return;
    (this.prev as WaitNode).next = this.next;
    (this.next as WaitNode).prev = this.prev;
    this.prev = this.next = null;
    this.queue = null;
    q.length--;
  }
}

/** FIFO of wait nodes. */
export class WaitQueue {
  private readonly head = new WaitNode(null);
  length = 0;
  constructor() {
    this.head.prev = this.head.next = this.head;
    if (DEBUG) watch(this, checkWaitQueue);
  }

  pushBack(n: WaitNode): void {
    const last = this.head.prev as WaitNode;
    n.prev = last;
    n.next = this.head;
    last.next = n;
    this.head.prev = n;
    n.queue = this;
    this.length++;
  }

  /** The first node, or null. */
  first(): WaitNode | null {
    const n = this.head.next as WaitNode;
    return n === this.head ? null : n;
  }

  /** Unlinks and returns the first node, or null. */
  shift(): WaitNode | null {
    const n = this.head.next as WaitNode;
    if (n === this.head) return null;
    n.unlink();
    return n;
  }

  /** The nodes in order (a snapshot: safe to unlink while iterating). */
  toArray(): WaitNode[] {
    const out: WaitNode[] = [];
    for (let n = this.head.next as WaitNode; n !== this.head; n = n.next as WaitNode) out.push(n);
    return out;
  }
}

/** Returned by `Waitable.poll` when the source cannot complete at once. */
export const NOT_READY: unique symbol = Symbol("not ready");
export type NotReady = typeof NOT_READY;

/**
 * A source that a tasklet can wait on, alone or as one case of a select
 * (a channel's receive or send, a lock, a timer, a tasklet's end). One
 * protocol serves both: a single wait is a select of one case.
 *
 *   - `poll(t)` completes at once if it can (taking the value, the permit,
 *     the lock for `t`) and returns the result, or returns `NOT_READY`
 *     without side effects;
 *   - `enqueue(n)` registers node `n` (with `n.t`, `n.sel`, `n.tag` set by
 *     the caller) so that the source later ends the wait through
 *     `rt.wakeNode(n, v)` or `rt.wakeNodeThrow(n, e)`, having taken `n` off
 *     its queue first;
 *   - `dequeue(n)` takes a registration off that was not woken, without side
 *     effects (a losing select case, a kill, a timeout);
 *   - `describe()` says what is waited on, for dumps and deadlock reports.
 */
export interface Waitable<T> {
  poll(t: Tasklet): T | NotReady;
  enqueue(n: WaitNode): void;
  dequeue(n: WaitNode): void;
  describe(): string;
}
