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
 * Queues of waiting tasklets are intrusive, doubly linked lists with `first`
 * and `last` in the queue (no sentinel): push and unlink are O(1) and
 * allocate nothing. A registration (`WaitNode`) is one of two kinds:
 *
 *   - for a single wait, the tasklet itself: the record carries the links
 *     (`prev`, `next`, `queue`), its `value` field holds what it offers
 *     while it waits, and its `t` is itself and its `sel` null (getters), so
 *     a blocked tasklet allocates nothing but its record (issue 15: this
 *     saved a separate node of 80 bytes per blocked tasklet);
 *   - for a case of a select, a `CaseNode` (one per case), which also serves,
 *     with no tasklet, as a `sendAsync` value queued behind blocked senders
 *     (`HostSend`, sync/channel.ts) and as a watch on a tasklet's end that
 *     reports to a selector (`WatchNode`).
 *
 * The queues have no sentinel so that a queue of single waits (a channel's
 * receivers, a lock's waiters) links tasklets only: `pushBack`, `shift` and
 * `unlink` then see one hidden class, the tasklet's. Only a queue that also
 * holds select cases makes them see two.
 *
 * Invariants:
 *   - a node is on at most one queue; `queue` is null when it is on none, and
 *     then `prev` and `next` are null too;
 *   - a tasklet is on a wait queue only while it is BLOCKED in a single wait
 *     (so never while it runs, is ready or has ended);
 *   - `first.prev` and `last.next` are null, and `length` counts the links.
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
 * A wait on several sources at once (select). Each case is one CaseNode with
 * `sel` set to the selector and `tag` set to the case's index.
 */
export interface Selector {
  /**
   * Case `n` won: `n` is already off its queue. Withdraw every other case,
   * then wake the tasklet with the outcome (`value`, or `error` thrown).
   */
  win(n: CaseNode | WatchNode, value: unknown, isError: boolean): void;
}

/**
 * A registration on a wait queue other than a tasklet's own single wait.
 * `W` is who waits: a tasklet (`CaseNode`, the default: a case of its
 * select), or nobody (`CaseNode<null>`): a `sendAsync` value queued behind
 * blocked senders (`HostSend`, sync/channel.ts), a watch on a tasklet's end
 * that reports to a selector (`WatchNode`). The kinds are one class, so that
 * a queue's links see one hidden class for them; the type parameter only
 * tells the compiler which a queue holds, so no waker casts `n.t`.
 */
export class CaseNode<W extends Tasklet | null = Tasklet> {
  prev: AnyNode | null = null;
  next: AnyNode | null = null;
  /** The queue this node lives on, or null. */
  queue: WaitQueue<AnyNode> | null = null;
  /** What the waiter offers or asks for (a value to send, a permit count). */
  value: unknown = undefined;
  /** Free for the owner of the wait (a select's case index, …). */
  tag = 0;
  /** The select this node is a case of, or null. */
  sel: Selector | null = null;
  constructor(readonly t: W) {}

  /** Take the node off its queue, if it is on one. */
  unlink(): void {
    unlinkNode(this);
  }
}

/**
 * A tasklet's registration on a wait queue: the tasklet itself (a single
 * wait) or one case of its select. Both have `prev`, `next`, `queue`,
 * `value`, `t`, `sel` and `unlink()`.
 */
export type WaitNode = Tasklet | CaseNode<Tasklet>;
/** Any node: what links and queue bookkeeping see. */
export type AnyNode = Tasklet | CaseNode<Tasklet | null>;

/**
 * A node with no tasklet that reports to its selector (`sel`, never null):
 * a pool's or a scope's watch on a tasklet's end, on that tasklet's joiners.
 */
export class WatchNode extends CaseNode<null> {
  declare sel: Selector;
  constructor(sel: Selector, value: unknown) {
    super(null);
    this.sel = sel;
    this.value = value;
  }
}

/** Takes `n` off its queue, if it is on one (`Tasklet.unlink` and `CaseNode.unlink`). */
export function unlinkNode(n: AnyNode): void {
  const q = n.queue;
  if (q === null) return;
  const p = n.prev;
  const x = n.next;
  if (p === null) q.first_ = x;
  else p.next = x;
  if (x === null) q.last_ = p;
  else x.prev = p;
  n.prev = n.next = null;
  n.queue = null;
  q.length--;
}

/** FIFO of wait nodes; `N` is the kind it holds (tasklets' registrations by default). */
export class WaitQueue<N extends AnyNode = WaitNode> {
  /** @internal The first node, or null (use `first()`); written by `unlinkNode`. */
  first_: AnyNode | null = null;
  /** @internal The last node, or null; written by `unlinkNode`. */
  last_: AnyNode | null = null;
  length = 0;
  constructor() {
    if (DEBUG) watch(this, checkWaitQueue);
  }

  pushBack(n: N): void {
    const last = this.last_;
    n.prev = last;
    n.next = null;
    if (last === null) this.first_ = n;
    else last.next = n;
    this.last_ = n;
    n.queue = this;
    this.length++;
  }

  // The casts below hold because pushBack takes only N: every linked node is an N.

  /** The first node, or null. */
  first(): N | null {
    return this.first_ as N | null;
  }

  /** Unlinks and returns the first node, or null. */
  shift(): N | null {
    const n = this.first_;
    if (n === null) return null;
    const x = n.next;
    this.first_ = x;
    if (x === null) this.last_ = null;
    else x.prev = null;
    n.next = null;
    n.queue = null;
    this.length--;
    return n as N;
  }

  /** The nodes in order (a snapshot: safe to unlink while iterating). */
  toArray(): N[] {
    const out: N[] = [];
    for (let n = this.first_; n !== null; n = n.next) out.push(n as N);
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
  /** Completes at once for `t` if it can (taking the value, permit or lock) and returns the result; else returns `NOT_READY` with no side effect. Called by the runtime, not by users. */
  poll(t: Tasklet): T | NotReady;
  /** Registers node `n` so that the source later ends the wait with `rt.wakeNode(n, v)`, having taken `n` off its queue first. Called by the runtime. */
  enqueue(n: WaitNode): void;
  /** Takes off a registration that was not woken (a losing select case, a kill, a timeout), with no side effect. Called by the runtime. */
  dequeue(n: WaitNode): void;
  /** What is waited on (`recv on channel#3`), for dumps and deadlock reports. */
  describe(): string;
}
