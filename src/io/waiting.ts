/**
 * The waiting machinery of the I/O layer beside core/wait-op.ts and
 * held-queue.ts: a one-shot `Latch`, `HostOp`, a host call (fs, dns) whose
 * callback may come after its tasklet stopped waiting, and `ioError`.
 *
 * Deadlock detection (runtime.ts) counts `rt.holds`: host operations that
 * may still wake a tasklet. Every source here keeps it exact:
 *   - a `Latch` keeps its waiters on a `HeldQueue`: one hold per queued node;
 *   - a `HostOp` holds from `start` until its callback or its withdrawal,
 *     whichever comes first; a late callback no longer counts (nobody waits).
 *
 * A withdrawn `HostOp` cannot recall what it asked the host to do (libuv
 * cannot cancel a pool request that has started): its `late` hook says what
 * happens to the outcome, so that nothing the host did is lost or lands
 * where the caller no longer expects it (file.ts keeps the bytes of a late
 * read for the next read).
 */

import { IOError } from "../core/errors.js";
import { Op, SUSPEND, type Suspend } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { type Blocker, NOT_READY, type NotReady, type Waitable, type WaitNode } from "../core/wait.js";
import { type WaitOp, waitOn } from "../core/wait-op.js";
import { HeldQueue } from "./held-queue.js";

/**
 * A one-shot outcome (a process's exit, a spawn's failure): waiters block
 * until it is set, and every later wait returns it at once.
 */
export class Latch<T> implements Waitable<T> {
  private state: 0 | 1 | 2 = 0;
  private outcome: unknown = undefined;
  private readonly waiters = new HeldQueue();
  readonly op: WaitOp<T> = waitOn(this);

  constructor(private readonly what: string) {}

  get isSet(): boolean {
    return this.state !== 0;
  }
  /** The value, if it was set with one. */
  get value(): T | undefined {
    return this.state === 1 ? (this.outcome as T) : undefined;
  }
  set(value: T): void {
    if (this.state !== 0) return;
    this.state = 1;
    this.outcome = value;
    this.waiters.wakeAll(value);
  }
  fail(error: unknown): void {
    if (this.state !== 0) return;
    this.state = 2;
    this.outcome = error;
    this.waiters.wakeAll(error, true);
  }
  poll(): T | NotReady {
    if (this.state === 1) return this.outcome as T;
    if (this.state === 2) throw this.outcome;
    return NOT_READY;
  }
  enqueue(n: WaitNode): void {
    this.waiters.push(n);
  }
  dequeue(n: WaitNode): void {
    this.waiters.remove(n);
  }
  describe(): string {
    return this.what;
  }
}

/** How a host call reports: Node's callback convention. */
export type Done<R> = (error: NodeJS.ErrnoException | null, result?: R) => void;

/**
 * A host call that parks its tasklet until the callback. Subclasses say how
 * to `begin` the call, how to turn the result into the op's value (`finish`,
 * which may throw), and what a callback that comes after a withdrawal does
 * (`late`: by default nothing).
 */
export abstract class HostOp<R, T> extends Op<T> implements Blocker {
  private t: Tasklet | null = null;
  private live = false;
  /** True while begin() runs: a callback then completes the op without parking. */
  private inBegin = false;
  private syncDone: { error: NodeJS.ErrnoException | null; result: R | undefined } | null = null;

  start(t: Tasklet): T | Suspend {
    this.t = t;
    this.live = true;
    t.rt.holds++;
    this.inBegin = true;
    try {
      this.begin(this.done);
    } catch (e) {
      // A synchronous failure (bad argument type, …): nothing was started.
      this.live = false;
      t.rt.holds--;
      throw e;
    } finally {
      this.inBegin = false;
    }
    const sync = this.syncDone;
    if (sync !== null) {
      // Completed inside begin() (Node never does this; a File's chain may): no suspension.
      this.syncDone = null;
      return this.finish(sync.error, sync.result);
    }
    t.rt.park(t, this);
    return SUSPEND;
  }

  /** Ends the call (Node's callback); a subclass may also call it to end the wait early (a close). */
  protected readonly done: Done<R> = (error, result) => {
    if (!this.live) {
      this.late(error, result);
      return;
    }
    this.live = false;
    const t = this.t as Tasklet;
    t.rt.holds--;
    if (this.inBegin) {
      this.syncDone = { error, result };
      return;
    }
    let v: T;
    try {
      v = this.finish(error, result);
    } catch (e) {
      t.rt.wakeThrow(t, e);
      return;
    }
    t.rt.wake(t, v);
  };

  /** Whether a tasklet still waits for the callback (false before start, after it, and once withdrawn). */
  protected get waiting(): boolean {
    return this.live;
  }

  withdraw(t: Tasklet): void {
    if (!this.live) return;
    this.live = false;
    t.rt.holds--;
    this.withdrawn();
  }

  protected abstract begin(done: Done<R>): void;
  protected abstract finish(error: NodeJS.ErrnoException | null, result: R | undefined): T;
  /** The wait was withdrawn before the callback (kill, timeout). */
  protected withdrawn(): void {}
  /** The callback of a withdrawn call: nobody waits for it. */
  protected late(_error: NodeJS.ErrnoException | null, _result: R | undefined): void {}
  abstract describe(): string;
}

/** Wraps a Node error as an IOError with the system's code (`ENOENT`, …). */
export function ioError(what: string, e: unknown): IOError {
  if (e instanceof IOError) return e;
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === "string" ? err.code : undefined;
  return new IOError(`${what}: ${err instanceof Error ? err.message : String(e)}`, { cause: e, code });
}
