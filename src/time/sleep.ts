import { type Operation, SUSPEND, type Suspend } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import type { Blocker } from "../core/wait.js";
import { checkMs, Timer, timersOf } from "./timers.js";

/** sleep(ms): the op, the timer and the blocker in one object. */
class Sleep extends Timer implements Blocker {
  private t: Tasklet | null = null;
  constructor(private readonly ms: number) {
    super();
  }
  start(t: Tasklet): Suspend {
    this.t = t;
    timersOf(t.rt).add(this, this.ms);
    t.rt.park(t, this);
    return SUSPEND;
  }
  fire(): void {
    const t = this.t as Tasklet;
    t.rt.wake(t, undefined);
  }
  withdraw(t: Tasklet): void {
    timersOf(t.rt).remove(this);
    this.t = null; // a removed timer may stay in the heap a while (heap.ts): it keeps no tasklet alive
  }
  describe(): string {
    const t = this.t as Tasklet;
    if (this.ms === Number.POSITIVE_INFINITY) return "sleep(Infinity) (until killed)";
    return `sleep(${this.ms}) (${Math.max(0, Math.round(this.at - t.rt.host.now()))} ms left)`;
  }
}

/**
 * Suspends the current tasklet for `ms` milliseconds of the runtime's clock
 * (virtual under `tasklet/testing`). A kill withdraws the timer at once.
 * `sleep(Infinity)` waits until the tasklet is killed (alone, that is a
 * deadlock); durations beyond the host timer's 2^31 - 1 ms are kept exactly.
 *
 * @example
 * yield* sleep(100);
 */
export function sleep(ms: number): Operation<void> {
  return new Sleep(checkMs("sleep", ms));
}
