/**
 * The runtime of one thread: ready queues, the run loop, and every change of
 * a tasklet's state.
 *
 * One runtime per thread, created on first use (libten's thread context);
 * the testing layer makes more, each with a virtual host. The record gathers
 * the state of every layer (libdill's ctx): the time layer keeps its timer
 * heap in `timers`.
 *
 * The run loop takes tasklets from the ready queues, highest priority first
 * and FIFO within one, and steps each until it parks, ends or requeues. When
 * the queues are empty it fires due timers and, if nothing became ready, it
 * gives the thread back to Node's event loop: host callbacks (timers,
 * sockets, promises) make tasklets ready again and kick the loop. A burst of
 * ready work longer than BUDGET_MS yields to the event loop (setImmediate) so
 * that I/O and timers are never starved.
 *
 * Order (DESIGN.md, "Order is a contract"): a spawned tasklet goes to its
 * level's spawn batch; after every step the batches are spliced to the FRONT
 * of their ready queues. So a spawned tasklet starts when its spawner
 * suspends, before every tasklet already ready, and one stretch's spawns
 * start in spawn order. Everything else (wake, schedule, kill) goes to the
 * back.
 *
 * Invariants:
 *   - a NEW or READY tasklet is on exactly one ReadyQueue; RUNNING, BLOCKED
 *     and DONE ones are on none;
 *   - a BLOCKED tasklet has a `blocker`; nothing else has;
 *   - `running` is true only inside `loop`, which is never re-entered;
 *     `scheduled` is true while a kick (microtask or immediate) is pending;
 *   - `holds` counts host operations that may still wake a tasklet (a
 *     promise in call(), a socket read); the timer heap is counted apart.
 *     With no holds, no timers and no ready tasklet, a pending root can
 *     never end: that is a deadlock.
 */

import { DeadlockError, KilledError, TaskletError, UncaughtError } from "./errors.js";
import { type Host, RealHost } from "./host.js";
import { PARKED, setCurrent, setResuming } from "./op.js";
import { ReadyQueue } from "./queue.js";
import {
  BLOCKED,
  F_DYING,
  F_EXITING,
  F_JOINABLE,
  F_KILLED,
  F_LOCALS_OWNED,
  F_OBSERVED,
  F_PENDING,
  F_PENDING_CALL,
  F_PENDING_INTERRUPT,
  F_PENDING_KILL,
  F_YIELDED,
  FAILED,
  type Group,
  KILLED,
  LEVEL_MASK,
  NEW,
  type Posted,
  READY,
  RESUME_MASK,
  RESUME_NEXT,
  RESUME_RETURN,
  RESUME_SHIFT,
  RESUME_THROW,
  RETURNED,
  RUNNING,
  STATE_MASK,
  STATE_SHIFT,
  type State,
  Tasklet,
} from "./tasklet.js";
import type { Blocker, WaitNode } from "./wait.js";

// Module-local copies of the flag bits that the hot paths (step, park,
// requeue, wake) use: an imported binding costs a load through its module
// cell and a hole check at each use, ~8% of a schedule() switch (measured).
const STATE_BITS = STATE_MASK;
const RUNNING_BITS = RUNNING << STATE_SHIFT;
const READY_BITS = READY << STATE_SHIFT;
const BLOCKED_BITS = BLOCKED << STATE_SHIFT;
const RESUME_BITS = RESUME_MASK;
const RESUME_AT = RESUME_SHIFT;
const NEXT = RESUME_NEXT;
const THROW = RESUME_THROW;
const YIELDED = F_YIELDED;
const LEVEL = LEVEL_MASK;
const PARKED_VALUE = PARKED;

/** How long a burst of ready work may hold the thread before the event loop gets a turn. */
export const BUDGET_MS = 5;
/** The loop reads the clock once per this many steps (a power of two). */
const CLOCK_EVERY = 64;

/** What the time layer keeps in `Runtime.timers` (time/timers.ts implements it). */
export interface TimerService {
  /** Number of armed timers. */
  readonly size: number;
  /** Fires every timer due at `now`. */
  poll(now: number): void;
  /** Arms the host timer for the earliest deadline (the loop is going idle). */
  arm(): void;
  /** Earliest deadline, or Infinity. */
  nextDeadline(): number;
}

export class Runtime {
  readonly host: Host;
  /** Host clock as of the last loop step batch; cheap, a few ms stale at most. */
  clock: number;
  /** The time layer's timer heap, created on first use. */
  timers: TimerService | null = null;
  /** Host operations outstanding that may wake a tasklet. */
  holds = 0;
  /** Seeded schedules: picks the index among `n` ready tasklets; null = FIFO. */
  chooser: ((n: number) => number) | null = null;
  /** Record the stack of every spawn() for dumps (5–10 µs a spawn; off by default, TASKLET_TRACE=1). */
  recordSites = false;
  /** Called when a run is deadlocked, before the roots are failed (dumps). */
  onDeadlock: ((error: DeadlockError) => void) | null = null;

  private nextId = 1;
  private readonly queues = [new ReadyQueue(), new ReadyQueue(), new ReadyQueue()];
  private readonly batches = [new ReadyQueue(), new ReadyQueue(), new ReadyQueue()];
  private batchMask = 0;
  private liveHead: Tasklet | null = null;
  /** Tasklets that have not ended. */
  liveCount = 0;
  /** Pending run()/main() roots. */
  private readonly roots = new Set<Tasklet>();
  private running = false;
  private scheduled = false;
  private deadlockCheckPending = false;
  private readonly unjoined: FinalizationRegistry<Unjoined>;

  constructor(host: Host = new RealHost()) {
    this.host = host;
    this.clock = host.now();
    this.unjoined = new FinalizationRegistry((u) => {
      u.group.onUncaught(new UncaughtError(u.error, u.id, u.name));
    });
  }

  // ---- tasklets -------------------------------------------------------------

  /** Creates a tasklet; it starts when the current stretch of the running tasklet ends. */
  spawn<T>(
    gen: Iterator<unknown, T, unknown>,
    name: string | undefined,
    joinable: boolean,
    level: number,
    parent: Tasklet | null,
    group: Group,
  ): Tasklet<T> {
    const flags = joinable ? level | F_JOINABLE : level;
    const t = new Tasklet<T>(this, this.nextId++, gen, name, flags, parent, group);
    if (parent !== null) parent.flags &= ~F_LOCALS_OWNED;
    if (this.recordSites) t.extra().site = new Error("spawned here");
    const head = this.liveHead;
    t.liveNext = head;
    if (head !== null) head.livePrev = t;
    this.liveHead = t;
    this.liveCount++;
    (this.batches[level] as ReadyQueue).pushBack(t);
    this.batchMask |= 1 << level;
    if (!this.running && !this.scheduled) this.kick();
    return t;
  }

  /** Spawns a root: `onEnd` gets it when it ended; a deadlock fails it. */
  spawnRoot<T>(
    gen: Iterator<unknown, T, unknown>,
    name: string | undefined,
    level: number,
    group: Group,
    onEnd: (t: Tasklet<T>, deadlock: DeadlockError | null) => void,
  ): Tasklet<T> {
    const t = this.spawn(gen, name, true, level, null, group);
    this.roots.add(t);
    t.extra().onEnd = (x, deadlock) => {
      this.roots.delete(t);
      onEnd(x as Tasklet<T>, deadlock);
    };
    return t;
  }

  /** Every tasklet that has not ended, by id. */
  live(): Tasklet[] {
    const out: Tasklet[] = [];
    for (let t = this.liveHead; t !== null; t = t.liveNext) out.push(t);
    return out.sort((a, b) => a.id - b.id);
  }

  /** Parks the running tasklet `t` on `blocker`; the op then returns PARK. */
  park(t: Tasklet, blocker: Blocker): void {
    t.flags = (t.flags & ~STATE_BITS) | BLOCKED_BITS;
    t.blocker = blocker;
  }

  /** Puts the running tasklet `t` at the back of its ready queue (schedule()). */
  requeue(t: Tasklet): void {
    const f = (t.flags & ~STATE_BITS) | READY_BITS | YIELDED;
    t.flags = f;
    (this.queues[f & LEVEL] as ReadyQueue).pushBack(t);
  }

  /**
   * A source ends the wait registered by node `n` (already off the source's
   * queue): wakes its tasklet with `value`, or lets its select pick this case.
   */
  wakeNode(n: WaitNode, value: unknown): void {
    const s = n.sel;
    if (s !== null) s.win(n, value, false);
    else this.wake(n.t as Tasklet, value);
  }

  /** As wakeNode, raising `error` at the wait. */
  wakeNodeThrow(n: WaitNode, error: unknown): void {
    const s = n.sel;
    if (s !== null) s.win(n, error, true);
    else this.wakeThrow(n.t as Tasklet, error);
  }

  /** Ends `t`'s wait with `value`. The caller has taken `t` off its own queues. */
  wake(t: Tasklet, value: unknown): void {
    t.blocker = null;
    t.value = value;
    // resumeKind RESUME_NEXT (0) and state READY in one write, then as makeReady.
    const f = (t.flags & ~(RESUME_BITS | STATE_BITS)) | READY_BITS;
    t.flags = f;
    (this.queues[f & LEVEL] as ReadyQueue).pushBack(t);
    if (!this.running && !this.scheduled) this.kick();
  }

  /** Ends `t`'s wait by raising `error` in it. */
  wakeThrow(t: Tasklet, error: unknown): void {
    t.blocker = null;
    t.resumeKind = RESUME_THROW;
    t.value = error;
    this.makeReady(t);
  }

  private makeReady(t: Tasklet): void {
    const f = (t.flags & ~STATE_BITS) | READY_BITS;
    t.flags = f;
    (this.queues[f & LEVEL] as ReadyQueue).pushBack(t);
    if (!this.running && !this.scheduled) this.kick();
  }

  /** Withdraws a blocked tasklet's wait: it will not be woken by its source. */
  private withdraw(t: Tasklet): void {
    const b = t.blocker as Blocker;
    t.blocker = null;
    b.withdraw(t);
  }

  kill(t: Tasklet): void {
    if (t.state >= RETURNED || (t.flags & F_KILLED) !== 0) return;
    t.flags |= F_KILLED;
    if (t.state === NEW) {
      // Never started: returning an unstarted generator runs none of its code.
      t.flags |= F_DYING;
      t.resumeKind = RESUME_RETURN;
    } else if (t.state === BLOCKED) {
      this.withdraw(t);
      t.flags |= F_DYING;
      t.resumeKind = RESUME_RETURN;
      t.value = undefined;
      this.makeReady(t);
    } else if ((t.flags & F_YIELDED) !== 0) {
      // Suspended in schedule(): nothing in hand, so it dies where it stands.
      t.flags |= F_DYING;
      t.resumeKind = RESUME_RETURN;
    } else {
      // RUNNING, or READY with what its wait won in hand: at its next op.
      t.flags |= F_PENDING_KILL;
    }
  }

  /**
   * Raises `error` in `t` at its current suspension point (withdrawing its
   * wait), or at its next op if it is not blocked. A pending kill wins.
   */
  interrupt(t: Tasklet, error: unknown): void {
    if (t.state >= RETURNED || (t.flags & F_DYING) !== 0) return;
    if (t.state === BLOCKED) {
      this.withdraw(t);
      t.resumeKind = RESUME_THROW;
      t.value = error;
      this.makeReady(t);
    } else if ((t.flags & F_YIELDED) !== 0 && t.resumeKind === RESUME_NEXT) {
      t.resumeKind = RESUME_THROW;
      t.value = error;
    } else if ((t.flags & F_PENDING) === 0) {
      t.flags |= F_PENDING_INTERRUPT;
      t.extra().interrupt = error;
    }
  }

  /** Withdraws an interrupt that has not been delivered (its timeout ended first). */
  cancelInterrupt(t: Tasklet, error: unknown): void {
    const e = t.ext;
    if ((t.flags & F_PENDING_INTERRUPT) !== 0 && e !== null && e.interrupt === error) {
      t.flags &= ~F_PENDING_INTERRUPT;
      e.interrupt = undefined;
    }
  }

  /**
   * Posts `call` to `t` (an inter-tasklet call): it runs inside `t`, before
   * `t`'s next op starts or when `t` ends. Never blocks, never switches.
   * Returns false if `t` has ended (the call will never run).
   */
  post(t: Tasklet, call: Posted): boolean {
    if (t.state >= RETURNED) return false;
    const e = t.extra();
    if (e.posted === null) e.posted = [call];
    else e.posted.push(call);
    t.flags |= F_PENDING_CALL;
    return true;
  }

  /** Runs the calls posted to `t`, in posting order; `t` is current. Calls posted meanwhile run too. */
  runPosted(t: Tasklet): void {
    const e = t.ext;
    t.flags &= ~F_PENDING_CALL;
    if (e === null) return;
    for (let list = e.posted; list !== null; list = e.posted) {
      e.posted = null;
      for (const c of list) c.run();
    }
    t.flags &= ~F_PENDING_CALL;
  }

  /** Called at the start of an op of a tasklet with a pending kill or interrupt: delivers it now. */
  deliverPending(t: Tasklet): void {
    if ((t.flags & F_PENDING_KILL) !== 0) {
      t.flags = (t.flags & ~F_PENDING) | F_DYING;
      t.resumeKind = RESUME_RETURN;
      t.value = undefined;
    } else {
      const e = t.extra();
      t.flags &= ~F_PENDING_INTERRUPT;
      t.resumeKind = RESUME_THROW;
      t.value = e.interrupt;
      e.interrupt = undefined;
    }
    // t stays RUNNING: step() resumes it again at once.
  }

  // ---- the loop --------------------------------------------------------------

  private kick(): void {
    this.scheduled = true;
    this.host.soon(this.loop);
  }

  /** Runs the loop now if it is not running (host callbacks use this). */
  runNow(): void {
    if (!this.running) this.loop();
  }

  private readonly loop = (): void => {
    this.scheduled = false;
    if (this.running) return;
    this.running = true;
    const host = this.host;
    let start = host.now();
    this.clock = start;
    let steps = 0;
    let yielded = false;
    try {
      for (;;) {
        if (this.batchMask !== 0) this.flushBatches();
        const t = this.pick();
        if (t === null) {
          const timers = this.timers;
          if (timers !== null && timers.size > 0) {
            this.clock = host.now();
            timers.poll(this.clock);
            if (this.batchMask !== 0 || this.anyReady()) continue;
          }
          break;
        }
        this.step(t);
        if ((++steps & (CLOCK_EVERY - 1)) === 0) {
          const now = host.now();
          this.clock = now;
          this.timers?.poll(now);
          if (now - start > BUDGET_MS) {
            yielded = true;
            this.scheduled = true;
            host.defer(this.loop);
            break;
          }
        }
      }
    } finally {
      this.running = false;
    }
    if (yielded) return;
    start = 0;
    this.timers?.arm();
    host.idle(this);
    if (!this.scheduled && this.roots.size > 0 && this.holds === 0 && !this.deadlockCheckPending) {
      if (this.timers === null || this.timers.size === 0) {
        // Let callbacks already due (microtasks, I/O) run before concluding.
        this.deadlockCheckPending = true;
        host.defer(this.checkDeadlock);
      }
    }
  };

  /** Whether a tasklet is ready or newly spawned (the threads layer asks before taking more work). */
  hasReady(): boolean {
    return this.batchMask !== 0 || this.anyReady();
  }

  private anyReady(): boolean {
    const q = this.queues;
    return (
      (q[0] as ReadyQueue).head !== null || (q[1] as ReadyQueue).head !== null || (q[2] as ReadyQueue).head !== null
    );
  }

  private flushBatches(): void {
    const m = this.batchMask;
    this.batchMask = 0;
    for (let level = 0; level < 3; level++) {
      if ((m & (1 << level)) !== 0) {
        (this.queues[level] as ReadyQueue).spliceFront(this.batches[level] as ReadyQueue);
      }
    }
  }

  private pick(): Tasklet | null {
    const q = this.queues;
    const qq = (q[0] as ReadyQueue).head !== null ? q[0] : (q[1] as ReadyQueue).head !== null ? q[1] : q[2];
    const queue = qq as ReadyQueue;
    if (this.chooser !== null && queue.length > 1) return queue.take(this.chooser(queue.length));
    return queue.shift();
  }

  private step(t: Tasklet): void {
    const gen = t.gen as Iterator<unknown, unknown, unknown>;
    setCurrent(t);
    t.switches++;
    // state RUNNING and F_YIELDED off in one write (flags holds both, and resumeKind).
    t.flags = (t.flags & ~(STATE_BITS | YIELDED)) | RUNNING_BITS;
    for (;;) {
      let r: IteratorResult<unknown, unknown>;
      try {
        const f = t.flags;
        const kind = (f >> RESUME_AT) & 3;
        const v = t.value;
        t.flags = f & ~RESUME_BITS;
        t.value = undefined;
        if (kind === NEXT) {
          setResuming();
          r = gen.next(v);
        } else if (kind === THROW) {
          r = (gen.throw as (e: unknown) => IteratorResult<unknown, unknown>).call(gen, v);
        } else {
          r = (gen.return as (v: unknown) => IteratorResult<unknown, unknown>).call(gen, undefined);
        }
      } catch (e) {
        setCurrent(null);
        this.finish(t, FAILED, e);
        return;
      }
      if (r.done === true) {
        setCurrent(null);
        this.finish(t, RETURNED, r.value);
        return;
      }
      if (r.value !== PARKED_VALUE) {
        t.resumeKind = RESUME_THROW;
        t.value = new TaskletError(
          `${t.describe()} yielded ${describeValue(r.value)}: operations are performed with yield*, not yield`,
        );
        continue;
      }
      if ((t.flags & STATE_BITS) !== RUNNING_BITS) break;
      // Still RUNNING: a pending kill, interrupt or exit was turned into a resumption.
    }
    setCurrent(null);
  }

  /** The tasklet ended: record the outcome, wake joiners, report what nobody will see. */
  private finish(t: Tasklet, outcome: State, value: unknown): void {
    if ((t.flags & F_PENDING_CALL) !== 0) {
      // Calls posted to it run at its end, still inside it.
      setCurrent(t);
      this.runPosted(t);
      setCurrent(null);
    }
    const flags = t.flags;
    if (outcome === RETURNED) {
      if ((flags & F_DYING) !== 0) outcome = KILLED;
      else if ((flags & F_EXITING) !== 0) value = t.ext?.exitValue;
    } else if (outcome === FAILED) {
      value = withTaskletContext(value, t);
    }
    t.flags = flags & ~F_PENDING;
    t.state = outcome;
    t.gen = null;
    t.blocker = null;
    t.locals = null;
    t.value = outcome === KILLED ? undefined : value;
    // Off the live list.
    const prev = t.livePrev;
    const next = t.liveNext;
    if (prev === null) this.liveHead = next;
    else prev.liveNext = next;
    if (next !== null) next.livePrev = prev;
    t.liveNext = t.livePrev = null;
    this.liveCount--;

    const joiners = t.joiners;
    if (joiners !== null) {
      t.joiners = null;
      // A joiner's node.value is true when it asks for the outcome (join), false for the bare end.
      for (let n = joiners.shift(); n !== null; n = joiners.shift()) {
        const withValue = n.value === true;
        if (outcome === RETURNED || !withValue) this.wakeNode(n, withValue ? value : undefined);
        else if (outcome === FAILED) {
          t.flags |= F_OBSERVED;
          this.wakeNodeThrow(n, value);
        } else this.wakeNodeThrow(n, new KilledError(`${t.describe()} was killed`));
      }
    }
    const ext = t.ext;
    if (ext !== null) {
      const onEnd = ext.onEnd;
      if (onEnd !== null) {
        ext.onEnd = null;
        if (outcome === FAILED) t.flags |= F_OBSERVED;
        onEnd(t, ext.deadlock);
      }
    }
    if (outcome === FAILED && (t.flags & F_OBSERVED) === 0) {
      if ((t.flags & F_JOINABLE) === 0) {
        t.flags |= F_OBSERVED;
        t.group.onUncaught(new UncaughtError(value, t.id, t.name));
      } else {
        // Nobody joined yet; somebody may. Report if the handle is collected unjoined.
        this.unjoined.register(t, { error: value, id: t.id, name: t.name, group: t.group }, t);
      }
    }
  }

  /** A joinable tasklet's error was seen by a late join: no report at collection. */
  observed(t: Tasklet): void {
    this.unjoined.unregister(t);
  }

  private readonly checkDeadlock = (): void => {
    this.deadlockCheckPending = false;
    if (this.running || this.scheduled || this.roots.size === 0 || this.holds > 0) return;
    if ((this.timers !== null && this.timers.size > 0) || this.anyReady() || this.batchMask !== 0) return;
    const live = this.live();
    const lines = live.map(
      (t) =>
        `${t.describe()}${t.isKilled() ? " (killed, in cleanup)" : ""}: ${t.state === BLOCKED ? `waits on ${(t.blocker as Blocker).describe(t)}` : t.stateName}`,
    );
    const error = new DeadlockError(lines);
    this.onDeadlock?.(error);
    const again = live.every((t) => t.isKilled());
    for (const r of this.roots) {
      const e = r.extra();
      e.deadlock ??= error;
    }
    if (!again) {
      // Kill everything blocked: cleanups run and may end the deadlock; roots fail with it.
      for (const t of live) this.kill(t);
    } else {
      // Cleanups deadlocked too: abandon what is left.
      for (const t of live) this.abandon(t);
    }
  };

  /** Ends a tasklet without running any more of its code. */
  private abandon(t: Tasklet): void {
    if (t.state >= RETURNED) return;
    if (t.state === BLOCKED) this.withdraw(t);
    t.flags |= F_DYING;
    this.finish(t, RETURNED, undefined);
  }
}

interface Unjoined {
  error: unknown;
  id: number;
  name: string;
  group: Group;
}

/** A stack overflow names the tasklet it happened in (libwire's stack fault report). */
function withTaskletContext(error: unknown, t: Tasklet): unknown {
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return new TaskletError(`stack overflow in tasklet ${t.describe()}: ${error.message}`, { cause: error });
  }
  return error;
}

function describeValue(v: unknown): string {
  if (v === undefined) return "undefined";
  if (typeof v === "object" && v !== null) return `an object (${v.constructor?.name ?? "Object"})`;
  return typeof v;
}

let threadRuntime: Runtime | null = null;

/** The runtime of this thread, created on first use. */
export function runtime(): Runtime {
  if (threadRuntime === null) threadRuntime = new Runtime();
  return threadRuntime;
}
