/**
 * dump(): Go's goroutine dump for tasklets.
 *
 * Layout (each part omitted when empty):
 *
 *   tasklet dump: 7 tasklets (1 running, 1 ready, 5 blocked), pid 42, up 3.1 s
 *
 *   running: 1 tasklet
 *     #1 main, age 3.1 s, 4 switches
 *       at main (app.ts:30:9)
 *
 *   blocked on recv on channel#2 (capacity 0): 3 tasklets
 *     #3 worker-1, age 3.0 s, 1 switch, parent #1
 *     #4 worker-2, age 3.0 s, 1 switch, parent #1
 *       at worker (app.ts:12:22)
 *       spawned at main (app.ts:28:7)
 *
 * Tasklets are grouped by state, then by what they wait on, then by where
 * they stand (suspension and spawn frames): a group that shares one stack
 * prints it once, as `pprof`'s goroutine profile does. What a wait's
 * description says that varies from tasklet to tasklet (a timer's
 * `(12 ms left)`) is left out of the group's title and shown on each line.
 * Tasklets that each wait on a thing of their own at the same line (ten
 * thousand connections, each blocked reading its socket) form one family
 * titled by the shape of their waits (`readLine on tcp *.*.*.*:* <-> …,
 * each its own`), so they take a few lines too.
 *
 * The text is for people; `tasklets()` gives the same facts as data.
 */

import { checkOptionKeys } from "../core/check.js";
import { renderDumpSections } from "../core/dump-sections.js";
import { current } from "../core/op.js";
import { setDumper } from "../core/run.js";
import { type Runtime, runtime } from "../core/runtime.js";
import { type TaskletInfo, tasklets } from "./snapshot.js";
import { trace, traceFromEnv } from "./trace.js";

/** Tasklet lines printed per group of one stack before the rest are summed up. */
const MAX_LINES = 10;
/** Ids listed for the tasklets of a group that are not printed one a line. */
const MAX_IDS = 20;

/** Options of `dump(options)`. */
export interface DumpOptions {
  /** The runtime to dump; default: the calling tasklet's (a test runtime's, under runTest), else this thread's. */
  runtime?: Runtime;
}

/**
 * Renders every live tasklet of this thread's runtime, grouped by state and
 * by what each waits on, with the line where each is suspended and, when
 * spawn sites are traced (`TASKLET_TRACE=1` or `trace()`), where it was
 * spawned, then the sections other layers add (a cluster node lists the
 * jobs it runs and the jobs it waits on, src/core/dump-sections.ts).
 * Costs about 25 µs a tasklet (most of it V8 formatting stacks). A
 * program run with `main()` prints it on SIGQUIT (`kill -QUIT <pid>`) and on
 * a deadlock.
 *
 * @example
 * process.stderr.write(dump());
 */
export function dump(options?: DumpOptions): string {
  checkOptionKeys("dump", options, ["runtime"]);
  const rt = options?.runtime ?? current?.rt ?? runtime();
  const list = tasklets({ runtime: rt });
  const text = formatDump(list, { pid: process.pid, uptimeMs: process.uptime() * 1000, traced: rt.recordSites });
  return [text, ...renderDumpSections()].join("\n");
}

export interface DumpHeader {
  pid: number;
  /** How long the process has run. */
  uptimeMs: number;
  /** Whether spawn sites were being recorded. */
  traced: boolean;
}

const STATE_ORDER = ["running", "ready", "blocked"] as const;

/** The text of a dump of `list` (exported for tests and for other runtimes' snapshots). */
export function formatDump(list: readonly TaskletInfo[], header: DumpHeader): string {
  const count = (s: string): number => list.filter((t) => t.state === s).length;
  const parts = STATE_ORDER.filter((s) => count(s) > 0).map((s) => `${count(s)} ${s}`);
  let out = `tasklet dump: ${plural(list.length, "tasklet")}${parts.length > 0 ? ` (${parts.join(", ")})` : ""}, pid ${header.pid}, up ${duration(header.uptimeMs)}\n`;
  if (!header.traced && list.length > 0) {
    out += "(spawn sites are not recorded: run with TASKLET_TRACE=1 to see where each tasklet was spawned)\n";
  }
  for (const g of groupTasklets(list)) {
    out += `\n${g.state === "blocked" ? `blocked on ${g.title}` : g.state}: ${plural(g.count, "tasklet")}\n`;
    // Sub-groups of one stack each, apart by a blank line.
    out += g.stacks.map((same) => formatGroup(same, g.title)).join("\n");
  }
  return out;
}

/** A group of a dump: tasklets of one state that wait on one thing (or a family of things). */
export interface DumpGroup {
  readonly state: TaskletInfo["state"];
  /** What they wait on, without what varies (`recv on channel#2 (capacity 0)`); "" unless blocked. */
  readonly title: string;
  readonly count: number;
  /** Its tasklets by where they stand: each list shares one stack (suspension and spawn frames). */
  readonly stacks: readonly (readonly TaskletInfo[])[];
}

/**
 * Groups `list` as the dump prints it: by state (running, ready, blocked), then
 * by what they wait on (biggest group first), then by stack (the console shows
 * the same groups).
 */
export function groupTasklets(list: readonly TaskletInfo[]): DumpGroup[] {
  const out: DumpGroup[] = [];
  for (const state of STATE_ORDER) {
    const ofState = list.filter((t) => t.state === state);
    if (ofState.length === 0) continue;
    // Biggest group first, then by first id.
    const byTitle = groupBy(ofState, titleOf(ofState));
    byTitle.sort((a, b) => b.items.length - a.items.length || (a.items[0]?.id ?? 0) - (b.items[0]?.id ?? 0));
    for (const { key, items } of byTitle) {
      out.push({ state, title: key, count: items.length, stacks: groupBy(items, stackKey).map((g) => g.items) });
    }
  }
  return out;
}

/**
 * The group title of each tasklet: what it waits on (without the time left);
 * but tasklets that each wait on a thing of their own (a socket each, a
 * channel each) at the same line form one family, titled by the shape of
 * their waits with the numbers left out: `readLine on tcp *.*.*.*:* <-> …`.
 */
function titleOf(items: readonly TaskletInfo[]): (t: TaskletInfo) => string {
  const keys = new Map<TaskletInfo, { wait: string; exact: string; family: string }>();
  const exact = new Map<string, number>();
  for (const t of items) {
    const wait = t.waitsOn === null ? "" : waitKey(t.waitsOn);
    const stack = stackKey(t);
    const k = { wait, exact: `${wait}\0${stack}`, family: `${shape(wait)}\0${stack}` };
    keys.set(t, k);
    exact.set(k.exact, (exact.get(k.exact) ?? 0) + 1);
  }
  const alone = (t: TaskletInfo): boolean => t.waitsOn !== null && exact.get(keys.get(t)?.exact ?? "") === 1;
  const family = new Map<string, number>();
  for (const t of items) {
    const k = keys.get(t);
    if (k !== undefined && alone(t)) family.set(k.family, (family.get(k.family) ?? 0) + 1);
  }
  return (t) => {
    const k = keys.get(t);
    if (k === undefined) return "";
    if (!alone(t) || (family.get(k.family) ?? 0) < 2) return k.wait;
    return `${shape(k.wait)}, each its own`;
  };
}

function stackKey(t: TaskletInfo): string {
  return `${(t.suspendedAt ?? []).join("\n")}\n--\n${(t.spawnedAt ?? []).join("\n")}`;
}

/** A wait's description with every number replaced by `*`. */
function shape(waitsOn: string): string {
  return waitsOn.replace(/\d+/g, "*");
}

function formatGroup(items: readonly TaskletInfo[], key: string): string {
  let out = "";
  const shown = items.length > MAX_LINES + 1 ? items.slice(0, MAX_LINES) : items;
  for (const t of shown) out += `  ${taskletLine(t, key)}\n`;
  const rest = items.slice(shown.length);
  if (rest.length > 0) {
    const ids = rest.slice(0, MAX_IDS).map((t) => `#${t.id}`);
    out += `  … and ${rest.length} more: ${ids.join(" ")}${rest.length > MAX_IDS ? " …" : ""}\n`;
  }
  const first = items[0] as TaskletInfo;
  const frames = first.suspendedAt ?? [];
  if (!first.started) out += "    (not started)\n";
  else if (frames.length === 0 && first.suspendedAt !== null)
    out += "    (no user frames: it stands inside the library)\n";
  for (const f of frames) out += `    at ${f}\n`;
  const spawned = first.spawnedAt ?? [];
  if (spawned.length > 0) {
    out += `    spawned at ${spawned[0]}\n`;
    for (const f of spawned.slice(1)) out += `               ${f}\n`;
  }
  return out;
}

function taskletLine(t: TaskletInfo, key: string): string {
  let s = `#${t.id} ${t.name}, age ${duration(t.ageMs)}, ${plural(t.switches, "switch", "switches")}`;
  if (t.parentId !== null) s += `, parent #${t.parentId}`;
  if (t.priority !== "normal") s += `, ${t.priority} priority`;
  if (t.killed) s += ", killed (in cleanup)";
  if (t.waitsOn !== null && t.waitsOn !== key) s += `: ${t.waitsOn}`;
  return s;
}

/** A wait's description without what varies between tasklets waiting on the same thing (time left). */
export function waitKey(waitsOn: string): string {
  return waitsOn.replace(/\s*\([^()]*\b(?:left|ago|elapsed)\b[^()]*\)/g, "").trim();
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): { key: string; items: T[] }[] {
  const map = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const g = map.get(k);
    if (g === undefined) map.set(k, [it]);
    else g.push(it);
  }
  return [...map].map(([k, v]) => ({ key: k, items: v }));
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

// main() prints the dump on SIGQUIT and on a deadlock; core cannot import this layer, so it is installed here.
setDumper((rt) => dump({ runtime: rt }));
if (traceFromEnv()) trace(true);
