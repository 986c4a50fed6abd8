/**
 * Leaked tasklets, found through the garbage collector (Go's goroutineleak
 * profile, golang/go#74609): a tasklet blocked on something that nothing
 * else references (no live tasklet, no timer, no host callback, no user
 * variable) can never be woken. The JavaScript heap answers that question:
 * if the runtime itself holds such a tasklet only weakly, the collector
 * frees it, and a FinalizationRegistry tells us so.
 *
 * How: while detection is on (`Runtime.leaks` not null), a tasklet's first
 * park (runtime.ts) takes it off the runtime's strong live list and puts
 * its `LeakRecord` in `parked`; the record holds the tasklet through a
 * WeakRef only, and is the held value of the registry. From then on the
 * tasklet is reachable only through what it waits on (a channel's queue
 * holds its node, the node holds it), through the ready queues while it is
 * ready, through `current` while it runs, and through whatever the program
 * holds. What it waits on is written into the record (which must say it
 * after the tasklet is gone) when the loop's run ends (`flush`): until
 * then `pending` holds the tasklet. `Runtime.live()` lists the records'
 * tasklets that are still there, so dump() and tasklets() see them.
 *
 * A tasklet collected before its end was collected while blocked: a NEW or
 * READY one is on a ready queue, a RUNNING one is `current`, an ended one
 * unregistered its record (end.ts calls `ended`). So every call of the
 * registry's callback is a leak, reported once to its group's `onLeak`, or
 * else as a `TaskletLeakWarning` through process.emitWarning.
 *
 * What it cannot see: a tasklet that is still reachable although nothing
 * will ever wake it (its channel is held by a live tasklet that will never
 * use it again, or by a scope whose owner lives); and it reports a leak only
 * when the collector runs, which may be late or, in a short program, never.
 *
 * Invariants:
 *   - a tasklet with a record (`ext.leak`) is on `parked` and not on the
 *     live list, until it ends or is collected; `liveCount` counts it until
 *     then;
 *   - a record never holds its tasklet, its blocker or its spawner strongly
 *     (only strings, numbers, the group, and the WeakRef): anything more
 *     could keep the tasklet alive through the registry.
 *
 * This file knows the layout of the live list: it unlinks through end.ts's
 * `unlinkLive`.
 */

import { unlinkLive } from "./end.js";
import type { Runtime } from "./runtime.js";
import type { Group, Tasklet, TaskletExt } from "./tasklet.js";

/** What is known of a tasklet that was collected while blocked (`onLeak`'s argument). */
export interface LeakReport {
  /** The tasklet's id. */
  id: number;
  /** Its name (`tasklet-<id>` when it had none). */
  name: string;
  /** What it waited on when it was last blocked (`recv on channel#3 (capacity 0)`). */
  waitsOn: string;
  /** Its spawner's id, 0 for a root. */
  parentId: number;
  /** Its spawner as `#id name`, or `#id (ended)` if the spawner has ended; "" for a root. */
  parent: string;
  /** Where spawn() was called, when TASKLET_TRACE=1 recorded it. */
  site: string | undefined;
  /** One line: `#5 sender (child of #1 main) was collected while blocked on …`. */
  message: string;
}

/** The registry's held value: everything a report needs, nothing that holds the tasklet. */
export class LeakRecord {
  /** What the tasklet waits on (written at each park). */
  wait = "";
  /** Set once the tasklet ended or was reported. */
  done = false;
  /** Its tasklet is on `LeakWatch.pending`. */
  pending = false;
  /** Told when the tasklet is collected while blocked (a scope's watch on its child), held weakly. */
  watchers: WeakRef<LossWatcher>[] | null = null;
  constructor(
    readonly ref: WeakRef<Tasklet>,
    readonly id: number,
    readonly name: string,
    readonly parentId: number,
    readonly site: string | undefined,
    readonly group: Group,
  ) {}
}

/** A runtime's leak detection (`Runtime.leaks`; null while off). */
export class LeakWatch {
  /** Records of tasklets off the live list (see the file comment). */
  readonly parked = new Set<LeakRecord>();
  /** Tasklets that parked in this run of the loop, their wait not yet written down (held until `flush`). */
  pending: Tasklet[] = [];
  private readonly registry: FinalizationRegistry<LeakRecord>;

  constructor(private readonly rt: Runtime) {
    this.registry = new FinalizationRegistry((r) => this.collected(r));
  }

  /**
   * `t` parks (runtime.ts's park, while detection is on). What it waits on
   * is written into its record when the loop's run ends (`flush`), once per
   * tasklet and run: `pending` holds it strongly until then, so it cannot be
   * collected before its record says what it waited on. (Describing each
   * park made a rendezvous ping-pong about a third slower.)
   */
  park(t: Tasklet): void {
    const e = t.extra();
    const r = e.leak ?? this.adopt(t);
    if (!r.pending) {
      r.pending = true;
      this.pending.push(t);
    }
  }

  /** Gives `t` its record (at its first park, or when something asks to hear of its loss), off the live list. */
  adopt(t: Tasklet): LeakRecord {
    const e = t.extra();
    const old = e.leak;
    if (old !== null) return old;
    const site = e.site === undefined ? undefined : siteOf(e.site);
    const r = new LeakRecord(new WeakRef(t), t.id, t.name, t.parentId, site, t.group);
    e.leak = r;
    unlinkLive(this.rt, t);
    this.parked.add(r);
    this.registry.register(t, r, r);
    return r;
  }

  /** The loop's run ends: each tasklet that parked in it and is still blocked has its wait written down. */
  flush(): void {
    const list = this.pending;
    this.pending = [];
    for (const t of list) {
      const r = (t.ext as TaskletExt).leak as LeakRecord;
      r.pending = false;
      const b = t.blocker;
      if (b === null) continue;
      try {
        r.wait = b.describe(t);
      } catch (e) {
        r.wait = `a wait whose describe() threw ${String(e)}`;
      }
    }
  }

  /** `t`, which has a record, ended (end.ts). */
  ended(r: LeakRecord): void {
    r.done = true;
    this.parked.delete(r);
    this.registry.unregister(r);
  }

  /** The tasklets of the records that are still there. */
  live(out: Tasklet[]): void {
    for (const r of this.parked) {
      const t = r.ref.deref();
      if (t !== undefined) out.push(t);
    }
  }

  /**
   * Reports now the records whose tasklet is gone but whose callback has not
   * come yet (runTest asks at a test's end, not to miss them).
   */
  sweep(): void {
    for (const r of this.parked) if (r.ref.deref() === undefined) this.collected(r);
  }

  private collected(r: LeakRecord): void {
    if (r.done) return;
    r.done = true;
    this.parked.delete(r);
    this.rt.liveCount--;
    const report = reportOf(this.rt, r);
    const onLeak = r.group.onLeak;
    try {
      if (onLeak !== undefined) onLeak(report);
      else {
        process.emitWarning(report.message, {
          type: "TaskletLeakWarning",
          detail: report.site === undefined ? undefined : `spawned ${report.site}`,
        });
      }
      if (r.watchers !== null) for (const w of r.watchers) w.deref()?.lost();
    } catch (e) {
      this.rt.host.fatal(e);
    }
  }
}

function reportOf(rt: Runtime, r: LeakRecord): LeakReport {
  let parent = "";
  if (r.parentId !== 0) {
    const p = rt.live().find((t) => t.id === r.parentId);
    parent = p === undefined ? `#${r.parentId} (ended)` : p.describe();
  }
  const of = parent === "" ? "" : ` (child of ${parent})`;
  return {
    id: r.id,
    name: r.name,
    waitsOn: r.wait,
    parentId: r.parentId,
    parent,
    site: r.site,
    message: `#${r.id} ${r.name}${of} was collected while blocked on ${r.wait}: nothing could wake it any more`,
  };
}

/** The spawn site as text: the Error's captured frames may hold functions and receivers, so they are not kept. */
function siteOf(e: Error): string {
  const lines = (e.stack ?? "").split("\n").slice(1);
  return lines
    .map((l) => l.trim())
    .filter((l) => !l.includes("/core/spawn.") && !l.includes("/core/runtime."))
    .join("\n    ");
}

/** Told that a tasklet it watches was collected while blocked: it will never end. */
export interface LossWatcher {
  lost(): void;
}

/**
 * While leak detection is on, tells `w` if `t` is collected while blocked
 * (a scope, which waits for its children's ends, hears of a child that
 * will never end). `w` is held weakly. Does nothing while detection is off.
 */
export function watchLoss(t: Tasklet, w: LossWatcher): void {
  const leaks = t.rt.leaks;
  if (leaks === null) return;
  const r = leaks.adopt(t);
  (r.watchers ??= []).push(new WeakRef(w));
}

/** Turns leak detection on for `rt` (idempotent). */
export function watchLeaks(rt: Runtime): LeakWatch {
  rt.leaks ??= new LeakWatch(rt);
  return rt.leaks;
}
