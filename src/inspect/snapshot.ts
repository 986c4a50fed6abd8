/**
 * tasklets(): a snapshot of every live tasklet of a runtime.
 *
 * Read-only: nothing in the runtime changes. Where a suspended tasklet
 * stands comes from the suspension probe of core/op.ts (one resumption that
 * runs no user code, a few µs a tasklet); where it was spawned comes from
 * the stack the runtime records at spawn() when tracing is on (trace.ts).
 */

import { checkBoolean, checkOptionKeys } from "../core/check.js";
import { current, probeSuspension } from "../core/op.js";
import { type Runtime, runtime } from "../core/runtime.js";
import { BLOCKED, NEW, type Priority, RUNNING, type Tasklet, Tasklet as TaskletClass } from "../core/tasklet.js";
import { userFrames } from "./stack.js";

/** The state of a live tasklet, as a snapshot reports it. */
export type TaskletState = "ready" | "running" | "blocked";

/** One tasklet in a snapshot (see `tasklets()`). */
export interface TaskletInfo {
  /** The tasklet's id (`Tasklet.id`). */
  readonly id: number;
  /** Its name (`Tasklet.name`): the one given at spawn, or `tasklet-<id>`. */
  readonly name: string;
  /** `running` is the tasklet that took the snapshot. A spawned tasklet that has not started is `ready`. */
  readonly state: TaskletState;
  /** False for a tasklet spawned that has not run yet. */
  readonly started: boolean;
  /** kill() was called: it is running its cleanup, or will at its next suspension. */
  readonly killed: boolean;
  /** The priority it was spawned with. */
  readonly priority: Priority;
  /**
   * While blocked: what it waits on (the channel, lock, socket, timer), with
   * the time left on each timer that will end the wait: `recv on channel#3
   * (capacity 0), under timeout() (480 ms left)`.
   */
  readonly waitsOn: string | null;
  /**
   * While blocked on a wait that one tasklet alone can end (a lock's owner, a
   * join's target, a dispatcher's runner): that tasklet's id, the edge of the
   * wait-for graph (docs/inspect.md). Null for every other wait (a channel, a
   * timer, a select) and when not blocked.
   */
  readonly waitsFor: number | null;
  /** The tasklet that spawned it, or null for a root or a spawn from outside any tasklet. */
  readonly parentId: number | null;
  /** The user's frames where it was spawned, innermost first; null unless spawn sites are traced. */
  readonly spawnedAt: readonly string[] | null;
  /**
   * The user's frames where it is suspended (the `yield*` lines), innermost
   * first; for the running tasklet, where it took the snapshot. Null for a
   * tasklet not started, or when stacks were not asked for.
   */
  readonly suspendedAt: readonly string[] | null;
  /** Milliseconds since it was spawned. */
  readonly ageMs: number;
  /** How many times the scheduler resumed it. */
  readonly switches: number;
}

/** Options of `tasklets(options)`. */
export interface SnapshotOptions {
  /**
   * Collect where each tasklet is suspended and was spawned (default true).
   * About 5–10 µs a tasklet; turn it off for a cheap count in a loop.
   */
  stacks?: boolean;
  /** The runtime to look at; default: the calling tasklet's (a test runtime's, under runTest), else this thread's. */
  runtime?: Runtime;
}

const PRIORITIES: readonly Priority[] = ["high", "normal", "low"];

/**
 * A snapshot of every live tasklet of this thread's runtime, by id. Safe to
 * call from anywhere (inside a tasklet, a signal handler, a timer).
 *
 * @example
 * for (const t of tasklets()) console.log(t.id, t.name, t.state, t.waitsOn ?? "");
 */
export function tasklets(options?: SnapshotOptions): TaskletInfo[] {
  checkOptionKeys("tasklets", options, ["stacks", "runtime"]);
  if (options?.stacks !== undefined) checkBoolean("tasklets", "options.stacks", options.stacks);
  const rt = options?.runtime ?? current?.rt ?? runtime();
  const stacks = options?.stacks ?? true;
  const now = rt.host.now();
  const here = stacks ? new Error("snapshot") : null;
  const deadlines = deadlinesOf(rt, now);
  return rt.live().map((t) => info(t, now, stacks, here, deadlines));
}

/** A timer of the heap as a dump reads it: its deadline and what it is for. */
interface HeapTimer {
  readonly at: number;
  readonly seq: number;
  describe(): string;
  /** timeout(): the tasklet it interrupts. */
  readonly t?: unknown;
  /** A select's after() case: its wait node. */
  readonly n?: { readonly t?: unknown };
}

/**
 * The timers that will end a tasklet's wait without being its blocker
 * (a `timeout()` around it, an `after()` case of its select), by tasklet,
 * as `, under timeout() (12 ms left)`.
 */
function deadlinesOf(rt: Runtime, now: number): Map<Tasklet, string> {
  const out = new Map<Tasklet, string>();
  const heap = rt.timers as { entries?: () => readonly unknown[] } | null;
  if (heap === null || typeof heap.entries !== "function") return out;
  for (const e of heap.entries() as readonly HeapTimer[]) {
    const direct = e.t instanceof TaskletClass ? e.t : null;
    const t = direct ?? (e.n?.t instanceof TaskletClass ? e.n.t : null);
    if (t === null || t.blocker === (e as unknown)) continue;
    const what = direct !== null ? "under timeout()" : e.describe();
    out.set(t, `${out.get(t) ?? ""}, ${what} (${left(e.at, now)} ms left)`);
  }
  return out;
}

function left(at: number, now: number): number {
  return Math.max(0, Math.round(at - now));
}

/** What `t` waits on: its blocker's description, with the time left when the blocker is a timer that does not say it. */
function waitOf(t: Tasklet, now: number, deadlines: Map<Tasklet, string>): string | null {
  const b = t.blocker;
  if (t.state !== BLOCKED || b === null) return null;
  let s = b.describe(t);
  const timer = b as unknown as Partial<HeapTimer>;
  if (typeof timer.at === "number" && timer.seq !== undefined && timer.seq >= 0 && !/\bleft\)/.test(s)) {
    s += ` (${left(timer.at, now)} ms left)`;
  }
  return s + (deadlines.get(t) ?? "");
}

function waitsForOf(t: Tasklet): number | null {
  const b = t.blocker;
  if (t.state !== BLOCKED || b === null || b.waitsFor === undefined) return null;
  return b.waitsFor(t)?.id ?? null;
}

function info(
  t: Tasklet,
  now: number,
  stacks: boolean,
  here: Error | null,
  deadlines: Map<Tasklet, string>,
): TaskletInfo {
  const state = t.state;
  const running = state === RUNNING && t === current;
  let suspendedAt: readonly string[] | null = null;
  if (stacks && state !== NEW) {
    suspendedAt = running ? userFrames(here) : userFrames(probeSuspension(t));
  }
  const site = t.ext?.site;
  return {
    id: t.id,
    name: t.name,
    state: state === BLOCKED ? "blocked" : running ? "running" : "ready",
    started: state !== NEW,
    killed: t.isKilled(),
    priority: PRIORITIES[t.level] ?? "normal",
    waitsOn: waitOf(t, now, deadlines),
    waitsFor: waitsForOf(t),
    parentId: t.parentId === 0 ? null : t.parentId,
    spawnedAt: stacks && site !== undefined ? userFrames(site) : null,
    suspendedAt,
    ageMs: Math.max(0, Math.round(now - t.born)),
    switches: t.switches,
  };
}
