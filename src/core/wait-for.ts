/**
 * Wait-for cycles found while the rest of the program runs (partial
 * deadlocks): the check a single wait on a mutex, a join or a dispatched
 * body makes before it parks.
 *
 * The wait-for graph has an edge from a blocked tasklet to the one tasklet
 * whose progress alone can end its wait: a lock's owner, a join's target, a
 * dispatcher's runner (`Blocker.waitsFor`). Every other wait (a channel, a
 * semaphore, an event, a timer, a select of anything) has no such edge: many
 * tasklets, or the outside world, could end it. Each tasklet has at most one
 * outgoing edge, so from a given tasklet there is one path: if the wait of
 * `t` for `first` would close a cycle, following the edges from `first`
 * comes back to `t`.
 *
 * Invariants:
 *   - a cycle is closed only by a new single wait (an edge of a tasklet that
 *     is already blocked moves only to a tasklet that was just made ready,
 *     as a lock handed over), so checking each new wait finds each cycle
 *     when it forms, in the tasklet that formed it;
 *   - the walk runs only on the slow path (the poll failed, before parking),
 *     allocates nothing unless it finds a cycle, and stops at a tasklet that
 *     is not blocked, a wait with no edge, or after MAX_STEPS;
 *   - a wait under a timeout() (F_TIMED) is no edge: it ends in time, so
 *     neither the caller's timed wait nor a chain through one is reported.
 */

import { DeadlockError } from "./errors.js";
import { BLOCKED, F_TIMED } from "./flags.js";
import type { Tasklet } from "./tasklet.js";
import type { Blocker } from "./wait.js";

/** Longest chain followed: a longer one is given up (not reported), never walked forever. */
const MAX_STEPS = 1000;

/**
 * Throws `DeadlockError` naming the cycle if `t`, about to wait on `op` for
 * `first`, would close a cycle of waits; returns otherwise.
 */
export function checkWaitFor(t: Tasklet, first: Tasklet, op: Blocker): void {
  if ((t.flags & F_TIMED) !== 0) return;
  let u = first;
  for (let i = 0; i < MAX_STEPS; i++) {
    if (u === t) throw cycleError(t, op);
    if (u.state !== BLOCKED || (u.flags & F_TIMED) !== 0) return;
    const b = u.blocker;
    if (b === null || b.waitsFor === undefined) return;
    const next = b.waitsFor(u);
    if (next === null) return;
    u = next;
  }
}

/** `#4 a waits on mutex#1 held by #5 b, which waits on mutex#2 held by #4 a`, one line per tasklet in `blocked`. */
function cycleError(t: Tasklet, op: Blocker): DeadlockError {
  const lines = [`${t.describe()}: waits on ${op.describe(t)}`];
  const parts = [`${t.describe()} waits on ${op.describe(t)}`];
  for (let u = op.waitsFor?.(t) ?? t; u !== t; ) {
    const b = u.blocker as Blocker;
    lines.push(`${u.describe()}: waits on ${b.describe(u)}`);
    parts.push(`which waits on ${b.describe(u)}`);
    u = b.waitsFor?.(u) ?? t;
  }
  return new DeadlockError(lines, `wait-for cycle: ${parts.join(", ")}`);
}
