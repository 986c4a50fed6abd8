/** The numbers of a tasklet's record (tasklet.ts), apart so that op.ts can read them without a cycle. */

export const NEW = 0;
export const READY = 1;
export const RUNNING = 2;
export const BLOCKED = 3;
/** States from here on are ended: */
export const RETURNED = 4;
export const FAILED = 5;
export const KILLED = 6;
export type State = 0 | 1 | 2 | 3 | 4 | 5 | 6;
export const STATE_NAMES = ["new", "ready", "running", "blocked", "done", "done", "done"] as const;
export type StateName = (typeof STATE_NAMES)[number];

/** How the scheduler resumes a tasklet at its next step (`resumeKind`, kept in `flags`). */
export const RESUME_NEXT = 0;
export const RESUME_THROW = 1;
export const RESUME_RETURN = 2;

/** Bits of `flags`. */
export const LEVEL_MASK = 3; // priority level: 0 high, 1 normal, 2 low
export const F_JOINABLE = 1 << 2;
export const F_KILLED = 1 << 3; // kill() was called; later kills do nothing
export const F_DYING = 1 << 4; // the kill was delivered: cleanup is running
export const F_EXITING = 1 << 5; // exit() was called: returning with ext.exitValue
export const F_OBSERVED = 1 << 6; // its error reached a joiner or a report
export const F_LOCALS_OWNED = 1 << 7; // `locals` is this tasklet's own map
export const F_PENDING_KILL = 1 << 8; // a kill waits for the next op
export const F_PENDING_INTERRUPT = 1 << 9; // ext.interrupt waits for the next op
export const F_PENDING = F_PENDING_KILL | F_PENDING_INTERRUPT;
export const F_YIELDED = 1 << 10; // READY after schedule(): it won nothing, so a kill or interrupt lands at once
export const F_PENDING_CALL = 1 << 11; // ext.posted holds calls to run at the next op (or at the end)
/** Returning from its body (a kill or an exit): its ops are watched by unwind.ts. */
export const F_UNWINDING = F_DYING | F_EXITING;
/** What an op checks before it starts: pending calls, a return lost on the way (unwind.ts), a pending kill or interrupt. */
export const F_AT_NEXT_OP = F_PENDING | F_PENDING_CALL | F_UNWINDING;
/** Bits 12–13 of `flags` hold `resumeKind` (one word less per tasklet). */
export const RESUME_SHIFT = 12;
export const RESUME_MASK = 3 << RESUME_SHIFT;
/** Bits 14–16 of `flags` hold `state`. */
export const STATE_SHIFT = 14;
export const STATE_MASK = 7 << STATE_SHIFT;
/** A timeout() is armed around its current op (time/timeout.ts): its waits end in time, so they close no wait-for cycle (wait-for.ts). */
export const F_TIMED = 1 << 17;
/** A withdrawn sleep of this tasklet left its slot in the timer heap (time/timers.ts): until the slot leaves, its sleeps take a timer of their own. */
export const F_SLEEP_LEFT = 1 << 18;
/** `origin` is the tasklet's own, with its rare fields (tasklet.ts, `extra()`). */
export const F_EXT = 1 << 19;
