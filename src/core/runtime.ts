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
 * Order (docs/design.md, "Order is a contract"): a spawned tasklet goes to its
 * level's spawn batch; after every step the batches are spliced to the FRONT
 * of their ready queues. So a spawned tasklet starts when its spawner
 * suspends, before every tasklet already ready, and one stretch's spawns
 * start in spawn order. Everything else (wake, schedule, kill) goes to the
 * back. The exception, by name: `spawnNow` steps the child at once, nested
 * in the spawner's step (`nowDepth` deep, at most MAX_NOW_DEPTH).
 *
 * Invariants:
 *   - a NEW or READY tasklet is on exactly one ReadyQueue; RUNNING, BLOCKED
 *     and DONE ones are on none;
 *   - a BLOCKED tasklet has a `blocker`; nothing else has;
 *   - `running` is true only inside `loop`, which is never re-entered;
 *     `scheduled` is true while a kick (microtask or immediate) is pending;
 *   - a tasklet that has not ended is on the live list (`liveHead`), or,
 *     while leak detection is on and from its first park, in `leaks`'s
 *     records (leaks.ts);
 *   - `holds` counts host operations that may still wake a tasklet (a
 *     promise in call(), a socket read); the timer heap is counted apart.
 *     With no holds, no timers and no ready tasklet, a pending root can
 *     never end: that is a deadlock.
 *
 * This file keeps the hot path (spawn, park, requeue, wake, loop, pick,
 * step) with the module-local flag constants it needs. Beside it, each
 * reading the fields marked internal here, and called directly by whoever
 * needs them (this file has no delegates to them): delivery.ts (kill,
 * interrupt, posted calls; uses makeReady), end.ts (finish, which step()
 * calls: unlinks the live list that spawn() links, reports unjoined
 * errors), deadlock.ts (the
 * check the loop defers when it goes idle), timer-service.ts (the contract
 * of `timers`, implemented by time/timers.ts).
 */

import { checkDeadlock } from "./deadlock.js";
import { finish, reportUnjoined } from "./end.js";
import { type DeadlockError, TaskletError } from "./errors.js";
import * as flags from "./flags.js";
import { type Host, RealHost } from "./host.js";
import { checkAfterStep, DEBUG } from "./invariants.js";
import type { LeakWatch } from "./leaks.js";
import { watchLeaks } from "./leaks.js";
import * as protocol from "./op.js";
import { ReadyQueue } from "./queue.js";
import { type Group, Origin, Tasklet } from "./tasklet.js";
import type { TimerService } from "./timer-service.js";
import type { Blocker, WaitNode } from "./wait.js";

// Module-local copies, under their own names, of the constants that the hot
// paths (step, park, requeue, wake) use: an imported binding costs a load
// through its module cell and a hole check at each use, ~8% of a schedule()
// switch (measured).
const {
  F_JOINABLE,
  F_LOCALS_OWNED,
  F_YIELDED,
  FAILED,
  LEVEL_MASK,
  RESUME_MASK,
  RESUME_NEXT,
  RESUME_SHIFT,
  RESUME_THROW,
  RETURNED,
  STATE_MASK,
  STATE_SHIFT,
} = flags;
const { SUSPEND, setCurrent, setResuming } = protocol;
/** `state` RUNNING, READY, BLOCKED as they stand in `flags`. */
const RUNNING_BITS = flags.RUNNING << STATE_SHIFT;
const READY_BITS = flags.READY << STATE_SHIFT;
const BLOCKED_BITS = flags.BLOCKED << STATE_SHIFT;
/** TASKLET_DEBUG=1: the loop checks the invariants after each step (invariants.ts). */
const CHECK = DEBUG;

/** How long a burst of ready work may hold the thread before the event loop gets a turn. */
export const BUDGET_MS = 5;
/** spawnNow starts nested deeper than this start as spawn's do (the stack stays bounded). */
export const MAX_NOW_DEPTH = 100;
/** The loop reads the clock once per this many steps (a power of two). */
const CLOCK_EVERY = 64;

export type { TimerService } from "./timer-service.js";

// The watchdog (watchdog.ts) shares this buffer with its helper thread. Each
// switch writes the stepped tasklet's id (W_RUNNING; 0 while the thread is
// back in the event loop) and its switch count (W_SWITCHES): the pair names
// one stretch. W_HOG is set by the helper when it reported a stretch; the
// loop looks at it every CLOCK_EVERY steps and when it goes idle. Names go
// to a table (W_NAMES..) on a tasklet's first switch and every 1024th after.
// The stores are made in the loop just before step(t).
// Null while the watchdog is off, so a switch then pays one null check.
// Plain stores, not Atomics.store: the helper only needs to see them within
// N/2 ms (the machine makes them visible in far less), and a seq-cst store
// (xchg on x86) cost 10-20% of a switch (measured, bench switch/pingpong).
let watch: Int32Array | null = null;
let watchHooks: WatchHooks | null = null;
const W_RUNNING = 0;
const W_SWITCHES = 1;
const W_HOG = 2;
/** @internal Where the id column of the name table starts in the watch buffer (watchdog.ts). */
export const W_NAMES = 8;
/** @internal Slots of the name table (a power of two; a tasklet's slot is `id & (W_NAME_SLOTS - 1)`). */
export const W_NAME_SLOTS = 4096;

/** @internal What the loop calls while the watchdog is on (watchdog.ts). */
export interface WatchHooks {
  /** Publishes `t`'s name in its slot of the name table. */
  publish(t: Tasklet): void;
  /** The helper reported a stretch of `rt`, and it has ended by now. */
  ended(rt: Runtime): void;
}

/** @internal Turns the switch stores on (a buffer) or off (null) for this thread (watchdog.ts). */
export function setWatch(buffer: Int32Array | null, hooks: WatchHooks | null): void {
  watch = buffer;
  watchHooks = hooks;
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
  /**
   * Leak detection (leaks.ts), or null while off. While on, a tasklet's
   * first park moves it from the live list to a record that holds it
   * weakly: blocked, it is held only through what it waits on.
   */
  leaks: LeakWatch | null = null;
  /** Called when a run is deadlocked, before the roots are failed (dumps). */
  onDeadlock: ((error: DeadlockError) => void) | null = null;

  private nextId = 1;
  /** spawnNow starts running nested on this thread's stack now. */
  private nowDepth = 0;
  /** The origin of the last spawn, reused while runtime, group, parent and clock match (tasklet.ts). */
  private origin: Origin = new Origin(this, { onUncaught: () => {} }, -1, 0, false);
  private readonly queues = [new ReadyQueue(), new ReadyQueue(), new ReadyQueue()];
  private readonly batches = [new ReadyQueue(), new ReadyQueue(), new ReadyQueue()];
  /** @internal Bit `level` set while that level's spawn batch is not empty (read by deadlock.ts). */
  batchMask = 0;
  /** @internal Head of the live list (spawn() links, end.ts unlinks). */
  liveHead: Tasklet | null = null;
  /** Tasklets that have not ended. */
  liveCount = 0;
  /**
   * Steps taken by the loop (switches) in its passes that have ended: added once a
   * pass, so a switch pays nothing for it (the console's chart reads it).
   */
  switchCount = 0;
  /** @internal Pending run()/main() roots (deadlock.ts fails them). */
  readonly roots = new Set<Tasklet>();
  /** @internal True only inside `loop` (read by deadlock.ts). */
  running = false;
  /** @internal True while a kick is pending (read by deadlock.ts). */
  scheduled = false;
  /** @internal A deadlock check is deferred (deadlock.ts clears it). */
  deadlockCheckPending = false;
  /** @internal The delay of the deadlock check's last look while something outside was alive (deadlock.ts). */
  outsidePollMs = 0;
  /**
   * @internal Joinable tasklets that failed with no joiner waiting: reported
   * when the loop next goes idle unless joined meanwhile (end.ts).
   */
  failedUnjoined: Tasklet[] = [];
  /** Calls to make when the loop next goes idle (atNextIdle). */
  private idleCalls: (() => void)[] = [];

  constructor(host: Host = new RealHost()) {
    this.host = host;
    this.clock = host.now();
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
    const t = this.create(gen, name, joinable, level, parent, group);
    (this.batches[level] as ReadyQueue).pushBack(t);
    this.batchMask |= 1 << level;
    if (!this.running && !this.scheduled) this.kick();
    return t;
  }

  /**
   * Creates a tasklet and, when `parent` is the running tasklet, steps it at
   * once, up to its first suspension or its end (spawn.ts, `spawnNow`, says
   * the rule). Otherwise, and beyond MAX_NOW_DEPTH nested starts, as spawn.
   */
  spawnNow<T>(
    gen: Iterator<unknown, T, unknown>,
    name: string | undefined,
    joinable: boolean,
    level: number,
    parent: Tasklet | null,
    group: Group,
  ): Tasklet<T> {
    if (parent === null || parent !== protocol.current || this.nowDepth >= MAX_NOW_DEPTH) {
      return this.spawn(gen, name, joinable, level, parent, group);
    }
    const t = this.create(gen, name, joinable, level, parent, group);
    this.nowDepth++;
    try {
      this.step(t);
    } finally {
      this.nowDepth--;
      setCurrent(parent);
    }
    return t;
  }

  private create<T>(
    gen: Iterator<unknown, T, unknown>,
    name: string | undefined,
    joinable: boolean,
    level: number,
    parent: Tasklet | null,
    group: Group,
  ): Tasklet<T> {
    const flags = joinable ? level | F_JOINABLE : level;
    const parentId = parent === null ? 0 : parent.id;
    const born = this.clock | 0;
    let o = this.origin;
    if (o.parentId !== parentId || o.group !== group || o.born !== born) {
      o = new Origin(this, group, parentId, born, false);
      this.origin = o;
    }
    const t = new Tasklet<T>(o, this.nextId++, gen, name, flags, parent);
    if (parent !== null) parent.flags &= ~F_LOCALS_OWNED;
    if (this.recordSites) t.extra().site = new Error("spawned here");
    const head = this.liveHead;
    t.liveNext = head;
    if (head !== null) head.livePrev = t;
    this.liveHead = t;
    this.liveCount++;
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

  /** Every tasklet that has not ended (and, with leak detection on, was not collected while blocked), by id. */
  live(): Tasklet[] {
    const out: Tasklet[] = [];
    for (let t = this.liveHead; t !== null; t = t.liveNext) out.push(t);
    this.leaks?.live(out);
    return out.sort((a, b) => a.id - b.id);
  }

  /** Parks the running tasklet `t` on `blocker`; the op then returns SUSPEND. */
  park(t: Tasklet, blocker: Blocker): void {
    t.flags = (t.flags & ~STATE_MASK) | BLOCKED_BITS;
    t.blocker = blocker;
    // Leak detection off: one predictable branch.
    if (this.leaks !== null) this.leaks.park(t);
  }

  /** Puts the running tasklet `t` at the back of its ready queue (schedule()). */
  requeue(t: Tasklet): void {
    const f = (t.flags & ~STATE_MASK) | READY_BITS | F_YIELDED;
    t.flags = f;
    (this.queues[f & LEVEL_MASK] as ReadyQueue).pushBack(t);
  }

  /**
   * A source ends the wait registered by node `n` (already off the source's
   * queue): wakes its tasklet with `value`, or lets its select pick this case.
   */
  wakeNode(n: WaitNode, value: unknown): void {
    const s = n.sel;
    if (s !== null) s.win(n, value, false);
    else this.wake(n.t, value);
  }

  /** As wakeNode, raising `error` at the wait. */
  wakeNodeThrow(n: WaitNode, error: unknown): void {
    const s = n.sel;
    if (s !== null) s.win(n, error, true);
    else this.wakeThrow(n.t, error);
  }

  /** Ends `t`'s wait with `value`. The caller has taken `t` off its own queues. */
  wake(t: Tasklet, value: unknown): void {
    t.blocker = null;
    t.value = value;
    // resumeKind RESUME_NEXT (0) and state READY in one write, then as makeReady.
    const f = (t.flags & ~(RESUME_MASK | STATE_MASK)) | READY_BITS;
    t.flags = f;
    (this.queues[f & LEVEL_MASK] as ReadyQueue).pushBack(t);
    if (!this.running && !this.scheduled) this.kick();
  }

  /** Ends `t`'s wait by raising `error` in it. */
  wakeThrow(t: Tasklet, error: unknown): void {
    t.blocker = null;
    t.resumeKind = RESUME_THROW;
    t.value = error;
    this.makeReady(t);
  }

  /** @internal Makes `t` READY at the back of its queue (delivery.ts). */
  makeReady(t: Tasklet): void {
    const f = (t.flags & ~STATE_MASK) | READY_BITS;
    t.flags = f;
    (this.queues[f & LEVEL_MASK] as ReadyQueue).pushBack(t);
    if (!this.running && !this.scheduled) this.kick();
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
    // Read once a loop: a watchdog started or stopped meanwhile is seen by the next loop.
    const w = watch;
    const hooks = watchHooks as WatchHooks;
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
        if (w !== null) {
          // Here and not in step(): step stays small enough for V8 to inline it.
          const switches = t.switches;
          w[W_RUNNING] = t.id;
          w[W_SWITCHES] = switches;
          if ((switches & 1023) === 0) hooks.publish(t);
        }
        this.step(t);
        if (CHECK) checkAfterStep(this, t);
        if ((++steps & (CLOCK_EVERY - 1)) === 0) {
          if (w !== null && w[W_HOG] !== 0) hooks.ended(this);
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
      this.switchCount += steps;
      // What the tasklets that parked in this run wait on, for leak reports (leaks.ts).
      const leaks = this.leaks;
      if (leaks !== null && leaks.pending.length > 0) leaks.flush();
      if (w !== null) {
        // The thread goes back to the event loop: no tasklet holds it.
        w[W_RUNNING] = 0;
        if (w[W_HOG] !== 0) hooks.ended(this);
      }
    }
    if (yielded) return;
    start = 0;
    if (this.failedUnjoined.length > 0) reportUnjoined(this);
    if (this.idleCalls.length > 0) this.runIdleCalls();
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

  /**
   * Calls `cb` when the loop next goes idle (its ready work drained), as
   * the unjoined-failure rule of end.ts does for tasklets: the threads layer
   * reports a pool tasklet's failure nobody joined this way. Kicks the loop
   * if it is idle now, so that "next" comes.
   */
  atNextIdle(cb: () => void): void {
    this.idleCalls.push(cb);
    if (!this.running && !this.scheduled) this.kick();
  }

  private runIdleCalls(): void {
    const calls = this.idleCalls;
    this.idleCalls = [];
    for (const cb of calls) {
      try {
        cb();
      } catch (e) {
        this.host.fatal(e);
      }
    }
  }

  /** Tasklets spawned so far (ids are given in order, from 1). */
  get spawnCount(): number {
    return this.nextId - 1;
  }

  /** Tasklets waiting for their turn: on a ready queue or in a spawn batch (six queue lengths summed). */
  readyCount(): number {
    let n = 0;
    for (let i = 0; i < 3; i++) n += (this.queues[i] as ReadyQueue).length + (this.batches[i] as ReadyQueue).length;
    return n;
  }

  /** Whether a tasklet is ready or newly spawned (the threads layer asks before taking more work). */
  hasReady(): boolean {
    return this.batchMask !== 0 || this.anyReady();
  }

  /** @internal Whether a ready queue is not empty (deadlock.ts). */
  anyReady(): boolean {
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
    t.flags = (t.flags & ~(STATE_MASK | F_YIELDED)) | RUNNING_BITS;
    for (;;) {
      let r: IteratorResult<unknown, unknown>;
      try {
        const f = t.flags;
        const kind = (f & RESUME_MASK) >> RESUME_SHIFT;
        const v = t.value;
        t.flags = f & ~RESUME_MASK;
        t.value = undefined;
        if (kind === RESUME_NEXT) {
          setResuming();
          r = gen.next(v);
        } else if (kind === RESUME_THROW) {
          r = (gen.throw as (e: unknown) => IteratorResult<unknown, unknown>).call(gen, v);
        } else {
          r = (gen.return as (v: unknown) => IteratorResult<unknown, unknown>).call(gen, undefined);
        }
      } catch (e) {
        setCurrent(null);
        finish(t, FAILED, e);
        return;
      }
      if (r.done === true) {
        setCurrent(null);
        finish(t, RETURNED, r.value);
        return;
      }
      if (r.value !== SUSPEND) {
        t.resumeKind = RESUME_THROW;
        t.value = new TaskletError(
          `${t.describe()} yielded ${describeValue(r.value)}: operations are performed with yield*, not yield`,
        );
        continue;
      }
      if ((t.flags & STATE_MASK) !== RUNNING_BITS) break;
      // Still RUNNING: a pending kill, interrupt or exit was turned into a resumption.
    }
    setCurrent(null);
  }

  /** The deadlock check (deadlock.ts), deferred by the loop when it goes idle with roots pending. */
  private readonly checkDeadlock = (): void => {
    checkDeadlock(this);
  };
}

function describeValue(v: unknown): string {
  if (v === undefined) return "undefined";
  if (typeof v === "object" && v !== null) return `an object (${v.constructor?.name ?? "Object"})`;
  return typeof v;
}

let threadRuntime: Runtime | null = null;

/** The runtime of this thread, created on first use. */
export function runtime(): Runtime {
  if (threadRuntime === null) {
    threadRuntime = new Runtime();
    if (process.env.TASKLET_LEAKS === "1") watchLeaks(threadRuntime);
  }
  return threadRuntime;
}
