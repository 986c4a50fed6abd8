/**
 * What the live console shows, built from a `tasklets()` snapshot only (no
 * runtime internals, so it follows whatever the snapshot can say):
 *
 *   - the tasklets, grouped as `dump()` groups them (`groupTasklets`);
 *   - the channels, locks, semaphores, events and wait groups that tasklets
 *     wait on, read from each wait's description (`recv on channel#3
 *     (capacity 0)`, `mutex#1 held by #4 a`), with their waiters and, for a
 *     channel, the balance those waiters make;
 *   - the wait-for graph: an edge from each tasklet blocked on a wait that one
 *     tasklet alone can end (`TaskletInfo.waitsFor`) to that tasklet, and its
 *     cycles.
 *
 * What a snapshot does not show, and so neither does this: a primitive that
 * nobody waits on, the values buffered in a channel (its balance here counts
 * the waiting senders only) and whether it is closed, a semaphore's permits
 * while it has some, and edges of waits with no single target (a channel, a
 * select): docs/inspect.md says so too.
 */

import { type DumpGroup, groupTasklets } from "./dump.js";
import type { TaskletInfo } from "./snapshot.js";

/** A tasklet as a row of the console's table. */
export interface ConsoleRow {
  id: number;
  name: string;
  state: TaskletInfo["state"];
  ageMs: number;
  switches: number;
  parentId: number | null;
  priority: TaskletInfo["priority"];
  killed: boolean;
  started: boolean;
  waitsOn: string | null;
}

/** A group of tasklets that share what they wait on and where they stand. */
export interface ConsoleGroup {
  state: TaskletInfo["state"];
  /** What they wait on (the dump's group title); "" for running and ready. */
  title: string;
  count: number;
  stacks: { suspendedAt: readonly string[] | null; spawnedAt: readonly string[] | null; rows: ConsoleRow[] }[];
}

/** A waiter of a primitive: the tasklet, the operation, whether it waits in a select. */
export interface ConsoleWaiter {
  id: number;
  name: string;
  op: string;
  inSelect: boolean;
}

export interface ConsolePrimitive {
  kind: "channel" | "mutex" | "semaphore" | "event" | "wait group";
  id: number;
  /** As the waits describe it: `channel#3 (capacity 0)`, `mutex#1`. */
  label: string;
  /** A mutex: the tasklet that holds it (id and name), from its waiters' description. */
  holder: { id: number; name: string } | null;
  waiters: ConsoleWaiter[];
  /**
   * A channel: waiting senders minus waiting receivers (`Channel.balance`
   * without the buffered values, which the snapshot does not show). Null for
   * other kinds.
   */
  balance: number | null;
}

export interface ConsoleGraph {
  /** Each tasklet at either end of an edge. */
  nodes: { id: number; name: string; state: TaskletInfo["state"]; waitsOn: string | null }[];
  /** `from` waits for `to`. */
  edges: { from: number; to: number }[];
  /** Each cycle's tasklet ids, in the order of the waits. */
  cycles: number[][];
}

export interface ConsoleState {
  /** When the snapshot was taken (ms since the epoch). */
  at: number;
  pid: number;
  uptimeMs: number;
  /** Whether spawn sites are recorded (TASKLET_TRACE=1). */
  traced: boolean;
  counts: { total: number; running: number; ready: number; blocked: number };
  groups: ConsoleGroup[];
  primitives: ConsolePrimitive[];
  graph: ConsoleGraph;
  /** How long the snapshot took, in ms (the console spaces snapshots by it). */
  snapshotMs: number;
}

/** Tasklet rows sent per stack group; the rest are counted, not listed. */
const MAX_ROWS = 200;
/** Nodes of the wait-for graph sent; a bigger graph is cut (its cycles are still found whole). */
const MAX_NODES = 400;

/** The console's view of `list`. */
export function consoleState(
  list: readonly TaskletInfo[],
  header: { pid: number; uptimeMs: number; traced: boolean; snapshotMs: number },
): ConsoleState {
  const count = (s: string): number => list.filter((t) => t.state === s).length;
  return {
    at: Date.now(),
    pid: header.pid,
    uptimeMs: header.uptimeMs,
    traced: header.traced,
    counts: { total: list.length, running: count("running"), ready: count("ready"), blocked: count("blocked") },
    groups: groupTasklets(list).map(toGroup),
    primitives: primitives(list),
    graph: waitForGraph(list),
    snapshotMs: header.snapshotMs,
  };
}

function toGroup(g: DumpGroup): ConsoleGroup {
  return {
    state: g.state,
    title: g.title,
    count: g.count,
    stacks: g.stacks.map((items) => ({
      suspendedAt: items[0]?.suspendedAt ?? null,
      spawnedAt: items[0]?.spawnedAt ?? null,
      rows: items.slice(0, MAX_ROWS).map(toRow),
    })),
  };
}

function toRow(t: TaskletInfo): ConsoleRow {
  return {
    id: t.id,
    name: t.name,
    state: t.state,
    ageMs: t.ageMs,
    switches: t.switches,
    parentId: t.parentId,
    priority: t.priority,
    killed: t.killed,
    started: t.started,
    waitsOn: t.waitsOn,
  };
}

/**
 * A primitive named in a wait's description, with the operation before it:
 * `recv on channel#3 (capacity 0)`, `mutex#1 held by #4 a`, `semaphore#2 (…)`,
 * `event#5 (not set)`, `wait group#1 (2 outstanding)`.
 */
const PRIMITIVE =
  /(?:\b(\w+) on )?\b(channel|mutex|semaphore|event|wait group)#(\d+)(?: \(capacity (\d+)\))?(?: held by (?:#(\d+)|nobody))?/g;

const DEFAULT_OP: Record<ConsolePrimitive["kind"], string> = {
  channel: "wait",
  mutex: "lock",
  semaphore: "acquire",
  event: "wait",
  "wait group": "wait",
};

/** The primitives that blocked tasklets wait on, channels first, then by kind and id. */
export function primitives(list: readonly TaskletInfo[]): ConsolePrimitive[] {
  const names = new Map(list.map((t) => [t.id, t.name]));
  const byKey = new Map<string, ConsolePrimitive>();
  for (const t of list) {
    if (t.state !== "blocked" || t.waitsOn === null) continue;
    const inSelect = t.waitsOn.startsWith("select(");
    for (const m of t.waitsOn.matchAll(PRIMITIVE)) {
      const kind = m[2] as ConsolePrimitive["kind"];
      const id = Number(m[3]);
      const key = `${kind}#${id}`;
      let p = byKey.get(key);
      if (p === undefined) {
        const label = m[4] === undefined ? key : `${key} (capacity ${m[4]})`;
        p = { kind, id, label, holder: null, waiters: [], balance: kind === "channel" ? 0 : null };
        byKey.set(key, p);
      }
      const op = m[1] ?? DEFAULT_OP[kind];
      p.waiters.push({ id: t.id, name: t.name, op, inSelect });
      if (p.balance !== null) p.balance += op === "send" ? 1 : -1;
      if (m[5] !== undefined) {
        const holder = Number(m[5]);
        p.holder = { id: holder, name: names.get(holder) ?? "(ended)" };
      }
    }
  }
  const order = ["channel", "mutex", "semaphore", "event", "wait group"];
  return [...byKey.values()].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.id - b.id);
}

/** The wait-for graph of `list` and its cycles (each tasklet has at most one outgoing edge). */
export function waitForGraph(list: readonly TaskletInfo[]): ConsoleGraph {
  const byId = new Map(list.map((t) => [t.id, t]));
  const next = new Map<number, number>();
  for (const t of list) if (t.waitsFor !== null) next.set(t.id, t.waitsFor);
  const cycles = findCycles(next);
  const inCycle = new Set(cycles.flat());
  const ids = new Set<number>();
  // Cycles first, so that a cut graph still shows them.
  for (const id of inCycle) ids.add(id);
  for (const [from, to] of next) {
    if (ids.size >= MAX_NODES) break;
    ids.add(from);
    ids.add(to);
  }
  const nodes = [...ids].map((id) => {
    const t = byId.get(id);
    return { id, name: t?.name ?? "(ended)", state: t?.state ?? "ready", waitsOn: t?.waitsOn ?? null };
  });
  const edges = [...next].filter(([from, to]) => ids.has(from) && ids.has(to)).map(([from, to]) => ({ from, to }));
  return { nodes, edges, cycles };
}

/** The cycles of a graph of out-degree at most one (a walk from each node, marking what it saw). */
function findCycles(next: ReadonlyMap<number, number>): number[][] {
  const done = new Set<number>();
  const cycles: number[][] = [];
  for (const start of next.keys()) {
    if (done.has(start)) continue;
    const path: number[] = [];
    const onPath = new Map<number, number>();
    let u: number | undefined = start;
    while (u !== undefined && !done.has(u) && !onPath.has(u)) {
      onPath.set(u, path.length);
      path.push(u);
      u = next.get(u);
    }
    if (u !== undefined && onPath.has(u)) cycles.push(path.slice(onPath.get(u)));
    for (const p of path) done.add(p);
  }
  return cycles;
}
