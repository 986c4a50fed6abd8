/**
 * The invariants that the sync layer's hot files state (channel.ts, ring.ts,
 * mutex.ts, semaphore.ts, waitgroup.ts, event.ts), checked under
 * TASKLET_DEBUG=1 by the sweep of core/invariants.ts: each primitive's
 * constructor registers itself with `watchX(this)` under `if (DEBUG)`. The
 * links of their wait queues, and that every queued node is its blocked
 * tasklet's one wait, are checked by core (every WaitQueue is registered).
 *
 * The checks read the primitives' fields through views of their own, so
 * that this file imports none of the files it checks.
 */

import { fail, spent, watch } from "../core/invariants.js";
import type { Tasklet } from "../core/tasklet.js";
import type { WaitNode, WaitQueue } from "../core/wait.js";

export { DEBUG } from "../core/invariants.js";

interface RingView {
  slots: unknown[];
  head: number;
  length: number;
}

interface ChannelView {
  readonly id: number;
  readonly capacity: number;
  readonly recvq: WaitQueue;
  readonly sendq: WaitQueue;
  readonly buf: RingView | null;
  readonly closed_: boolean;
}

/** Registers a channel (channel.ts's constructor, under DEBUG). */
export function watchChannel(ch: object): void {
  watch(ch as ChannelView, checkChannel);
}

/** The invariants of channel.ts's file comment, and of its buffer (ring.ts). */
export function checkChannel(ch: ChannelView): void {
  const name = `channel#${ch.id}`;
  const r = ch.recvq.length;
  const s = ch.sendq.length;
  const buffered = ch.buf === null ? 0 : ch.buf.length;
  if (r > 0 && s > 0 && !oneSelect(ch)) {
    fail(
      "at least one of recvq and sendq is empty, except while one select waits both to send and to receive (sync/channel.ts)",
      `${name}: ${r} receivers, ${s} senders`,
    );
  }
  if (buffered > 0 && r > 0) {
    fail("if buf is non-empty, recvq is empty (sync/channel.ts)", `${name}: ${buffered} buffered, ${r} receivers`);
  }
  if (s > 0 && buffered < ch.capacity) {
    fail(
      "if sendq is non-empty, buf.length >= capacity (sync/channel.ts)",
      `${name}: ${s} senders, ${buffered} buffered of ${ch.capacity}`,
    );
  }
  if (ch.closed_ && (r > 0 || s > 0)) {
    fail("once closed, recvq and sendq are empty (sync/channel.ts)", `${name}: ${r} receivers, ${s} senders`);
  }
  if (ch.buf !== null) checkRing(ch.buf, name);
}

/** Whether every node of both queues is a case of one select (the exception of the first invariant). */
function oneSelect(ch: ChannelView): boolean {
  const nodes: WaitNode[] = [...ch.recvq.toArray(), ...ch.sendq.toArray()];
  const sel = (nodes[0] as WaitNode).sel;
  return sel !== null && nodes.every((n) => n.sel === sel && n.t !== null);
}

/** ring.ts: 0 <= length <= slots.length (a power of two), and the slots not in use hold undefined. */
function checkRing(b: RingView, name: string): void {
  const size = b.slots.length;
  if (size === 0 || (size & (size - 1)) !== 0 || b.length < 0 || b.length > size) {
    fail(
      "0 <= length <= slots.length, a power of two (sync/ring.ts)",
      `${name}'s buffer: length ${b.length} of ${size}`,
    );
  }
  for (let k = b.length; k < size; k++) {
    if (b.slots[(b.head + k) & (size - 1)] !== undefined) {
      fail("the slots not in use hold undefined (sync/ring.ts)", `${name}'s buffer: slot ${(b.head + k) & (size - 1)}`);
    }
  }
  spent(size);
}

interface MutexView {
  readonly id: number;
  owner: Tasklet | null;
  readonly waiters: WaitQueue;
}

/** Registers a mutex (mutex.ts's constructor, under DEBUG). */
export function watchMutex(m: object): void {
  watch(m as MutexView, checkMutex);
}

/** mutex.ts: waiters only while the lock is held. */
export function checkMutex(m: MutexView): void {
  if (m.waiters.length > 0 && m.owner === null) {
    fail(
      "a mutex's waiters are non-empty only while owner is set (sync/mutex.ts)",
      `mutex#${m.id}: ${m.waiters.length} waiting`,
    );
  }
}

interface SemaphoreView {
  readonly id: number;
  permits: number;
  readonly size: number;
  readonly waiters: WaitQueue;
}

/** Registers a semaphore (semaphore.ts's constructor, under DEBUG). */
export function watchSemaphore(s: object): void {
  watch(s as SemaphoreView, checkSemaphore);
}

/** semaphore.ts: waiters only while no permit is free; 0 <= permits <= size. */
export function checkSemaphore(s: SemaphoreView): void {
  const name = `semaphore#${s.id}`;
  if (!Number.isInteger(s.permits) || s.permits < 0 || s.permits > s.size) {
    fail("permits never exceeds size, nor goes below 0 (sync/semaphore.ts)", `${name}: ${s.permits} of ${s.size}`);
  }
  if (s.waiters.length > 0 && s.permits !== 0) {
    fail(
      "a semaphore's waiters are non-empty only while permits is 0 (sync/semaphore.ts)",
      `${name}: ${s.permits} free`,
    );
  }
}

interface WaitGroupView {
  readonly id: number;
  count: number;
  readonly waiters: WaitQueue;
}

/** Registers a wait group (waitgroup.ts's constructor, under DEBUG). */
export function watchWaitGroup(g: object): void {
  watch(g as WaitGroupView, checkWaitGroup);
}

/** waitgroup.ts: count >= 0; waiters only while count > 0. */
export function checkWaitGroup(g: WaitGroupView): void {
  const name = `wait group#${g.id}`;
  if (g.count < 0) fail("a wait group's count >= 0 (sync/waitgroup.ts)", `${name}: count ${g.count}`);
  if (g.waiters.length > 0 && g.count === 0) {
    fail(
      "a wait group's waiters are non-empty only while count > 0 (sync/waitgroup.ts)",
      `${name}: ${g.waiters.length} waiting`,
    );
  }
}

interface EventView {
  readonly id: number;
  flag: boolean;
  readonly waiters: WaitQueue;
}

/** Registers an event (event.ts's constructor, under DEBUG). */
export function watchEvent(e: object): void {
  watch(e as EventView, checkEvent);
}

/** event.ts: nobody waits on a set event. */
export function checkEvent(e: EventView): void {
  if (e.flag && e.waiters.length > 0) {
    fail(
      "an event's waiters are empty while its flag is set (sync/event.ts)",
      `event#${e.id}: ${e.waiters.length} waiting`,
    );
  }
}
