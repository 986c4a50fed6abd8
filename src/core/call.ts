import { isThenable, typeError } from "./check.js";
import { KilledError } from "./errors.js";
import { Op, type Operation, PARK, type Park } from "./op.js";
import type { Tasklet } from "./tasklet.js";
import type { Blocker } from "./wait.js";

/** One call() in flight: settled once, by the promise or by a withdrawal. */
class Pending implements Blocker {
  live = true;
  constructor(readonly controller: AbortController) {}
  withdraw(t: Tasklet): void {
    this.live = false;
    t.rt.holds--;
    this.controller.abort(new KilledError(`call() in ${t.describe()} was withdrawn (kill or timeout)`));
  }
  describe(): string {
    return "a promise (call)";
  }
}

class CallOp<T> extends Op<T> {
  constructor(private readonly fn: (signal: AbortSignal) => PromiseLike<T> | T) {
    super();
  }
  start(t: Tasklet): T | Park {
    const controller = new AbortController();
    const result = this.fn(controller.signal);
    if (typeof (result as PromiseLike<T> | null)?.then !== "function") return result as T;
    const p = new Pending(controller);
    const rt = t.rt;
    rt.holds++;
    (result as PromiseLike<T>).then(
      (v) => {
        if (!p.live) return;
        p.live = false;
        rt.holds--;
        rt.wake(t, v);
      },
      (e: unknown) => {
        if (!p.live) return;
        p.live = false;
        rt.holds--;
        rt.wakeThrow(t, e);
      },
    );
    rt.park(t, p);
    return PARK;
  }
}

/**
 * Waits for a promise inside a tasklet: `fn` is called with an `AbortSignal`
 * that a kill or a timeout aborts, and its promise's value (or error) is the
 * result. A promise that settles after the wait was withdrawn is ignored.
 *
 * @example
 * const res = yield* call((signal) => fetch(url, { signal }));
 */
export function call<T>(fn: (signal: AbortSignal) => PromiseLike<T> | T): Operation<T> {
  if (typeof fn !== "function") {
    const hint = isThenable(fn) ? "pass a function that returns it: call(() => promise)" : undefined;
    throw typeError("call", "fn", "a function returning a promise or a value", fn, hint);
  }
  return new CallOp(fn);
}
