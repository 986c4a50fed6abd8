/**
 * The operations of a channel (channel.ts): each is both the op of a single
 * wait and a `Waitable` case of select. They reach into the channel's
 * queues and use its `take`/`pollSend`; channel.ts states the invariants.
 *
 * A single wait reuses the tasklet's own node (`Tasklet.node()`, with
 * `sel = null`); a select gives each case a fresh node. Either way the
 * channel wakes it with `rt.wakeNode`, which reaches the tasklet or its
 * selector.
 */

import { Op, PARK, type Park } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { type Blocker, NOT_READY, type NotReady, type Waitable, type WaitNode } from "../core/wait.js";
import { WaitOp } from "../core/wait-op.js";
import type { Channel } from "./channel.js";

/** What `recvOrDone()` gives: a value, or `done` once the channel is closed and drained. */
export type RecvResult<T> =
  | { readonly done: false; readonly value: T }
  | { readonly done: true; readonly value: undefined };

/** Marks a receiver node that wants a RecvResult (recvOrDone). */
export const OR_DONE: unique symbol = Symbol("recvOrDone");
export const DONE: RecvResult<never> = Object.freeze({ done: true, value: undefined });

/** Hands `v` to the receiver of node `r`, which the caller took off recvq. */
export function deliver(r: WaitNode, v: unknown): void {
  wake(r, r.value === OR_DONE ? { done: false, value: v } : v);
}

export function wake(n: WaitNode, v: unknown): void {
  (n.t as Tasklet).rt.wakeNode(n, v);
}

export function wakeThrow(n: WaitNode, e: unknown): void {
  (n.t as Tasklet).rt.wakeNodeThrow(n, e);
}

/**
 * recv(): one per channel; it keeps no per-call state (the waiter is the
 * node's tasklet). It uses WaitOp.start as every other wait does: a copy of
 * start specialized for the channel (monomorphic poll/enqueue calls) measured
 * no faster on ping-pong (medians of 11 alternated runs: 253 ms shared,
 * 266 ms specialized, 255 ms before the change; the machine's noise is larger).
 */
export class RecvOp<T> extends WaitOp<T> {
  constructor(private readonly ch: Channel<T>) {
    super();
  }
  poll(): T | NotReady {
    const ch = this.ch;
    const v = ch.take();
    if (v === NOT_READY && ch.closed) throw ch.closedError();
    return v;
  }
  enqueue(n: WaitNode): void {
    n.value = undefined;
    this.ch.recvq.pushBack(n);
  }
  describe(): string {
    return `recv on ${this.ch.describe()}`;
  }
}

/** recvOrDone(): as RecvOp, but a closed, drained channel gives DONE. */
export class RecvOrDoneOp<T> extends WaitOp<RecvResult<T>> {
  constructor(private readonly ch: Channel<T>) {
    super();
  }
  poll(): RecvResult<T> | NotReady {
    const ch = this.ch;
    const v = ch.take();
    if (v !== NOT_READY) return { done: false, value: v };
    return ch.closed ? DONE : NOT_READY;
  }
  enqueue(n: WaitNode): void {
    n.value = OR_DONE;
    this.ch.recvq.pushBack(n);
  }
  override dequeue(n: WaitNode): void {
    n.unlink();
    n.value = undefined;
  }
  describe(): string {
    return `recvOrDone on ${this.ch.describe()}`;
  }
}

/**
 * send(v): made per call, since it carries the value (an op cached per
 * channel would send the wrong value if one were held and yielded again
 * after another send). While parked, the tasklet's blocker is the channel's
 * `sendWait`, so the op is garbage as soon as it started.
 */
export class SendOp<T> extends Op<void> implements Waitable<void> {
  constructor(
    private readonly ch: Channel<T>,
    private readonly v: T,
  ) {
    super();
  }
  start(t: Tasklet): undefined | Park {
    const ch = this.ch;
    if (ch.pollSend(this.v)) return undefined;
    const n = t.node();
    n.sel = null;
    n.value = this.v;
    ch.sendq.pushBack(n);
    // The channel's shared blocker, not this op: a parked sender keeps no op alive.
    t.rt.park(t, ch.sendWait);
    return PARK;
  }
  poll(): undefined | NotReady {
    return this.ch.pollSend(this.v) ? undefined : NOT_READY;
  }
  enqueue(n: WaitNode): void {
    n.value = this.v;
    this.ch.sendq.pushBack(n);
  }
  dequeue(n: WaitNode): void {
    n.unlink();
    n.value = undefined;
  }
  describe(): string {
    return `send on ${this.ch.describe()}`;
  }
}

/** The blocker of every tasklet parked in a single send on one channel (one per channel). */
export class SendWait implements Blocker {
  constructor(private readonly ch: Channel<unknown>) {}
  withdraw(t: Tasklet): void {
    const n = t.node();
    n.unlink();
    n.value = undefined;
  }
  describe(): string {
    return `send on ${this.ch.describe()}`;
  }
}
