/**
 * Event: a notification that tasklets block on until another sets it
 * (the Qpid event channel's notification event; Python's threading.Event).
 *
 * Invariants: `waiters` is empty while `flag` is set (set() wakes every
 * waiter, in order, and a wait on a set event returns at once). reset()
 * clears the flag for later waits only.
 */

import type { Operation } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { NOT_READY, type NotReady, type Waitable, type WaitNode, WaitQueue } from "../core/wait.js";
import { WaitOp } from "../core/wait-op.js";
import { DEBUG, watchEvent } from "./invariants.js";

class EventWaitOp extends WaitOp<void> {
  constructor(private readonly e: Event) {
    super();
  }
  poll(_t: Tasklet): void | NotReady {
    return this.e.flag ? undefined : NOT_READY;
  }
  enqueue(n: WaitNode): void {
    this.e.waiters.pushBack(n);
  }
  describe(): string {
    return `event#${this.e.id} (not set)`;
  }
}

let nextEventId = 1;

/**
 * A flag tasklets can wait for: `wait()` blocks until `set()`; once set, it
 * stays set (every wait returns at once) until `reset()`. Import it by
 * name: without the import, `new Event()` is Node's global (DOM) `Event`,
 * whose constructor throws without a type argument, which has no `wait()`
 * or `set()`, and which `select` refuses naming this import. The name stays:
 * it is the usual one (Python's threading.Event), and the mistake is loud.
 *
 * @example
 * const ready = new Event();
 * spawn(function* () { yield* ready.wait(); serve(); });
 * ready.set();
 */
export class Event {
  /** Names it in dumps and deadlock reports (`event#3`). */
  readonly id = nextEventId++;
  /** Whether the event is set. Written by set() and reset() only. */
  flag = false;
  /** @internal Tasklets waiting for set(). */
  readonly waiters = new WaitQueue();
  private readonly op = new EventWaitOp(this);

  constructor() {
    if (DEBUG) watchEvent(this);
  }

  /** Sets the event and wakes every waiter. Callable from anywhere, tasklet or not. */
  set(): void {
    if (this.flag) return;
    this.flag = true;
    const q = this.waiters;
    for (let w = q.shift(); w !== null; w = q.shift()) w.t.rt.wakeNode(w, undefined);
  }

  /** Clears the event: later waits block again. */
  reset(): void {
    this.flag = false;
  }

  /** Whether the event is set. */
  isSet(): boolean {
    return this.flag;
  }

  /** Waits until the event is set (returns at once if it is). */
  wait(): Operation<void> {
    return this.op;
  }

  /** The wait for the event as a select case. */
  waitCase(): Waitable<void> {
    return this.op;
  }
}
