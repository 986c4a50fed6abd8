/**
 * sleep(ms): the op is also the blocker, and the sleeping tasklet is its own
 * entry on the timer heap (time/timers.ts, `addSleeper`), so a sleep keeps no
 * object of its own alive while it waits.
 *
 * An op holds only its duration and is immutable, so one op serves every
 * tasklet that sleeps that long, at once or in turn, as the channel's shared
 * `sendWait` serves its senders: `sleep(ms)` hands out the op of a small
 * table (CACHE_SLOTS, indexed by the duration) when it has that duration, and
 * a new one otherwise. In the sleepers bench (1M sleeping tasklets) an object
 * per sleep alive until its deadline cost the reference scheduler 0.3x of its
 * time (bench/lib/reference.ts given a 56-byte entry per sleep, Node 24).
 *
 * The deadline lives in the heap's key array only: `describe` finds it there
 * (`Timers.deadlineOf`, an index built once per dump).
 */

import { type Operation, SUSPEND, type Suspend } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { checkMs, SleepWait, timersOf } from "./timers.js";

class Sleep extends SleepWait {
  constructor(readonly ms: number) {
    super();
  }
  start(t: Tasklet): Suspend {
    if (this.ms !== Number.POSITIVE_INFINITY) timersOf(t.rt).addSleeper(t, this.ms);
    t.rt.park(t, this);
    return SUSPEND;
  }
  withdraw(t: Tasklet): void {
    if (this.ms !== Number.POSITIVE_INFINITY) timersOf(t.rt).removeSleeper(t);
  }
  describe(t: Tasklet): string {
    if (this.ms === Number.POSITIVE_INFINITY) return "sleep(Infinity) (until killed)";
    const at = timersOf(t.rt).deadlineOf(t);
    if (Number.isNaN(at)) return `sleep(${this.ms})`;
    return `sleep(${this.ms}) (${Math.max(0, Math.round(at - t.rt.host.now()))} ms left)`;
  }
}

/** Slots of the table of shared ops (a power of two). */
const CACHE_SLOTS = 1024;
const cache: (Sleep | undefined)[] = new Array(CACHE_SLOTS).fill(undefined);

/**
 * Suspends the current tasklet for `ms` milliseconds of the runtime's clock
 * (virtual under `tasklet/testing`). A kill withdraws the timer at once.
 * `sleep(Infinity)` waits until the tasklet is killed (alone, that is a
 * deadlock); durations beyond the host timer's 2^31 - 1 ms are kept exactly.
 * The op may be shared with other calls of the same duration (it holds
 * nothing else).
 *
 * @example
 * yield* sleep(100);
 */
export function sleep(ms: number): Operation<void> {
  ms = checkMs("sleep", ms);
  const i = ms & (CACHE_SLOTS - 1);
  const op = cache[i];
  if (op !== undefined && op.ms === ms) return op;
  const fresh = new Sleep(ms);
  cache[i] = fresh;
  return fresh;
}
