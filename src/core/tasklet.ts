/**
 * The tasklet: one generator and the scheduler's record of it.
 *
 * The object is its own handle: users hold it, the scheduler queues it, and
 * nothing else is allocated per tasklet but its generator (docs/design.md,
 * "A tasklet is its own handle": a handle with closures, or a WeakMap from
 * handles to records, made spawn several times slower). Methods live on the
 * prototype. The record is kept small because a million of them must fit
 * (12 fields, 120 bytes): booleans, `state` and `resumeKind` share one
 * `flags` word, the outcome is part of `state`, what siblings share
 * (runtime, group, parent id, birth time) lives in one shared `Origin`
 * (read through the getters `rt`, `group`, `parentId`, `born`), and what
 * few tasklets need (name, locals, joiners, exit value, pending interrupt,
 * root callbacks, spawn site) lives in `ext`: a tasklet's own `Origin`,
 * which replaces the shared one in the same field (`F_EXT`). Every field is
 * initialized in the constructor, in declaration order, so all tasklets
 * share one hidden class.
 *
 * The tasklet is also its own wait node for a single wait (core/wait.ts):
 * `queue`, `prev` and `next` link it on the wait queue it blocks on, and
 * `value` holds what it offers there, so a blocked tasklet allocates no
 * node (issue 15: 369 -> 297 bytes per tasklet blocked on a channel, Node
 * 24; 289 with `ext` in `origin`). `next` is also its ready-queue link
 * (queue.ts); the uses never overlap.
 *
 * Invariants (checked by core/invariants.ts under TASKLET_DEBUG):
 *   - `blocker` is set exactly while BLOCKED;
 *   - F_EXT is set exactly when `origin` is the tasklet's own (`own`);
 *   - `queue` is set only while BLOCKED in a single wait; off a wait queue,
 *     `prev` is null and `next` is null unless it is NEW or READY (then it
 *     is its ready-queue link).
 *
 * State machine (field `state`, three bits of `flags`):
 *
 *   NEW --step--> RUNNING --park--> BLOCKED --wake--> READY --step--> RUNNING
 *                    |  \--schedule--> READY
 *                    \-- returns / throws / is killed --> RETURNED | FAILED | KILLED
 *
 * Who writes which field:
 *   - `state`: runtime.ts (step, park, requeue, wake, makeReady; a kill or an
 *     interrupt of a BLOCKED tasklet in delivery.ts makes it READY through
 *     makeReady) and end.ts (the ended states, in finish);
 *   - `resumeKind` and `value`: runtime.ts (wake, wakeThrow, step), delivery.ts
 *     (a kill, an interrupt, a pending one delivered), end.ts (the outcome),
 *     and the ops that resume their own tasklet at once (ops.ts's exit,
 *     cancel.ts's UNWIND, op.ts when a frame's return was lost); while
 *     BLOCKED in a single wait, `value` is its node's value, written by the
 *     source (its `enqueue`, a waker or `dequeue` clearing it before the
 *     tasklet is woken or withdrawn, never after);
 *   - the other bits of `flags`: delivery.ts (F_KILLED, F_DYING, F_PENDING_*),
 *     end.ts and `outcome()` below (F_OBSERVED), ops.ts (F_EXITING),
 *     time/timeout.ts (F_TIMED), time/timers.ts (F_SLEEP_LEFT), runtime.ts
 *     (F_YIELDED), local.ts and runtime.ts's spawn (F_LOCALS_OWNED);
 *   - `blocker`: the op that parks the tasklet passes it to `Runtime.park`;
 *     `Runtime.wake`/`wakeThrow`, delivery.ts's `withdraw` and end.ts clear it;
 *   - `next`: the ready queues (queue.ts) and the wait queues (wait.ts), `prev`
 *     and `queue`: the wait queues; `liveNext`/`livePrev`: runtime.ts's
 *     spawn links, end.ts unlinks (leaks.ts, at the first park, while leak
 *     detection is on); `gen`: end.ts drops it; `locals`: local.ts;
 *     `ext`: whoever needs a rare field, through `extra()` (which replaces
 *     `origin` by the tasklet's own copy and sets F_EXT, once).
 */

import { kill } from "./delivery.js";
import { type DeadlockError, KilledError, NotJoinableError, TaskletError, type UncaughtError } from "./errors.js";
import type { LeakRecord, LeakReport } from "./leaks.js";
import type { Operation, Suspend } from "./op.js";
import type { Runtime } from "./runtime.js";
import {
  type AnyNode,
  type Blocker,
  NOT_READY,
  type NotReady,
  unlinkNode,
  type Waitable,
  type WaitNode,
  WaitQueue,
  type WatchNode,
} from "./wait.js";
import { checkWaitFor } from "./wait-for.js";
import { WaitOp } from "./wait-op.js";

export * from "./flags.js";

import {
  F_DYING,
  F_EXT,
  F_JOINABLE,
  F_KILLED,
  F_OBSERVED,
  FAILED,
  KILLED,
  LEVEL_MASK,
  RESUME_MASK,
  RESUME_SHIFT,
  RETURNED,
  STATE_MASK,
  STATE_NAMES,
  STATE_SHIFT,
  type State,
  type StateName,
} from "./flags.js";

/** Priorities, highest first: one FIFO ready queue each (as libtf's). */
export type Priority = "high" | "normal" | "low";
export const PRIORITY_LEVELS: Readonly<Record<string, number>> = { high: 0, normal: 1, low: 2 };

/** The queue of a tasklet's joiners: their nodes, and watches (a scope's, a pool's) on its end. */
export type Joiners = WaitQueue<WaitNode | WatchNode>;

/** Per-tasklet values of `TaskletLocal`s (local.ts owns the layout). */
export type Locals = Map<object, unknown>;

/** What a run() or main() root shares with every tasklet spawned below it. */
export interface Group {
  /** Called with an error that escaped a tasklet nobody joins. */
  onUncaught: (error: UncaughtError) => void;
  /** Called with a tasklet collected while blocked (leaks.ts); absent: a TaskletLeakWarning. */
  onLeak?: ((leak: LeakReport) => void) | undefined;
}

/**
 * What the tasklets that one parent spawns in one stretch share: the
 * runtime, the group, the parent's id and the clock at spawn. `Runtime.spawn`
 * reuses its last one while all four match (a parent spawning a thousand
 * children in a loop makes one), so these four facts cost the record one
 * field instead of four.
 *
 * The same object, made for one tasklet alone (`own`, by `Tasklet.extra()`,
 * a copy of the shared one it replaces), holds the fields that few tasklets
 * need: the rare part of the record (`Tasklet.ext`, the type `TaskletExt`).
 * So the four facts and the rare fields cost the record that one field. One
 * class for both, so that `t.rt` and the other reads through `origin` see
 * one hidden class (a subclass for the own ones measured up to 1.1x the CPU
 * time of pingpong, Node 24, issue 15). The four facts never change; a
 * shared one's rare fields stay unset (96 bytes per stretch of spawns:
 * skynet's 111 111 parents make one each, against 8 bytes saved per tasklet).
 */
export class Origin {
  /** The name given at spawn (most tasklets have none: `name` reads `tasklet-<id>`). */
  name: string | undefined = undefined;
  exitValue: unknown = undefined;
  /** The error an interrupt (a timeout) raises at the next op. */
  interrupt: unknown = undefined;
  /** Interrupts that came while `interrupt` was pending, in order (delivery.ts). */
  moreInterrupts: unknown[] | null = null;
  /** While returning from its body: the frames above the cleanup that waits (unwind.ts). */
  unwindFrames: string[] | null = null;
  /** A run()/main() root: called once when it ended. */
  onEnd: ((t: Tasklet, deadlock: DeadlockError | null) => void) | null = null;
  /** A root of a deadlocked run: the error its run() rejects with. */
  deadlock: DeadlockError | null = null;
  /**
   * Where spawn() was called, when the runtime records spawn sites: the
   * stack is formatted only when a dump reads it (formatting costs several
   * times the capture).
   */
  site: Error | undefined = undefined;
  /** Calls posted to this tasklet (inter-tasklet calls), run at its next op or at its end. */
  posted: Posted[] | null = null;
  /** TaskletLocal values (see `Tasklet.locals`). */
  locals: Locals | null = null;
  /** The tasklets waiting for its end (see `Tasklet.joiners`). */
  joiners: Joiners | null = null;
  /** While leak detection is on, from its first park: its record, which holds it weakly (leaks.ts). */
  leak: LeakRecord | null = null;
  constructor(
    readonly rt: Runtime,
    readonly group: Group,
    /** The spawner's id, 0 for none. */
    readonly parentId: number,
    /** Runtime clock (whole ms) at spawn. */
    readonly born: number,
    /** One tasklet's own (its `ext`), not shared by siblings. */
    readonly own: boolean,
  ) {}
}

/** The rarely used part of a tasklet's record: its own `Origin` (see there). */
export type TaskletExt = Origin;

/**
 * A call posted to a tasklet (sync/ifc.ts): `run()` is called once, with the
 * tasklet as `current`, before its next operation starts or when it ends.
 * It must not throw (it keeps its function's outcome for whoever waits).
 */
export interface Posted {
  run(): void;
}

/**
 * A tasklet: the handle `spawn` returns (and `current()`), with which to
 * join it (`yield* t.join()`, or `await t.result()` from async code), kill
 * it (`t.kill()`: its `finally` blocks run, its joiners get `KilledError`)
 * and name it in reports. Made by `spawn`, `run` and `main`, never with `new`.
 * Its other fields are the scheduler's record, internal to the runtime
 * and left out of the shipped types.
 *
 * @hideconstructor
 * @example
 * const t = spawn(function* () {
 *   yield* sleep(10);
 *   return 42;
 * }, { name: "answer" });
 * console.log(t.describe()); // "#<id> answer"
 * const v = yield* t.join(); // 42
 */
export class Tasklet<T = unknown> {
  /** Unique per runtime, counting from 1. */
  readonly id: number;
  /** @internal The body; null once ended, so the generator's frames can be collected. */
  gen: Iterator<unknown, T, unknown> | null;
  /**
   * @internal Its runtime, group, parent and birth time, shared with its
   * siblings of one stretch; or, once it has rare fields (`F_EXT`), its own
   * copy, which holds them too.
   */
  origin: Origin;
  /** @internal `state`, `resumeKind`, the priority level and the F_* bits in one word (see the file comment for who writes which). */
  flags: number;

  /** @internal Lives on `rt`'s list of live tasklets until it ends (or, while leak detection is on, until its first park: leaks.ts). */
  liveNext: Tasklet | null = null;
  /** @internal The other link of `rt`'s list of live tasklets. */
  livePrev: Tasklet | null = null;

  /**
   * @internal While BLOCKED in a single wait: what it offers or asks for (its
   * value as a wait node: a value to send, a permit count). Else while live:
   * what the next step resumes with. Once ended: the value or error.
   */
  value: unknown = undefined;
  /** @internal While BLOCKED: the source it waits on, which can withdraw the wait. */
  blocker: Blocker | null = null;
  /** @internal While BLOCKED in a single wait: the wait queue it is linked on (the tasklet is its own wait node, wait.ts). */
  queue: WaitQueue<AnyNode> | null = null;
  /** @internal The node before it on `queue`, or null. */
  prev: AnyNode | null = null;
  /**
   * @internal The link after it: on `queue` while BLOCKED in a single wait;
   * on one ready queue or spawn batch of `rt` (the tasklet after it there)
   * while NEW or READY. The two never overlap: a waker takes a tasklet off
   * its wait queue before it makes it ready.
   */
  next: AnyNode | null = null;
  /** Number of times the tasklet was stepped. */
  switches = 0;

  constructor(
    origin: Origin,
    id: number,
    gen: Iterator<unknown, T, unknown>,
    name: string | undefined,
    flags: number,
    parent: Tasklet | null,
  ) {
    this.id = id;
    this.gen = gen;
    this.origin = origin;
    this.flags = flags;
    if (name !== undefined) this.extra().name = name;
    const inherited = parent === null ? null : parent.locals;
    if (inherited !== null) this.extra().locals = inherited;
  }

  /** @internal The runtime (one per thread) that schedules it (in `origin`). */
  get rt(): Runtime {
    return this.origin.rt;
  }

  /** @internal The run() or main() that this tasklet descends from (in `origin`). */
  get group(): Group {
    return this.origin.group;
  }

  /** The id of the tasklet that spawned it; 0 for a root (of `run` or `main`). Kept in `origin`. */
  get parentId(): number {
    return this.origin.parentId;
  }

  /** Runtime clock (whole ms) at spawn, for the tasklet's age (in `origin`). */
  get born(): number {
    return this.origin.born;
  }

  /** @internal NEW, READY, RUNNING, BLOCKED, or how it ended (three bits of `flags`; see the file comment for who writes it). */
  get state(): State {
    return ((this.flags & STATE_MASK) >> STATE_SHIFT) as State;
  }
  /** @internal */
  set state(s: State) {
    this.flags = (this.flags & ~STATE_MASK) | (s << STATE_SHIFT);
  }

  /** @internal TaskletLocal values; shared with the parent until first set (local.ts). Kept in `ext`. */
  get locals(): Locals | null {
    const e = this.ext;
    return e === null ? null : e.locals;
  }
  /** @internal */
  set locals(m: Locals | null) {
    if (m !== null) this.extra().locals = m;
    else if (this.ext !== null) this.ext.locals = null;
  }

  /** @internal The tasklets waiting for its end (lazily made, in `ext`: few tasklets are joined before they end). */
  get joiners(): Joiners | null {
    const e = this.ext;
    return e === null ? null : e.joiners;
  }
  /** @internal */
  set joiners(q: Joiners | null) {
    if (q !== null) this.extra().joiners = q;
    else if (this.ext !== null) this.ext.joiners = null;
  }

  /** The name given at spawn, or `tasklet-<id>`. */
  get name(): string {
    return this.ext?.name ?? `tasklet-${this.id}`;
  }

  /** @internal How the next step resumes the generator (RESUME_*: two bits of `flags`). */
  get resumeKind(): number {
    return (this.flags & RESUME_MASK) >> RESUME_SHIFT;
  }
  /** @internal */
  set resumeKind(kind: number) {
    this.flags = (this.flags & ~RESUME_MASK) | (kind << RESUME_SHIFT);
  }

  /** True until the tasklet has ended (its cleanup included). */
  isRunning(): boolean {
    return this.state < RETURNED;
  }

  /** Whether `join()` may be used. */
  isJoinable(): boolean {
    return (this.flags & F_JOINABLE) !== 0;
  }

  /** Whether kill() was called on it. */
  isKilled(): boolean {
    return (this.flags & F_KILLED) !== 0;
  }

  /** @internal Whether its kill was delivered: it runs its cleanup now (time/, sync/ scope). */
  isDying(): boolean {
    return (this.flags & F_DYING) !== 0;
  }

  /** `new`, `ready`, `running`, `blocked` or `done`. */
  get stateName(): StateName {
    return STATE_NAMES[this.state];
  }

  /** The priority level: 0 high, 1 normal, 2 low. */
  get level(): number {
    return this.flags & LEVEL_MASK;
  }

  /**
   * Kills the tasklet at its current suspension point, or at its next one if
   * it is running or has a result in hand. Its `finally` blocks run and may
   * block. Does nothing if it has ended or was killed already.
   */
  kill(): void {
    kill(this);
  }

  /**
   * Waits for the tasklet to end, with its value. Throws its error,
   * `KilledError` if it was killed, `NotJoinableError` if it was spawned
   * with `joinable: false`, `DeadlockError` naming the cycle if it waits
   * (through locks, joins and dispatches) for the caller: then the wait does
   * not start (docs/inspect.md, "Wait-for cycles").
   */
  join(): Operation<T> & Waitable<T> {
    if ((this.flags & F_JOINABLE) === 0) {
      throw new NotJoinableError(`${this.describe()} was spawned with joinable: false`);
    }
    return new TaskletJoinOp(this, true);
  }

  /**
   * The tasklet's end as a promise, for async code: resolves with its value,
   * rejects with its error (which counts as joined), `KilledError` if it was
   * killed, `DeadlockError` if it can never end. A named method and not
   * `await t`: a thenable handle would be awaited wherever a promise
   * machinery meets it (returned from an async function, resolved into a
   * promise), turning code that passes a handle around into a hidden join.
   * Throws `NotJoinableError` if spawned with `joinable: false`. (The same
   * method as `PoolTasklet.result()`, the handle of a tasklet on a worker.)
   *
   * @example
   * const t = spawn(worker());
   * const value = await t.result();
   */
  result(): Promise<T> {
    const op = this.join();
    if (this.state >= RETURNED) {
      try {
        return Promise.resolve(this.outcome());
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return new Promise<T>((resolve, reject) => {
      this.rt.spawnRoot(waitFor(op), `result of ${this.describe()}`, 1, this.group, (t, deadlock) => {
        if (deadlock !== null) reject(deadlock);
        else if (t.state === RETURNED) resolve(t.value as T);
        else if (t.state === FAILED) reject(t.value);
        else reject(new KilledError(`${t.describe()} was killed`));
      });
    });
  }

  /** `#id name`, as reports print it. */
  describe(): string {
    return `#${this.id} ${this.name}`;
  }

  /** The value or error of an ended tasklet, as `join` gives it. */
  outcome(): T {
    switch (this.state) {
      case RETURNED:
        return this.value as T;
      case FAILED:
        this.flags |= F_OBSERVED; // seen: not reported as unjoined (end.ts)
        throw this.value;
      case KILLED:
        throw new KilledError(`${this.describe()} was killed`);
      default:
        throw new TaskletError(`${this.describe()} has not ended`);
    }
  }

  /** @internal As a wait node (wait.ts): the tasklet that waits, itself. */
  get t(): Tasklet {
    return this;
  }

  /** @internal As a wait node: the select it is a case of, none (a select's cases are `CaseNode`s). */
  get sel(): null {
    return null;
  }

  /** @internal As a wait node: takes it off its wait queue, if it is on one. */
  unlink(): void {
    unlinkNode(this);
  }

  /** @internal The rarely used part of the record (made by `extra()`, kept in `origin`), or null. */
  get ext(): TaskletExt | null {
    return (this.flags & F_EXT) !== 0 ? (this.origin as TaskletExt) : null;
  }

  /** @internal `ext`, made on first use: it takes the place of the shared `origin`. */
  extra(): TaskletExt {
    if ((this.flags & F_EXT) !== 0) return this.origin as TaskletExt;
    const o = this.origin;
    const e = new Origin(o.rt, o.group, o.parentId, o.born, true);
    this.origin = e;
    this.flags |= F_EXT;
    return e;
  }

  /** `Tasklet(#id name, state)`, for logs. */
  toString(): string {
    return `Tasklet(${this.describe()}, ${this.stateName})`;
  }
}

function* waitFor<T>(op: Operation<T>): Generator<unknown, T, unknown> {
  return yield* op;
}

// `yield* spawn(...)` (Effection's habit) would fail with "… is not
// iterable": a tasklet is a handle, not an operation, so its iterator says
// what to write instead. On the prototype and out of the class: spawn pays
// nothing, and the types still refuse `yield* t` at compile time.
Object.defineProperty(Tasklet.prototype, Symbol.iterator, {
  value: function notAnOperation(this: Tasklet): never {
    throw new TypeError(
      `yield* of ${this.describe()}: spawn returns a Tasklet, not an operation: use t.join() to wait for it (yield* t.join())`,
    );
  },
  writable: true,
  configurable: true,
});

/**
 * join(), and the runtime's own wait for an end (`withValue` false: any
 * outcome, any joinability). The op is the blocker of its waiter, and a
 * `Waitable`, so that a select can wait for a tasklet's end. A single wait
 * that would close a cycle of waits (the target waits, through locks and
 * joins, for the joiner) throws DeadlockError instead (wait-for.ts).
 *
 * One per join() call. A single op reused by every join() (its target set
 * by the call) measured 0.92x the CPU time of spawn+join 1M and of skynet
 * (Node 24, issue 15), but join() returns a first-class `Waitable`: two
 * held at once (a select over two joins, an op kept and yielded later)
 * would both wait for the last target. The same holds for `send(v)`'s op.
 */
export class TaskletJoinOp<T> extends WaitOp<T> {
  constructor(
    private readonly target: Tasklet<T>,
    private readonly withValue: boolean,
  ) {
    super();
  }
  override start(t: Tasklet): T | Suspend {
    const target = this.target;
    // It will wait: refuse a wait that would close a cycle of waits (before the tasklet parks).
    if (target.state < RETURNED && target !== t) checkWaitFor(t, target, this);
    return super.start(t);
  }
  waitsFor(_t: Tasklet): Tasklet | null {
    return this.target;
  }
  poll(t: Tasklet): T | NotReady {
    const target = this.target;
    if (target.state >= RETURNED) return this.withValue ? target.outcome() : (undefined as T);
    if (target === t) throw new TaskletError(`${t.describe()} cannot join itself`);
    return NOT_READY;
  }
  enqueue(n: WaitNode): void {
    const target = this.target;
    target.joiners ??= new WaitQueue();
    n.value = this.withValue;
    target.joiners.pushBack(n);
  }
  describe(): string {
    return `${this.withValue ? "join" : "the end"} of ${this.target.describe()}`;
  }
}
