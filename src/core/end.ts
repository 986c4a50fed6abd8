/**
 * The end of a tasklet's life: its outcome recorded, its joiners woken, and
 * an error nobody will see reported.
 *
 * `finish` is called once per tasklet, by the runtime's step() when the
 * generator returns or throws, or by `abandon` (deadlock.ts). It runs the
 * calls still posted to the tasklet (inside it), turns a return of a dying
 * tasklet into KILLED, drops every reference the tasklet held (generator,
 * blocker, locals), takes it off the runtime's live list and wakes joiners.
 *
 * Invariants:
 *   - after finish, `t.state` >= RETURNED, `t` is on no queue and off the
 *     live list, and `liveCount` counts it no more;
 *   - a failure is reported exactly once: to a joiner that asked for the
 *     outcome, to a root's `onEnd`, or else through the group's onUncaught —
 *     at once for a detached tasklet; for a joinable one, at the runtime's
 *     next idle or before the next root ends, whichever is first, unless a
 *     join() took it meanwhile (Node's rule for unhandled rejections:
 *     `Runtime.failedUnjoined` holds it until then, F_OBSERVED marks it
 *     seen). A later join() still gets the error;
 *   - an onUncaught handler that throws never unwinds the run loop: its
 *     error is written to stderr and the process's exit code set to 7, as
 *     Node does for an error in an 'uncaughtException' handler.
 *
 * This file knows the layout of the runtime's live list (`liveHead`,
 * `liveCount`, `Tasklet.liveNext/livePrev`): runtime.ts's spawn() links,
 * this file unlinks. If either changes, adjust the other.
 */

import { runPosted } from "./delivery.js";
import { KilledError, TaskletError, UncaughtError } from "./errors.js";
import { setCurrent } from "./op.js";
import type { Runtime } from "./runtime.js";
import {
  F_DYING,
  F_EXITING,
  F_JOINABLE,
  F_OBSERVED,
  F_PENDING,
  F_PENDING_CALL,
  FAILED,
  type Group,
  KILLED,
  RETURNED,
  type State,
  type Tasklet,
} from "./tasklet.js";
import type { WaitNode, WatchNode } from "./wait.js";

/** The tasklet ended: record the outcome, wake joiners, report what nobody will see. */
export function finish(t: Tasklet, outcome: State, value: unknown): void {
  const rt = t.rt;
  if ((t.flags & F_PENDING_CALL) !== 0) {
    // Calls posted to it run at its end, still inside it.
    setCurrent(t);
    runPosted(t);
    setCurrent(null);
  }
  const flags = t.flags;
  if (outcome === RETURNED) {
    if ((flags & F_DYING) !== 0) outcome = KILLED;
    else if ((flags & F_EXITING) !== 0) value = t.ext?.exitValue;
  } else if (outcome === FAILED) {
    value = withTaskletContext(value, t);
  }
  t.flags = flags & ~F_PENDING;
  t.state = outcome;
  t.gen = null;
  t.blocker = null;
  t.locals = null;
  t.value = outcome === KILLED ? undefined : value;
  // Off the live list.
  const prev = t.livePrev;
  const next = t.liveNext;
  if (prev === null) rt.liveHead = next;
  else prev.liveNext = next;
  if (next !== null) next.livePrev = prev;
  t.liveNext = t.livePrev = null;
  rt.liveCount--;

  const joiners = t.joiners;
  if (joiners !== null) {
    t.joiners = null;
    // A joiner's node.value is true when it asks for the outcome (join), false for the bare end.
    for (let n = joiners.shift(); n !== null; n = joiners.shift()) {
      const withValue = n.value === true;
      if (outcome === RETURNED || !withValue) wakeJoiner(n, withValue ? value : undefined, false);
      else if (outcome === FAILED) {
        t.flags |= F_OBSERVED;
        wakeJoiner(n, value, true);
      } else wakeJoiner(n, new KilledError(`${t.describe()} was killed`), true);
    }
  }
  const ext = t.ext;
  if (ext !== null) {
    const onEnd = ext.onEnd;
    if (onEnd !== null) {
      ext.onEnd = null;
      if (outcome === FAILED) t.flags |= F_OBSERVED;
      // A root's end settles its run(): what failed unjoined before it is reported first.
      if (rt.failedUnjoined.length > 0) reportUnjoined(rt);
      onEnd(t, ext.deadlock);
    }
  }
  if (outcome === FAILED && (t.flags & F_OBSERVED) === 0) {
    if ((t.flags & F_JOINABLE) === 0) {
      t.flags |= F_OBSERVED;
      reportUncaught(t.group, new UncaughtError(value, t.id, t.name));
    } else {
      // Nobody joined yet; somebody may, until the runtime goes idle.
      rt.failedUnjoined.push(t);
    }
  }
}

/** Ends a joiner's wait, or tells a watch (a scope's, a pool's: no tasklet waits) through its selector. */
function wakeJoiner(n: WaitNode | WatchNode, v: unknown, isError: boolean): void {
  if (n.t === null) n.sel.win(n, v, isError);
  else if (isError) n.t.rt.wakeNodeThrow(n, v);
  else n.t.rt.wakeNode(n, v);
}

/**
 * Reports the failures that nobody joined since they happened (the loop
 * calls this when it goes idle; finish, before a root's end).
 */
export function reportUnjoined(rt: Runtime): void {
  const list = rt.failedUnjoined;
  rt.failedUnjoined = [];
  for (const t of list) {
    if ((t.flags & F_OBSERVED) !== 0) continue;
    t.flags |= F_OBSERVED;
    reportUncaught(t.group, new UncaughtError(t.value, t.id, t.name));
  }
}

/** Calls the group's onUncaught; a handler that throws is reported and the run goes on. */
function reportUncaught(group: Group, error: UncaughtError): void {
  try {
    group.onUncaught(error);
  } catch (handlerError) {
    process.stderr.write(
      `tasklet: the onUncaught handler threw ${describe(handlerError)}\nwhile reporting ${describe(error)}\n`,
    );
    if (process.exitCode === undefined || process.exitCode === 0) process.exitCode = 7;
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
}

/** A stack overflow names the tasklet it happened in (libwire's stack fault report). */
function withTaskletContext(error: unknown, t: Tasklet): unknown {
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return new TaskletError(`stack overflow in tasklet ${t.describe()}: ${error.message}`, { cause: error });
  }
  return error;
}
