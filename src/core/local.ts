import { currentOrThrow } from "./op.js";
import { F_LOCALS_OWNED } from "./tasklet.js";

/**
 * A value per tasklet (the Qpid event channel's task-local storage). A spawned tasklet
 * starts with its spawner's values (copied on first `set`, so neither sees
 * the other's later changes); outside any `set`, `get()` is the initial value.
 *
 * @example
 * const requestId = new TaskletLocal<string>("none");
 * requestId.set("r-17");
 * spawn(function* () { requestId.get(); }); // "r-17"
 */
export class TaskletLocal<T> {
  constructor(private readonly initial: T) {}

  /** This tasklet's value: the last `set` in it or in its spawner before the spawn, else the initial value. Throws `TaskletError` outside a tasklet. */
  get(): T {
    const m = currentOrThrow("TaskletLocal.get()").locals;
    if (m?.has(this)) return m.get(this) as T;
    return this.initial;
  }

  /** Sets this tasklet's value; its spawner and tasklets it already spawned do not see it. Throws `TaskletError` outside a tasklet. */
  set(value: T): void {
    const t = currentOrThrow("TaskletLocal.set()");
    if ((t.flags & F_LOCALS_OWNED) === 0 || t.locals === null) {
      t.locals = new Map(t.locals ?? undefined);
      t.flags |= F_LOCALS_OWNED;
    }
    t.locals.set(this, value);
  }
}
