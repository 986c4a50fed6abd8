/**
 * Delivery into a tasklet from outside it: kills, interrupts and posted calls.
 *
 * Each is addressed to a tasklet that may be in any state. One that is
 * BLOCKED is withdrawn from its wait (`withdraw`, below) and made ready with
 * the delivery as its resumption; one suspended in schedule() takes it as its
 * resumption where it stands; one that is RUNNING, or READY with what its
 * wait won in hand, gets a pending flag and receives it at the start of its
 * next op (op.ts calls `runPosted`, then `deliverPending`).
 *
 * Invariants:
 *   - a kill wins over an interrupt: once F_DYING is set no interrupt armed
 *     before the kill lands, and a pending kill is delivered before a
 *     pending interrupt; an interrupt armed inside the cleanup (a timeout
 *     the cleanup started: `inCleanup`) lands there, as in any tasklet;
 *   - a kill is delivered once: a second kill() of a tasklet that is
 *     already killed (pending or in its cleanup) does nothing;
 *   - interrupts are never dropped: the first pending one is `ext.interrupt`,
 *     later ones wait in `ext.moreInterrupts` in the order they came, one
 *     delivered at each next op; `cancelInterrupt` withdraws only its own;
 *   - posted calls run inside their tasklet in posting order, before its next
 *     op starts or when it ends (end.ts runs them), never on an ended one.
 *
 * Callers call these functions directly (`Tasklet.kill`, time/timeout.ts,
 * sync/scope.ts, sync/ifc.ts, op.ts, end.ts, deadlock.ts). This file knows
 * the layout of a tasklet's flags (flags.ts), writes `state` through
 * `makeReady`, the one method of the runtime it uses (runtime.ts: it puts
 * the tasklet on a ready queue and kicks the loop).
 */

import {
  BLOCKED,
  F_DYING,
  F_KILLED,
  F_PENDING,
  F_PENDING_CALL,
  F_PENDING_INTERRUPT,
  F_PENDING_KILL,
  F_YIELDED,
  NEW,
  RESUME_NEXT,
  RESUME_RETURN,
  RESUME_THROW,
  RETURNED,
} from "./flags.js";
import type { Posted, Tasklet, TaskletExt } from "./tasklet.js";
import { unwindRestarts } from "./unwind.js";
import type { Blocker } from "./wait.js";

/** Kills `t`: it resumes with a return at its suspension point, or at its next op. */
export function kill(t: Tasklet): void {
  if (t.state >= RETURNED || (t.flags & F_KILLED) !== 0) return;
  t.flags |= F_KILLED;
  if (t.state === NEW) {
    // Never started: returning an unstarted generator runs none of its code.
    t.flags |= F_DYING;
    t.resumeKind = RESUME_RETURN;
  } else if (t.state === BLOCKED) {
    withdraw(t);
    t.flags |= F_DYING;
    t.resumeKind = RESUME_RETURN;
    t.value = undefined;
    unwindRestarts(t);
    t.rt.makeReady(t);
  } else if ((t.flags & F_YIELDED) !== 0) {
    // Suspended in schedule(): nothing in hand, so it dies where it stands.
    t.flags |= F_DYING;
    t.resumeKind = RESUME_RETURN;
    dropInterrupts(t);
    unwindRestarts(t);
  } else {
    // RUNNING, or READY with what its wait won in hand: at its next op.
    t.flags |= F_PENDING_KILL;
  }
}

/**
 * Raises `error` in `t` at its current suspension point (withdrawing its
 * wait), or at its next op if it is not blocked. A pending kill wins; a
 * delivered one wins too unless the interrupt was armed `inCleanup`.
 */
export function interrupt(t: Tasklet, error: unknown, inCleanup = false): void {
  if (t.state >= RETURNED || ((t.flags & F_DYING) !== 0 && !inCleanup)) return;
  if (t.state === BLOCKED) {
    withdraw(t);
    t.resumeKind = RESUME_THROW;
    t.value = error;
    t.rt.makeReady(t);
  } else if ((t.flags & F_YIELDED) !== 0 && t.resumeKind === RESUME_NEXT) {
    t.resumeKind = RESUME_THROW;
    t.value = error;
  } else if ((t.flags & F_PENDING_KILL) !== 0) {
    // A kill is pending: it wins.
  } else if ((t.flags & F_PENDING_INTERRUPT) === 0) {
    t.flags |= F_PENDING_INTERRUPT;
    t.extra().interrupt = error;
  } else {
    // One is pending already (a nested timeout expired first): this one waits its turn.
    const e = t.extra();
    if (e.interrupt !== error) (e.moreInterrupts ??= []).push(error);
  }
}

/** Withdraws an interrupt that has not been delivered (its timeout ended first). */
export function cancelInterrupt(t: Tasklet, error: unknown): void {
  const e = t.ext;
  if ((t.flags & F_PENDING_INTERRUPT) === 0 || e === null) return;
  if (e.interrupt === error) nextInterrupt(t, e);
  else if (e.moreInterrupts !== null) {
    const i = e.moreInterrupts.indexOf(error);
    if (i >= 0) e.moreInterrupts.splice(i, 1);
  }
}

/** Withdraws a blocked tasklet's wait: it will not be woken by its source. */
export function withdraw(t: Tasklet): void {
  const b = t.blocker as Blocker;
  t.blocker = null;
  b.withdraw(t);
}

/** A kill is delivered: the interrupts pending (armed before it) are dropped; the kill wins. */
function dropInterrupts(t: Tasklet): void {
  t.flags &= ~F_PENDING_INTERRUPT;
  const e = t.ext;
  if (e !== null) {
    e.interrupt = undefined;
    e.moreInterrupts = null;
  }
}

/** The pending interrupt was delivered or withdrawn: the next one waiting, if any, becomes pending. */
function nextInterrupt(t: Tasklet, e: TaskletExt): void {
  const more = e.moreInterrupts;
  if (more !== null && more.length > 0) {
    e.interrupt = more.shift();
  } else {
    e.interrupt = undefined;
    e.moreInterrupts = null;
    t.flags &= ~F_PENDING_INTERRUPT;
  }
}

/**
 * Posts `call` to `t` (an inter-tasklet call): it runs inside `t`, before
 * `t`'s next op starts or when `t` ends. Never blocks, never switches.
 * Returns false if `t` has ended (the call will never run).
 */
export function post(t: Tasklet, call: Posted): boolean {
  if (t.state >= RETURNED) return false;
  const e = t.extra();
  if (e.posted === null) e.posted = [call];
  else e.posted.push(call);
  t.flags |= F_PENDING_CALL;
  return true;
}

/** Runs the calls posted to `t`, in posting order; `t` is current. Calls posted meanwhile run too. */
export function runPosted(t: Tasklet): void {
  const e = t.ext;
  t.flags &= ~F_PENDING_CALL;
  if (e === null) return;
  for (let list = e.posted; list !== null; list = e.posted) {
    e.posted = null;
    for (const c of list) c.run();
  }
  t.flags &= ~F_PENDING_CALL;
}

/** Called at the start of an op of a tasklet with a pending kill or interrupt: delivers it now. */
export function deliverPending(t: Tasklet): void {
  if ((t.flags & F_PENDING_KILL) !== 0) {
    // The kill wins over the interrupts pending with it (armed before it): they are dropped.
    t.flags = (t.flags & ~F_PENDING) | F_DYING;
    t.resumeKind = RESUME_RETURN;
    t.value = undefined;
    dropInterrupts(t);
    unwindRestarts(t);
  } else {
    const e = t.extra();
    t.resumeKind = RESUME_THROW;
    t.value = e.interrupt;
    nextInterrupt(t, e);
  }
  // t stays RUNNING: step() resumes it again at once.
}
