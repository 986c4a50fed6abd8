/**
 * Dispatcher: bodies that run one at a time, in dispatch order (the ntkd tasklet
 * interface's DispatchableTasklet).
 *
 * A dispatcher owns at most one runner tasklet at a time, spawned when a
 * body is dispatched and none runs; it runs the queued bodies one after the
 * other inside itself and ends when the queue is empty (so an idle
 * dispatcher holds no tasklet). A caller may wait until its body started
 * (`waitStart`) or ended (`waitEnd`: its value, or its error rethrown).
 *
 * A kill or a timeout of a waiting caller withdraws its wait; if its body
 * has not started yet it is also taken out of the queue (nothing runs that
 * its caller gave up on); a body that started runs to its end. An error of
 * a body that nobody waits for is reported as an error that escaped a
 * tasklet (the run's `onUncaught`, naming the runner), and the runner goes
 * on with the next body. If the runner is killed (main() ending, a deadlock)
 * the waiters of the body it ran and of every queued body get KilledError.
 *
 * A wait that would close a cycle (the runner waits, through locks and
 * joins, for the caller) throws DeadlockError and queues nothing
 * (core/wait-for.ts).
 *
 * Invariants: a job is QUEUED while on the queue (or CANCELLED, skipped when
 * reached); `pending` counts QUEUED jobs; `runner` is the live runner or
 * null, and is null only while `pending === 0`.
 */

import { checkBoolean, checkOptionKeys } from "../core/check.js";
import { KilledError, TaskletError, UncaughtError } from "../core/errors.js";
import type { Operation, Suspend } from "../core/op.js";
import { type Body, spawn, toIterator } from "../core/spawn.js";
import type { Tasklet } from "../core/tasklet.js";
import { NOT_READY, type NotReady, type WaitNode } from "../core/wait.js";
import { checkWaitFor } from "../core/wait-for.js";
import { WaitOp } from "../core/wait-op.js";

const NEW = 0;
const QUEUED = 1;
const STARTED = 2;
const ENDED = 3;
const FAILED = 4;
const CANCELLED = 5;

/** Options of `Dispatcher.dispatch`. */
export interface DispatchOptions {
  /** Wait until the body ended; the dispatch returns its value or throws its error. */
  waitEnd?: boolean;
  /** Wait until the body started. */
  waitStart?: boolean;
}

/** One dispatched body: the queue entry and the caller's wait in one object. */
class DispatchJob<T> extends WaitOp<T | undefined> {
  state = NEW;
  next: DispatchJob<unknown> | null = null;
  waiter: WaitNode | null = null;
  result: unknown = undefined;
  constructor(
    readonly d: Dispatcher,
    readonly body: Iterator<Suspend, T, unknown>,
    readonly waitStart: boolean,
    readonly waitEnd: boolean,
  ) {
    super();
  }
  override start(t: Tasklet): T | undefined | Suspend {
    if (this.state === NEW) {
      const r = this.d.runner;
      if ((this.waitEnd || this.waitStart) && r !== null) {
        if (r === t) {
          throw new TaskletError("Dispatcher.dispatch: a body cannot wait for a body of its own dispatcher (deadlock)");
        }
        // Only the runner can bring the body to its start or end: refuse a wait that would close a cycle.
        checkWaitFor(t, r, this);
      }
      this.d.push(this as DispatchJob<unknown>);
    }
    return super.start(t);
  }
  poll(_t: Tasklet): T | undefined | NotReady {
    const s = this.state;
    if (this.waitEnd) {
      if (s === ENDED) return this.result as T;
      if (s === FAILED) throw this.result;
      return NOT_READY;
    }
    if (this.waitStart && s === QUEUED) return NOT_READY;
    return undefined;
  }
  enqueue(n: WaitNode): void {
    this.waiter = n;
  }
  override dequeue(n: WaitNode): void {
    if (this.waiter !== n) return;
    this.waiter = null;
    if (this.state === QUEUED) {
      this.state = CANCELLED;
      this.d.pending--;
    }
  }
  waitsFor(_t: Tasklet): Tasklet | null {
    return this.d.runner;
  }
  describe(): string {
    const r = this.d.runner;
    const by = r === null ? "" : ` run by ${r.describe()}`;
    return `a dispatched body to ${this.waitEnd ? "end" : "start"} (${this.d.pending} queued)${by}`;
  }
  /** Ends the caller's wait if it waits for this moment: the start (`end` false) or the end. */
  notify(end: boolean): void {
    const w = this.waiter;
    if (w === null || (!end && this.waitEnd)) return;
    this.waiter = null;
    const rt = w.t.rt;
    if (this.state === FAILED) rt.wakeNodeThrow(w, this.result);
    else rt.wakeNode(w, this.waitEnd ? this.result : undefined);
  }
}

function* runner(d: Dispatcher): Generator<Suspend, void, unknown> {
  let job: DispatchJob<unknown> | null = null;
  try {
    for (job = d.shift(); job !== null; job = d.shift()) {
      job.state = STARTED;
      job.notify(false);
      const it = job.body;
      try {
        job.result = yield* { [Symbol.iterator]: () => it };
        job.state = ENDED;
      } catch (e) {
        job.state = FAILED;
        job.result = e;
        if (job.waiter === null) {
          const self = d.runner as Tasklet;
          self.group.onUncaught(new UncaughtError(e, self.id, self.name));
        }
      }
      job.notify(true);
    }
  } finally {
    d.runner = null;
    d.running = null;
    if (job !== null && job.state === STARTED) {
      // Killed: fail the waiters of the body that ran and of every queued one.
      job.state = FAILED;
      job.result = new KilledError("the dispatcher's tasklet was killed while the body ran");
      job.notify(true);
      for (let q = d.shift(); q !== null; q = d.shift()) {
        q.state = FAILED;
        q.result = new KilledError("the dispatcher's tasklet was killed before the body started");
        q.notify(true);
      }
    }
  }
}

/**
 * Runs dispatched bodies one at a time, in dispatch order, in a tasklet of
 * its own (the ntkd tasklet interface's DispatchableTasklet).
 *
 * @example
 * const d = new Dispatcher();
 * yield* d.dispatch(() => log("started"));             // queue, don't wait
 * const v = yield* d.dispatch(() => work(), { waitEnd: true }); // wait for its value
 */
export class Dispatcher {
  /** The runner tasklet, or null when idle. */
  runner: Tasklet | null = null;
  /** The job the runner is running, or null. */
  running: DispatchJob<unknown> | null = null;
  /** Number of queued jobs (not started, not cancelled). */
  pending = 0;
  private head: DispatchJob<unknown> | null = null;
  private tail: DispatchJob<unknown> | null = null;

  constructor(
    /** Names its runner tasklet (`dispatcher`, by default) in dumps and reports. */
    readonly name = "dispatcher",
  ) {}

  /**
   * Queues `body` to run after every body dispatched before it. Returns at
   * once, or when the body started (`waitStart`), or with its value when it
   * ended (`waitEnd`, which rethrows its error). A kill or timeout while
   * waiting withdraws the wait, and the body too if it has not started.
   * Throws `DeadlockError` naming the cycle, and queues nothing, if it would
   * wait while the runner waits (through locks, joins and dispatches) for the
   * caller.
   */
  dispatch<T>(body: Body<T>, options: DispatchOptions & { waitEnd: true }): Operation<T>;
  dispatch<T>(body: Body<T>, options?: DispatchOptions): Operation<void>;
  dispatch<T>(body: Body<T>, options?: DispatchOptions): Operation<T | undefined> {
    const D = "Dispatcher.dispatch";
    if (checkOptionKeys(D, options, ["waitEnd", "waitStart"])) {
      if (options?.waitEnd !== undefined) checkBoolean(D, "options.waitEnd", options.waitEnd);
      if (options?.waitStart !== undefined) checkBoolean(D, "options.waitStart", options.waitStart);
    }
    const it = toIterator(D, body);
    return new DispatchJob(this, it, options?.waitStart === true, options?.waitEnd === true);
  }

  /** Whether no body runs or waits to run. */
  isEmpty(): boolean {
    return this.running === null && this.pending === 0;
  }

  /** Queues `job`; starts a runner if none runs. */
  push(job: DispatchJob<unknown>): void {
    job.state = QUEUED;
    this.pending++;
    if (this.tail === null) this.head = job;
    else this.tail.next = job;
    this.tail = job;
    if (this.runner === null) {
      this.runner = spawn(runner(this), { name: this.name, joinable: false });
    }
  }

  /** Takes the next queued job (skipping cancelled ones), or null. */
  shift(): DispatchJob<unknown> | null {
    for (let j = this.head; j !== null; j = this.head) {
      this.head = j.next;
      if (this.head === null) this.tail = null;
      j.next = null;
      if (j.state === QUEUED) {
        this.pending--;
        this.running = j;
        return j;
      }
    }
    this.running = null;
    return null;
  }
}
