/**
 * scope(body): structured concurrency (Trio's nursery, Effection's scope).
 *
 * The scope watches each child through a node on the child's `joiners`
 * queue whose `sel` is the scope: the runtime, when the child ends, calls
 * `Scope.win` with its outcome (a join that is a callback), which also marks
 * a failure as observed, so the runtime does not report it as uncaught.
 *
 * Rules:
 *   - `scope` returns only when every child has ended (cleanup included);
 *   - the first failure (a child's error, or the body's) kills every other
 *     child and cancels the body where it waits (a private token, seen only
 *     by the body's cancellable frame, core/cancel.ts: the body is closed
 *     with return(), so its catch blocks never see it, its finally blocks
 *     run); when all have ended, that first error
 *     is thrown unchanged. Later failures (say, a child whose cleanup
 *     threw) are attached to it as an array `suppressed` (as TC39's
 *     SuppressedError), when the first error is an extensible object;
 *   - a child that was killed (by the scope or by anyone) is not a failure;
 *   - a kill of the owner, or a timeout around the scope, kills every child
 *     and waits for their cleanup before the owner goes on unwinding;
 *     failures seen then are dropped, since the owner is being stopped.
 *
 * Invariants: `children` holds exactly the children that have not ended;
 * `waiter` is the owner's node while it waits for them, else null.
 */

import { CANCELLED, cancellable, unwindIfKilledSince } from "../core/cancel.js";
import { operationHint, typeError } from "../core/check.js";
import { cancelInterrupt, interrupt } from "../core/delivery.js";
import { TaskletError } from "../core/errors.js";
import { currentOrThrow, type Operation } from "../core/op.js";
import { type Body, type SpawnOptions, spawnAs } from "../core/spawn.js";
import { FAILED, type Tasklet } from "../core/tasklet.js";
import { NOT_READY, type NotReady, type Selector, type WaitNode, WaitQueue, WatchNode } from "../core/wait.js";
import { WaitOp } from "../core/wait-op.js";

/** Raised in the body of a failing scope; caught by that scope's frame only. */
class ScopeCancelled extends TaskletError {
  override name = "ScopeCancelled";
}

/** The scope's watch on one child: on the child's joiners queue, asking for the outcome. */
class ChildNode extends WatchNode {
  constructor(
    readonly child: Tasklet,
    scope: Scope,
  ) {
    super(scope, true);
  }
}

class DrainOp extends WaitOp<void> {
  constructor(private readonly s: Scope) {
    super();
  }
  poll(_t: Tasklet): void | NotReady {
    return this.s.children.size === 0 ? undefined : NOT_READY;
  }
  enqueue(n: WaitNode): void {
    this.s.waiter = n;
  }
  override dequeue(n: WaitNode): void {
    if (this.s.waiter === n) this.s.waiter = null;
  }
  describe(): string {
    const ids = [...this.s.children].map((c) => c.describe());
    return `the end of the scope's children (${ids.join(", ")})`;
  }
}

/**
 * A scope's handle, given to its body: spawn children that the scope waits
 * for. It may be passed to the children, which may spawn into it too.
 *
 * @example
 * yield* scope(function* (s) {
 *   for (const conn of conns) s.spawn(() => serve(conn), { name: "conn" });
 * });
 * @hideconstructor
 */
export class Scope implements Selector {
  /** @internal Children that have not ended. */
  readonly children = new Set<Tasklet>();
  /** @internal The owner's wait for the children, or null. */
  waiter: WaitNode | null = null;
  /** @internal Failures in the order they happened. */
  readonly failures: unknown[] = [];
  /** @internal Whether the body is still running (a failure then interrupts it). */
  inBody = true;
  /** @internal Set when the scope has returned: no more children. */
  closed = false;
  /** @internal What cancels the body when a child fails (caught by the scope's own `cancellable` frame only). */
  readonly token = new ScopeCancelled("the scope is failing: its body is cancelled");
  /** @internal The owner's wait for the children to end. */
  readonly drain = new DrainOp(this);

  /** Made inside the cleanup of a killed tasklet: its cancellation of the body may land there. */
  private readonly inCleanup: boolean;

  constructor(
    /** The tasklet that opened the scope (its body runs there). */
    readonly owner: Tasklet,
  ) {
    this.inCleanup = owner.isDying();
  }

  /**
   * Spawns a child of this scope (options as `spawn`'s). In a scope that is
   * already failing the child is killed before it starts.
   */
  spawn<T>(body: Body<T>, options?: SpawnOptions): Tasklet<T> {
    if (this.closed) throw new TaskletError("Scope.spawn: the scope has ended");
    currentOrThrow("Scope.spawn()");
    const t = spawnAs("Scope.spawn", body, options);
    t.joiners ??= new WaitQueue();
    t.joiners.pushBack(new ChildNode(t, this));
    this.children.add(t);
    if (this.failures.length > 0) t.kill();
    return t;
  }

  /** A child ended (called by the runtime through the child's joiners). */
  win(n: WaitNode | WatchNode, value: unknown, isError: boolean): void {
    const c = (n as ChildNode).child;
    this.children.delete(c);
    if (isError && c.state === FAILED) this.fail(value);
    const w = this.waiter;
    if (this.children.size === 0 && w !== null) {
      this.waiter = null;
      this.owner.rt.wakeNode(w, undefined);
    }
  }

  /** @internal Records a failure; the first kills the children and cancels the body. */
  fail(error: unknown): void {
    if (this.failures.includes(error)) return; // a child's error rethrown by the body's join of it
    this.failures.push(error);
    if (this.failures.length > 1) return;
    for (const c of this.children) c.kill();
    if (this.inBody) interrupt(this.owner, this.token, this.inCleanup);
  }

  /** @internal The error the scope throws: the first failure, with later ones as `suppressed`. */
  error(): unknown {
    const first = this.failures[0];
    if (this.failures.length > 1 && typeof first === "object" && first !== null && Object.isExtensible(first)) {
      Object.defineProperty(first, "suppressed", {
        value: this.failures.slice(1),
        configurable: true,
        writable: true,
      });
    }
    return first;
  }
}

/**
 * Runs `body` with a scope in which it spawns children, and returns its
 * value once every child has ended. The first failure of a child or of the
 * body kills the other children, cancels the body, and is rethrown
 * unchanged when all have ended (later failures ride along as its
 * `suppressed` array). A kill of the tasklet that runs the scope, or a
 * timeout around it, kills the children and waits for their cleanup.
 *
 * @example
 * const [a, b] = yield* scope(function* (s) {
 *   const ta = s.spawn(() => fetchA());
 *   const tb = s.spawn(() => fetchB());
 *   return [yield* ta.join(), yield* tb.join()];
 * });
 */
export function* scope<T>(body: (s: Scope) => Operation<T>): Operation<T> {
  if (typeof body !== "function") throw typeError("scope", "body", "a generator function", body, operationHint(body));
  const owner = currentOrThrow("scope()");
  const s = new Scope(owner);
  const dyingAtStart = owner.isDying();
  let value: T | undefined;
  try {
    try {
      // The body runs in a cancellable frame: the scope's token (a failure)
      // closes it there, so no catch block of the body ever sees the token.
      const r = yield* cancellable(body(s), s.token, () => {
        s.inBody = false;
        cancelInterrupt(owner, s.token);
      });
      if (r !== CANCELLED) value = r;
    } catch (e) {
      s.inBody = false;
      s.fail(e);
    }
    s.inBody = false;
    cancelInterrupt(owner, s.token);
    yield* s.drain;
  } finally {
    s.inBody = false;
    cancelInterrupt(owner, s.token);
    if (s.children.size > 0) {
      // Killed or interrupted (an outer timeout) while the children run: stop them and wait for their cleanup.
      for (const c of s.children) c.kill();
      yield* s.drain;
      s.closed = true;
      // The drain may have blocked: a kill of the owner goes on unwinding from here (core/cancel.ts).
      yield* unwindIfKilledSince(dyingAtStart);
    }
    s.closed = true;
  }
  if (s.failures.length > 0) throw s.error();
  return value as T;
}
