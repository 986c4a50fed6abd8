/**
 * The deadlock check: a pending root that can never end.
 *
 * runtime.ts's loop defers this check when it goes idle with roots pending,
 * no holds and no armed timer (so callbacks already due run first). While
 * something outside the runtime is alive in Node's event loop (a host timer,
 * socket, child process, worker or fs request: `Host.outsideAlive`), a host
 * callback may still feed a channel or set an event, so the check waits:
 * it looks again after a short delay (10 ms, doubling to 250 ms), and the
 * run goes on as soon as anything makes a tasklet ready. Once nothing
 * outside is left and still nothing could make a tasklet ready, every live tasklet is
 * listed in a DeadlockError, each root records it (`ext.deadlock`, given to
 * its onEnd), and every live tasklet is killed so that cleanups run and may
 * yet end the deadlock. If the cleanups deadlock too (every live tasklet is
 * already killed), what is left is abandoned: ended without running more of
 * its code.
 *
 * Invariants:
 *   - the check concludes only with `running`, `scheduled` false, `holds`
 *     zero, no timer armed and no tasklet ready or in a spawn batch;
 *   - at most one check is pending (`Runtime.deadlockCheckPending`).
 *
 * This file reads the runtime's internal loop state (`running`, `scheduled`,
 * `roots`, `batchMask`, `anyReady`) and ends tasklets through `finish`
 * (end.ts); if the loop's idle condition in runtime.ts changes, adjust both.
 */

import { kill, withdraw } from "./delivery.js";
import { finish } from "./end.js";
import { DeadlockError } from "./errors.js";
import type { Runtime } from "./runtime.js";
import { BLOCKED, F_DYING, RETURNED, type Tasklet } from "./tasklet.js";
import type { Blocker } from "./wait.js";

/** The first and the longest delay between two looks while something outside is alive. */
const MIN_POLL_MS = 10;
const MAX_POLL_MS = 250;

/** Fails the pending roots of `rt` if nothing can make progress any more (deferred by the loop). */
export function checkDeadlock(rt: Runtime): void {
  rt.deadlockCheckPending = false;
  if (
    rt.running ||
    rt.scheduled ||
    rt.roots.size === 0 ||
    rt.holds > 0 ||
    (rt.timers !== null && rt.timers.size > 0) ||
    rt.anyReady() ||
    rt.batchMask !== 0
  ) {
    rt.outsidePollMs = 0;
    return;
  }
  if (rt.host.outsideAlive()) {
    // A host callback may still wake a tasklet: look again later.
    rt.deadlockCheckPending = true;
    rt.outsidePollMs = Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, rt.outsidePollMs * 2));
    rt.host.later(rt.outsidePollMs, () => checkDeadlock(rt));
    return;
  }
  rt.outsidePollMs = 0;
  const live = rt.live();
  const lines = live.map(
    (t) =>
      `${t.describe()}${t.isKilled() ? " (killed, in cleanup)" : ""}: ${t.state === BLOCKED ? `waits on ${(t.blocker as Blocker).describe(t)}` : t.stateName}`,
  );
  const error = new DeadlockError(lines);
  rt.onDeadlock?.(error);
  const again = live.every((t) => t.isKilled());
  for (const r of rt.roots) {
    const e = r.extra();
    e.deadlock ??= error;
  }
  if (!again) {
    // Kill everything blocked: cleanups run and may end the deadlock; roots fail with it.
    for (const t of live) kill(t);
  } else {
    // Cleanups deadlocked too: abandon what is left.
    for (const t of live) abandon(t);
  }
}

/** Ends a tasklet without running any more of its code. */
function abandon(t: Tasklet): void {
  if (t.state >= RETURNED) return;
  if (t.state === BLOCKED) withdraw(t);
  t.flags |= F_DYING;
  finish(t, RETURNED, undefined);
}
