import { currentOrThrow, Op, type Operation, SUSPEND, type Suspend } from "./op.js";
import { F_DYING, F_EXITING, RESUME_RETURN, type Tasklet } from "./tasklet.js";
import { unwindRestarts } from "./unwind.js";

class ScheduleOp extends Op<void> {
  start(t: Tasklet): Suspend {
    t.rt.requeue(t);
    return SUSPEND;
  }
  describe(): string {
    return "schedule()";
  }
}
const SCHEDULE = new ScheduleOp();

/**
 * Lets every other ready tasklet run once, then goes on: the current tasklet
 * goes to the back of its ready queue.
 *
 * @example
 * for (const item of bigList) { work(item); yield* schedule(); }
 */
export function schedule(): Operation<void> {
  return SCHEDULE;
}

class ExitOp extends Op<never> {
  constructor(private readonly value: unknown) {
    super();
  }
  start(t: Tasklet): Suspend {
    if ((t.flags & (F_DYING | F_EXITING)) === 0) {
      t.flags |= F_EXITING;
      t.extra().exitValue = this.value;
    }
    // Stay RUNNING: the scheduler returns the generator at once, so every
    // finally between here and the body runs (unwind.ts watches the way).
    t.resumeKind = RESUME_RETURN;
    unwindRestarts(t);
    return SUSPEND;
  }
  describe(): string {
    return "exit()";
  }
}

/**
 * Ends the current tasklet from any depth of `yield*`: every `finally` on
 * the way runs (and may block), and `join()` returns `value`.
 *
 * @example
 * function* deep(): Operation<void> { yield* exit(42); }
 */
export function exit(value?: unknown): Operation<never> {
  currentOrThrow("exit()");
  return new ExitOp(value);
}
