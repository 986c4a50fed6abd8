/**
 * Inter-tasklet calls (libtf's inter-fibre calls): post a function to another tasklet,
 * to run inside it (it is `current()`, its TaskletLocals are visible) at a
 * point where it is suspended in a consistent state; wait for the result if
 * you want it.
 *
 * When the call runs: before the target's next operation starts (every
 * `yield*` of a runtime operation is a processing point, as libtf's
 * tf_ifc_process()), or when the target ends (libtf's tf_exit()). A
 * target blocked in a wait runs its calls when that wait ends, before its
 * next operation; the call does not wake it. Calls to one target run in
 * posting order. Posting never blocks and never switches tasklets; posting
 * to a tasklet that has ended fails the call at once.
 *
 * The function is a plain function (it must not block); its value, or its
 * error, is kept by the `PostedCall` for `result()`. Nobody has to wait.
 *
 * Built on a small hook of the core: `post` (core/delivery.ts) keeps the call in the
 * target's record and sets `F_PENDING_CALL`, which the op protocol checks
 * with the pending kills and interrupts (op.ts), and `finish` at the end.
 */

import { checkFunction, typeError } from "../core/check.js";
import { post as postTo } from "../core/delivery.js";
import { TaskletError } from "../core/errors.js";
import { current, type Operation } from "../core/op.js";
import { type Posted, Tasklet } from "../core/tasklet.js";
import { NOT_READY, type NotReady, type Waitable, type WaitNode, WaitQueue } from "../core/wait.js";
import { WaitOp } from "../core/wait-op.js";

const PENDING = 0;
const RETURNED = 1;
const THREW = 2;
const CANCELLED = 3;

/**
 * A call posted to a tasklet: its outcome, and the wait for it (also a
 * select case, `resultCase()`).
 *
 * @example
 * const c = post(worker, () => pending.length);
 * if (!c.isDone()) c.cancel();
 * @hideconstructor
 */
export class PostedCall<T> extends WaitOp<T> implements Posted {
  private state = PENDING;
  private outcome: unknown = undefined;
  private readonly waiters = new WaitQueue();

  constructor(
    /** The tasklet the call runs in. */
    readonly target: Tasklet,
    private readonly fn: (target: Tasklet) => T,
  ) {
    super();
  }

  /** Called by the runtime inside the target. */
  run(): void {
    if (this.state !== PENDING) return;
    try {
      this.outcome = this.fn(this.target);
      this.state = RETURNED;
    } catch (e) {
      this.outcome = e;
      this.state = THREW;
    }
    this.wakeAll();
  }

  /** Settles the call without running it. */
  fail(error: unknown, state = THREW): void {
    this.state = state;
    this.outcome = error;
    this.wakeAll();
  }

  private wakeAll(): void {
    const q = this.waiters;
    for (let w = q.shift(); w !== null; w = q.shift()) {
      const rt = w.t.rt;
      if (this.state === RETURNED) rt.wakeNode(w, this.outcome);
      else rt.wakeNodeThrow(w, this.outcome);
    }
  }

  /** Whether the call has run (or was cancelled, or could not be delivered). */
  isDone(): boolean {
    return this.state !== PENDING;
  }

  /**
   * Withdraws the call if it has not run: it never will, and `result()`
   * throws. Returns whether it was withdrawn.
   */
  cancel(): boolean {
    if (this.state !== PENDING) return false;
    this.fail(new TaskletError(`a call posted to ${this.target.describe()} was cancelled before it ran`), CANCELLED);
    return true;
  }

  /** Waits until the call has run: its value, or its error rethrown. A kill or timeout withdraws only the wait. */
  result(): Operation<T> {
    return this;
  }

  /** The wait for the result as a select case. */
  resultCase(): Waitable<T> {
    return this;
  }

  poll(_t: Tasklet): T | NotReady {
    if (this.state === PENDING) return NOT_READY;
    if (this.state === RETURNED) return this.outcome as T;
    throw this.outcome;
  }
  enqueue(n: WaitNode): void {
    this.waiters.pushBack(n);
  }
  describe(): string {
    return `the result of a call posted to ${this.target.describe()}`;
  }
}

/**
 * Posts `fn` to run inside `target` before its next operation (or at its
 * end), and returns at once with the call's handle. Callable from any code,
 * tasklet or not.
 *
 * @example
 * const c = post(server, () => server.stats());  // runs inside `server`
 * const stats = yield* c.result();
 */
export function post<T>(target: Tasklet, fn: (target: Tasklet) => T): PostedCall<T> {
  checkFunction("post", "fn", fn);
  if (typeof target !== "object" || target === null || !(target instanceof Tasklet)) {
    throw typeError("post", "target", "a Tasklet", target);
  }
  const c = new PostedCall(target, fn);
  if (!postTo(target, c)) {
    c.fail(new TaskletError(`post: ${target.describe()} has ended; the call cannot run`));
  }
  return c;
}

/**
 * Runs `fn` inside `target` (see `post`) and waits for its result. A kill
 * or timeout of the caller cancels the call if it has not run yet. Calling
 * into the current tasklet runs `fn` at once.
 *
 * @example
 * const n = yield* callIn(worker, () => queueLength.get());
 */
export function* callIn<T>(target: Tasklet, fn: (target: Tasklet) => T): Operation<T> {
  checkFunction("callIn", "fn", fn);
  if (target === current) return fn(target);
  const c = post(target, fn);
  try {
    return yield* c.result();
  } finally {
    c.cancel();
  }
}
