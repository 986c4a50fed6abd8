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
  win(n: WaitNode | WatchNode, value: unknown, isError: boolean): void;
}

/**
 * A registration on a wait queue. `W` is who waits: a tasklet (`WaitNode`,
 * the default), or nobody (`WaitNode<null>`): a queue's head (`QueueHead`),
 * a `sendAsync` value queued behind blocked senders (`HostSend`,
 * sync/channel.ts), a watch on a tasklet's end that reports to a selector
 * (`WatchNode`). Heads and the nodes of channels and locks are one class,
 * so that `pushBack`, `shift` and `unlink` see one hidden class (a subclass
 * per kind would make them polymorphic); the type parameter only tells the
 * compiler which a queue holds, so no waker casts `n.t`. Watches, on a
 * tasklet's joiners only (not a hot path), are a subclass.
 */
export class WaitNode<W extends Tasklet | null = Tasklet> {
  prev: AnyNode | null = null;
  next: AnyNode | null = null;
  /** The queue this node lives on, or null. */
  queue: WaitQueue<AnyNode> | null = null;
  /** What the waiter offers or asks for (a value to send, a permit count). */
  value: unknown = undefined;
  /** Free for the owner of the wait (a select's case index, …). */
  tag = 0;
  /** The select this node is a case of, or null for a single wait. */
  sel: Selector | null = null;
  constructor(readonly t: W) {}

  /** Take the node off its queue, if it is on one. */
  unlink(): void {
    const q = this.queue;
    if (q === null) return;
    (this.prev as AnyNode).next = this.next;
    (this.next as AnyNode).prev = this.prev;
    this.prev = this.next = null;
    this.queue = null;
    q.length--;
  }
}

/** Any node: what links, heads and queue bookkeeping see. */
export type AnyNode = WaitNode<Tasklet | null>;
/** The sentinel of a WaitQueue: no tasklet, never returned by the queue. */
export type QueueHead = WaitNode<null>;

/**
 * A node with no tasklet that reports to its selector (`sel`, never null):
 * a pool's or a scope's watch on a tasklet's end, on that tasklet's joiners.
 */
export class WatchNode extends WaitNode<null> {
  declare sel: Selector;
  constructor(sel: Selector, value: unknown) {
    super(null);
    this.sel = sel;
    this.value = value;
  }
}

/** FIFO of wait nodes; `N` is the kind it holds (tasklets' nodes by default). */
export class WaitQueue<N extends AnyNode = WaitNode> {
  private readonly head: QueueHead = new WaitNode(null);
  length = 0;
  constructor() {
    this.head.prev = this.head.next = this.head;
    if (DEBUG) watch(this, checkWaitQueue);
  }

  pushBack(n: N): void {
    const last = this.head.prev as AnyNode;
    n.prev = last;
    n.next = this.head;
    last.next = n;
    this.head.prev = n;
    n.queue = this;
    this.length++;
  }

  // The casts below hold because pushBack takes only N: every node after the head is an N.

  /** The first node, or null. */
  first(): N | null {
    const n = this.head.next as AnyNode;
    return n === this.head ? null : (n as N);
  }

  /** Unlinks and returns the first node, or null. */
  shift(): N | null {
    const n = this.head.next as AnyNode;
    if (n === this.head) return null;
    n.unlink();
    return n as N;
  }

  /** The nodes in order (a snapshot: safe to unlink while iterating). */
  toArray(): N[] {
    const out: N[] = [];
    for (let n = this.head.next as AnyNode; n !== this.head; n = n.next as AnyNode) out.push(n as N);
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
