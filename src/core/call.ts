import { isThenable, typeError } from "./check.js";
import { KilledError } from "./errors.js";
import { Op, type Operation, SUSPEND, type Suspend } from "./op.js";
import type { Tasklet } from "./tasklet.js";
import { type Blocker, NOT_READY, type NotReady, type Waitable, type WaitNode, WaitQueue } from "./wait.js";
import { WaitOp } from "./wait-op.js";

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

class PromiseCallOp<T> extends Op<T> {
  constructor(private readonly fn: (signal: AbortSignal) => PromiseLike<T> | T) {
    super();
  }
  start(t: Tasklet): T | Suspend {
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
    return SUSPEND;
  }
  describe(): string {
    return "call()";
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
  return new PromiseCallOp(fn);
}

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;

/**
 * until(): a promise as a wait source. The promise is subscribed to at the
 * first wait that blocks (so a rejection nobody waits for stays an unhandled
 * rejection, as Node reports it); its outcome is kept, and every wait after
 * it completes at once. Each waiting node counts in its runtime's `holds`
 * (the promise is outside the runtime and may still wake it), given back by
 * whatever takes the node off: the settlement or a withdrawal.
 */
class UntilOp<T> extends WaitOp<T> {
  private state = PENDING;
  private outcome: unknown = undefined;
  private subscribed = false;
  private readonly waiters = new WaitQueue();
  constructor(private readonly promise: PromiseLike<T>) {
    super();
  }
  poll(_t: Tasklet): T | NotReady {
    if (this.state === FULFILLED) return this.outcome as T;
    if (this.state === REJECTED) throw this.outcome;
    return NOT_READY;
  }
  enqueue(n: WaitNode): void {
    this.waiters.pushBack(n);
    n.t.rt.holds++;
    if (this.subscribed) return;
    this.subscribed = true;
    this.promise.then(
      (v) => this.settle(FULFILLED, v),
      (e: unknown) => this.settle(REJECTED, e),
    );
  }
  override dequeue(n: WaitNode): void {
    if (n.queue === null) return;
    n.unlink();
    n.t.rt.holds--;
  }
  describe(): string {
    return "a promise (until)";
  }
  private settle(state: number, outcome: unknown): void {
    this.state = state;
    this.outcome = outcome;
    const q = this.waiters;
    for (let n = q.shift(); n !== null; n = q.shift()) {
      const rt = n.t.rt;
      rt.holds--;
      if (state === FULFILLED) rt.wakeNode(n, outcome);
      else rt.wakeNodeThrow(n, outcome);
    }
  }
}

/**
 * Waits for a promise made elsewhere, and is also a case of `select`: its
 * value is the result, its rejection is thrown. A kill or a timeout of the
 * wait, or a losing select case, leaves the promise alone (it cannot be
 * cancelled: to abort the work behind it, use `call(signal => …)`). The
 * op keeps the outcome: waiting on it again completes at once.
 *
 * @example
 * const r = yield* select(until(fetch(url)), after(1000));
 * if (r.index === 1) console.log("slow");
 */
export function until<T>(promise: PromiseLike<T>): Operation<T> & Waitable<T> {
  if (!isThenable(promise)) {
    const hint = typeof promise === "function" ? "pass the promise, not the function: until(f())" : undefined;
    throw typeError("until", "promise", "a promise", promise, hint);
  }
  return new UntilOp(promise);
}
