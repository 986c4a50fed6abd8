/**
 * The invariants that the hot files state, checked under TASKLET_DEBUG=1
 * (Go's runtime `throw`s on a broken one: "G waiting list is corrupted").
 *
 * Off (the default) nothing here runs: the hooks in the hot files are
 * `if (DEBUG)` on a constant read once when this module loads. On:
 *
 *   - after every step, the run loop calls `checkAfterStep(rt, t)`: the
 *     stepped tasklet (runtime.ts, tasklet.ts, end.ts, wait.ts, op.ts) and
 *     `rt.holds`, in O(1);
 *   - then a sweep of the runtime (its ready queues, spawn batches and live
 *     list) and of every structure registered with `watch` (each WaitQueue,
 *     timer heap, channel, mutex, semaphore, wait group, event): each
 *     step while they are small, else every few steps, so that a step costs
 *     at most about SWEEP_WORK visits on average. A registration is a
 *     WeakRef: checking never keeps a structure alive.
 *
 * A broken invariant throws an `InvariantError` naming the invariant and the
 * object (`tasklet #3 worker`, `channel#2`) from the run loop, outside any
 * tasklet: no catch block of a tasklet can see it. It unwinds the loop into
 * whoever called it (a microtask, an immediate, a host timer or I/O
 * callback), so the process dies with an uncaught exception, as it should on
 * a runtime bug (HACKING.md, "Debugging the runtime").
 *
 * The sync layer's structures are checked by sync/invariants.ts, which
 * passes its checks to `watch` (core cannot import sync).
 */

import { TaskletError } from "./errors.js";
import { BLOCKED, F_EXT, NEW, READY, RETURNED, RUNNING } from "./flags.js";
import { current } from "./op.js";
import type { ReadyQueue } from "./queue.js";
import type { Runtime } from "./runtime.js";
import type { Tasklet } from "./tasklet.js";
import type { AnyNode, WaitQueue } from "./wait.js";

/** Whether the runtime checks its invariants (TASKLET_DEBUG=1). Read once, when the runtime loads. */
export const DEBUG: boolean = readDebug();

function readDebug(): boolean {
  const v = typeof process === "undefined" ? undefined : process.env.TASKLET_DEBUG;
  if (v === undefined || v === "" || v === "0") return false;
  if (v === "1") return true;
  // Not an error at import: a warning says why the checks are off.
  process.emitWarning(
    `TASKLET_DEBUG must be 1 (check the runtime's invariants) or 0, got the string ${JSON.stringify(v)}: the invariants are not checked`,
  );
  return false;
}

/** A broken invariant of the runtime: a bug of tasklet (or of code that wrote its internal fields), never a user error. */
export class InvariantError extends TaskletError {
  override name = "InvariantError";
  constructor(
    /** The invariant, as the file that states it words it. */
    readonly invariant: string,
    /** The object that breaks it (`channel#2`, `tasklet #3 worker`). */
    readonly subject: string,
  ) {
    super(`invariant broken: ${invariant} (${subject})`);
  }
}

/** Throws the InvariantError of `invariant`, broken by `subject`. */
export function fail(invariant: string, subject: string): never {
  throw new InvariantError(invariant, subject);
}

// ---- registered structures ---------------------------------------------------

interface Watched {
  ref: WeakRef<object>;
  check: (o: never) => void;
}
const watched: Watched[] = [];

/** Registers `o` to be checked by `check` at every sweep while it lives (debug only: call under `if (DEBUG)`). */
export function watch<T extends object>(o: T, check: (o: T) => void): void {
  watched.push({ ref: new WeakRef(o), check });
}

/** Average visits a step may spend on the sweep (objects, nodes, slots, tasklets). */
const SWEEP_WORK = 32;
let work = 0;
let sinceSweep = 0;
let sweepEvery = 1;

/** Counts `n` visits toward the sweep's cost (the checks of sync/invariants.ts call it too). */
export function spent(n: number): void {
  work += n;
}

/**
 * The checks after `rt` stepped `t` (the run loop calls it under DEBUG):
 * `t`'s own state at once, the sweep when it is due.
 */
export function checkAfterStep(rt: Runtime, t: Tasklet): void {
  checkStepped(rt, t);
  if (++sinceSweep >= sweepEvery) {
    sinceSweep = 0;
    work = 0;
    sweep(rt);
    sweepEvery = Math.max(1, Math.ceil(work / SWEEP_WORK));
  }
}

/** Every check at once: the runtime's and every registered structure's. */
export function sweep(rt: Runtime): void {
  checkRuntime(rt);
  let i = 0;
  while (i < watched.length) {
    const w = watched[i] as Watched;
    const o = w.ref.deref();
    if (o === undefined) {
      // Collected: swap in the last entry.
      watched[i] = watched[watched.length - 1] as Watched;
      watched.pop();
      continue;
    }
    (w.check as (o: object) => void)(o);
    work++;
    i++;
  }
}

// ---- the stepped tasklet -------------------------------------------------------

/** What the run loop may assume of `t` after a step, and of the runtime between steps. */
export function checkStepped(rt: Runtime, t: Tasklet): void {
  if (current !== null) fail("`current` is null between steps (op.ts)", who(current));
  checkHolds(rt);
  const s = t.state;
  if (s === NEW || s === RUNNING) {
    fail("a step leaves its tasklet READY, BLOCKED or ended, never NEW or RUNNING (tasklet.ts)", who(t));
  }
  checkTasklet(t);
  if (s >= RETURNED) {
    if (t.gen !== null || t.liveNext !== null || t.livePrev !== null || rt.liveHead === t) {
      fail("an ended tasklet holds no generator and is off the live list (end.ts)", who(t));
    }
  }
}

/** `rt.holds` counts host operations outstanding: never negative (runtime.ts). */
export function checkHolds(rt: Runtime): void {
  const h = rt.holds;
  if (!Number.isInteger(h) || h < 0) fail("rt.holds is never negative (runtime.ts)", `holds = ${h}`);
}

/** The state of one tasklet against its blocker and its own node (runtime.ts, wait.ts). */
export function checkTasklet(t: Tasklet): void {
  const blocked = t.state === BLOCKED;
  if (blocked !== (t.blocker !== null)) {
    fail("a BLOCKED tasklet has a blocker; nothing else has (runtime.ts)", `${who(t)}, ${t.stateName}`);
  }
  if (!blocked && t.queue !== null) {
    fail("a tasklet's own node is on no queue unless it is blocked (wait.ts)", `${who(t)}, ${t.stateName}`);
  }
  if (((t.flags & F_EXT) !== 0) !== t.origin.own) {
    fail("F_EXT is set exactly when `origin` is the tasklet's own (tasklet.ts)", who(t));
  }
  // `next` doubles as the ready queues' link (queue.ts): only a NEW or READY tasklet may keep it off a wait queue.
  const queuedToRun = t.state === NEW || t.state === READY;
  if (t.queue === null && (t.prev !== null || (t.next !== null && !queuedToRun))) {
    fail("a tasklet on no wait queue has no wait links (wait.ts, queue.ts)", `${who(t)}, ${t.stateName}`);
  }
}

// ---- the runtime: ready queues, spawn batches, live list ---------------------------

/** The runtime's queues and live list (runtime.ts, queue.ts, end.ts). */
export function checkRuntime(rt: Runtime): void {
  checkHolds(rt);
  const inner = rt as unknown as { queues: ReadyQueue[]; batches: ReadyQueue[] };
  const queued = new Set<Tasklet>();
  for (const q of [...inner.queues, ...inner.batches]) checkReadyQueue(q, queued);
  let live = 0;
  let ready = 0;
  let prev: Tasklet | null = null;
  for (let t = rt.liveHead; t !== null; t = t.liveNext) {
    if (t.livePrev !== prev) fail("the live list's links agree both ways (end.ts)", who(t));
    if (++live > rt.liveCount)
      fail(
        "liveCount counts the tasklets on the live list and in leak records (end.ts, leaks.ts)",
        `liveCount = ${rt.liveCount}`,
      );
    if (t.state >= RETURNED) fail("an ended tasklet is off the live list (end.ts)", who(t));
    if (t.state === NEW || t.state === READY) ready++;
    checkTasklet(t);
    prev = t;
  }
  // Leak detection (leaks.ts): tasklets that parked are in records instead (a record whose tasklet
  // was collected counts until its report). Reading them here keeps them to the end of this job only.
  const leaks = rt.leaks;
  if (leaks !== null) {
    for (const r of leaks.parked) {
      live++;
      const t = r.ref.deref();
      if (t === undefined) continue;
      if (t.state >= RETURNED) fail("an ended tasklet has withdrawn its leak record (leaks.ts)", who(t));
      if (t.liveNext !== null || t.livePrev !== null || rt.liveHead === t) {
        fail("a tasklet with a leak record is off the live list (leaks.ts)", who(t));
      }
      if (t.state === NEW || t.state === READY) ready++;
      checkTasklet(t);
    }
  }
  if (live !== rt.liveCount)
    fail(
      "liveCount counts the tasklets on the live list and in leak records (end.ts, leaks.ts)",
      `liveCount = ${rt.liveCount}, ${live} listed`,
    );
  if (ready !== queued.size) {
    fail(
      "a NEW or READY tasklet is on exactly one ready queue or spawn batch (runtime.ts)",
      `${ready} NEW or READY, ${queued.size} queued`,
    );
  }
  spent(live);
}

/** One ReadyQueue's links (queue.ts); adds its tasklets to `seen`, each of which must be NEW or READY and on no other. */
function checkReadyQueue(q: ReadyQueue, seen: Set<Tasklet>): void {
  let n = 0;
  let last: Tasklet | null = null;
  for (let t = q.head; t !== null; t = t.next as Tasklet | null) {
    if (++n > q.length) fail("a ReadyQueue's length counts its links (queue.ts)", `length ${q.length}, more linked`);
    if (t.state !== NEW && t.state !== READY) {
      fail("a tasklet is on a ready queue only while NEW or READY (queue.ts)", `${who(t)}, ${t.stateName}`);
    }
    if (seen.has(t)) fail("a tasklet is on at most one ReadyQueue (queue.ts)", who(t));
    seen.add(t);
    last = t;
  }
  if (n !== q.length || q.tail !== last) {
    fail("a ReadyQueue's length and tail agree with its links (queue.ts)", `length ${q.length}, ${n} linked`);
  }
  spent(n);
}

// ---- wait queues and their nodes ----------------------------------------------------

/**
 * A WaitQueue's links (wait.ts: a node is on at most one queue, `queue`
 * names it), and the wait of every node on it: a node with a tasklet belongs
 * to a BLOCKED tasklet and to the one wait its blocker names (its own node
 * for a single wait, a node of its select for a select). Nodes without a
 * tasklet (a `sendAsync` value, a pool's or scope's watch) are not waits.
 */
export function checkWaitQueue(q: WaitQueue<AnyNode>): void {
  let n = 0;
  let prev: AnyNode | null = null;
  for (let x = q.first_; x !== null; x = x.next) {
    if (++n > q.length) fail("a WaitQueue's length counts its links (wait.ts)", `length ${q.length}`);
    if (x.prev !== prev) fail("a WaitQueue's links agree both ways (wait.ts)", nodeName(x));
    if (x.queue !== q) fail("a node on a queue names that queue, so it is on at most one (wait.ts)", nodeName(x));
    checkQueuedNode(x);
    prev = x;
  }
  if (n !== q.length) fail("a WaitQueue's length counts its links (wait.ts)", `length ${q.length}, ${n} linked`);
  if (q.last_ !== prev) fail("a WaitQueue's last node ends its links (wait.ts)", `length ${q.length}`);
  spent(n);
}

/** A node on a queue is a registration of its tasklet's one wait (wait.ts, runtime.ts). */
export function checkQueuedNode(n: AnyNode): void {
  const t = n.t;
  if (t === null) return;
  if (t.state !== BLOCKED) {
    fail("a node on a wait queue belongs to a BLOCKED tasklet (wait.ts)", `${nodeName(n)}, ${t.stateName}`);
  }
  const b = t.blocker as unknown as { win?: unknown } | null;
  if (b === null) fail("a BLOCKED tasklet has a blocker; nothing else has (runtime.ts)", `${who(t)}, ${t.stateName}`);
  if (n.sel === null) {
    if (n !== t || typeof b.win === "function") {
      fail(
        "a parked tasklet has exactly one blocker: a single wait uses its own node, not in a select (wait.ts)",
        nodeName(n),
      );
    }
  } else if (n.sel !== (b as unknown)) {
    fail(
      "a parked tasklet has exactly one blocker: a select's node belongs to the select it is blocked in (wait.ts)",
      nodeName(n),
    );
  }
}

// ---- the timer heap ---------------------------------------------------------------

/**
 * A 4-ary timer heap with lazy removal (time/heap.ts): every parent's key <=
 * its children's, `zombies` counts the slots that are not armed (by the
 * owner's `armed`), slot 0 is armed, an armed timer's key is its `at`, and no
 * entry has two armed slots.
 */
export function checkHeap(h: {
  readonly armed: (e: never, seq: number) => boolean;
  slots(): { items: readonly unknown[]; ats: readonly number[]; seqs: readonly number[]; zombies: number };
}): void {
  const { items, ats, seqs, zombies } = h.slots();
  const armed = h.armed as (e: unknown, seq: number) => boolean;
  if (ats.length !== items.length || seqs.length !== items.length) {
    fail(
      "the key arrays are as long as the heap (time/heap.ts)",
      `${items.length} entries, ${ats.length} deadlines, ${seqs.length} sequence numbers`,
    );
  }
  if (items.length > 0 && !armed(items[0], seqs[0] as number)) {
    fail("the top of the heap is armed (time/heap.ts)", `slot 0 (sequence ${seqs[0]}) is not`);
  }
  let dead = 0;
  const seen = new Set<unknown>();
  for (let i = 0; i < items.length; i++) {
    const e = items[i];
    if (!armed(e, seqs[i] as number)) dead++;
    else {
      if (seen.has(e)) fail("no entry has two armed slots (time/heap.ts)", `slot ${i} (at ${ats[i]})`);
      seen.add(e);
      const at = (e as { at?: unknown }).at;
      if (typeof at === "number" && ats[i] !== at) {
        fail("an armed timer's key is its deadline (time/heap.ts)", `slot ${i} has at ${at}, its key ${ats[i]}`);
      }
    }
    if (i > 0) {
      const pi = (i - 1) >> 2;
      const at = ats[i] as number;
      const pAt = ats[pi] as number;
      if (at < pAt || (at === pAt && (seqs[i] as number) < (seqs[pi] as number))) {
        fail("every parent is <= its children (time/heap.ts)", `slot ${i} (at ${at}) under slot ${pi} (at ${pAt})`);
      }
    }
  }
  if (dead !== zombies)
    fail("zombies counts the slots that are not armed (time/heap.ts)", `${dead} such slots, zombies ${zombies}`);
  spent(items.length);
}

// ---- names ------------------------------------------------------------------------

/** `tasklet #3 worker`. */
export function who(t: Tasklet): string {
  return `tasklet ${t.describe()}`;
}

function nodeName(n: AnyNode): string {
  return n.t === null ? "a node without a tasklet" : `the node of ${who(n.t)}`;
}
