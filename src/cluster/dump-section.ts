/**
 * A cluster node's section of `dump()` (src/core/dump-sections.ts: the
 * cluster registers it when the process joins and removes it when it
 * leaves): the node's name, the jobs running on it (id, module#export,
 * when it started, which delivery) and the jobs this process spawned and
 * has not seen end (queued, or running where).
 *
 *   cluster node n1 (nats, cluster "prod", 2 workers)
 *     runs 1 job:
 *       c-1f2e.7 examples/threads/jobs.ts#hashChain, started 2.1 s ago, attempt 1
 *     waits on 2 jobs it spawned:
 *       n1-8a9b.3 examples/threads/jobs.ts#hashChain, running on n2, started 0.4 s ago, attempt 2
 *       n1-8a9b.4 examples/threads/jobs.ts#hashChain, queued for 0.4 s
 */

import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { JobInfo } from "./job.js";
import type { RunningJob } from "./serve.js";

/** Job lines printed per list before the rest are counted. */
const MAX_LINES = 20;

export interface NodeView {
  name: string;
  mode: "embedded" | "nats";
  cluster: string | null;
  workers: number;
  running: readonly RunningJob[];
  waiting: readonly JobInfo[];
}

export function renderNode(v: NodeView, now = Date.now()): string {
  const where = v.cluster === null ? v.mode : `${v.mode}, cluster "${v.cluster}"`;
  let out = `cluster node ${v.name} (${where}, ${v.workers} worker${v.workers === 1 ? "" : "s"})\n`;
  out += list(
    `runs ${count(v.running.length)}`,
    v.running,
    (r) => `${r.id} ${target(r.module, r.exportName)}, started ${ago(now - r.since)}, attempt ${r.attempt}`,
  );
  out += list(`waits on ${count(v.waiting.length)} it spawned`, v.waiting, (j) =>
    j.state === "queued" || j.startedAt === null
      ? `${j.id} ${target(j.module, j.name)}, queued for ${age(now - j.submittedAt)}`
      : `${j.id} ${target(j.module, j.name)}, running on ${j.node}, started ${ago(now - j.startedAt)}, attempt ${j.deliveries}`,
  );
  return out;
}

function list<T>(title: string, items: readonly T[], line: (t: T) => string): string {
  if (items.length === 0) return `  ${title}\n`;
  let out = `  ${title}:\n`;
  const shown = items.length > MAX_LINES + 1 ? items.slice(0, MAX_LINES) : items;
  for (const it of shown) out += `    ${line(it)}\n`;
  if (shown.length < items.length) out += `    … and ${items.length - shown.length} more\n`;
  return out;
}

const count = (n: number): string => (n === 0 ? "no job" : n === 1 ? "1 job" : `${n} jobs`);

/** `module#export`, a file module shown relative to the working directory. */
function target(module: string, exportName: string): string {
  let m = module;
  if (m.startsWith("file:")) {
    const rel = relative(process.cwd(), fileURLToPath(m));
    m = rel.startsWith("..") ? fileURLToPath(m) : rel;
  }
  return `${m}#${exportName}`;
}

function age(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))} ms` : `${(ms / 1000).toFixed(1)} s`;
}

const ago = (ms: number): string => `${age(ms)} ago`;
