/**
 * The entry of a pool worker thread (pool.ts starts it with `new Worker`).
 *
 * The thread runs its own tasklet runtime (`runtime()`, created on first
 * use here) and takes jobs from the pool one at a time, on demand: it posts
 * `want` when it is idle, that is when no tasklet of its runtime is ready
 * and no offloaded call runs; the pool answers with one job. A job that
 * arrives when the thread became busy meanwhile is bounced back, so queued
 * work never waits behind a busy thread (libtf's big scheduling queue).
 * A tasklet started here stays here; tasklets blocked on a channel or a
 * timer leave the thread idle, so it takes more work (M:N).
 *
 * Invariants:
 *   - at most one `want` is outstanding (`wantSent`; a `done` may carry it);
 *     the pool spends it by sending one `run`;
 *   - every job the pool sent ends with exactly one `done` or `bounce`.
 */

import { parentPort } from "node:worker_threads";
import { type DeadlockError, TaskletError } from "../core/errors.js";
import { RealHost } from "../core/host.js";
import type { Operation } from "../core/op.js";
import { runtime } from "../core/runtime.js";
import { toIterator } from "../core/spawn.js";
import { FAILED, KILLED, type Tasklet } from "../core/tasklet.js";
import { type FromWorker, pack, type RunMessage, type ToWorker, toWire, unpack } from "./protocol.js";

const port = parentPort;
if (port === null) throw new TaskletError("tasklet/threads worker.js must be started as a worker thread");

const rt = runtime();
// The control port brings new jobs and kills, which start or end tasklets but never wake a
// blocked one: it does not keep a deadlock of this thread's tasklets from being found.
if (rt.host instanceof RealHost) rt.host.ignoreHandle(port);
const group = { onUncaught: (e: unknown) => rt.host.fatal(e) };
/** Tasklets of jobs, by job id. */
const running = new Map<number, Tasklet>();
/** Jobs being loaded (module import), and those killed while loading. */
const loading = new Set<number>();
const killedWhileLoading = new Set<number>();
/** Offloaded plain calls in flight: the thread is theirs. */
let calls = 0;
let wantSent = false;
let checkPending = false;

const modules = new Map<string, Promise<Record<string, unknown>>>();
const sources = new Map<string, (...args: unknown[]) => unknown>();

function post(m: FromWorker): void {
  (port as NonNullable<typeof port>).postMessage(m);
}

function busy(): boolean {
  return calls > 0 || loading.size > 0 || rt.hasReady();
}

function checkIdle(): void {
  if (checkPending || wantSent) return;
  checkPending = true;
  setImmediate(idleCheck);
}

function idleCheck(): void {
  checkPending = false;
  if (wantSent) return;
  if (busy()) {
    // Ready work holds the thread; it yields to the event loop every few ms: look again then.
    if (calls === 0 && loading.size === 0) checkIdle();
    return;
  }
  wantSent = true;
  post({ type: "want" });
}

/** Reports a job's end; asks for the next job in the same message when the thread is idle (one wake-up, not two). */
function done(id: number, outcome: "ok" | "error" | "killed", value?: unknown): void {
  const want = !wantSent && !busy();
  if (want) wantSent = true;
  let m: FromWorker;
  if (outcome === "ok") m = { type: "done", id, outcome, value: pack(value), want };
  else if (outcome === "error") m = { type: "done", id, outcome, error: toWire(value), want };
  else m = { type: "done", id, outcome, want };
  try {
    post(m);
  } catch (e) {
    post({ type: "done", id, outcome: "error", error: toWire(e), want });
  }
  if (!want) checkIdle();
}

function load(url: string): Promise<Record<string, unknown>> {
  let p = modules.get(url);
  if (p === undefined) {
    p = import(url) as Promise<Record<string, unknown>>;
    modules.set(url, p);
  }
  return p;
}

async function resolveFn(m: RunMessage): Promise<(...args: unknown[]) => unknown> {
  if (m.kind === "source") {
    let f = sources.get(m.target);
    if (f === undefined) {
      f = new Function(`"use strict"; return (${m.target});`)() as (...args: unknown[]) => unknown;
      if (typeof f !== "function") throw new TypeError("offload: the source does not evaluate to a function");
      sources.set(m.target, f);
    }
    return f;
  }
  const mod = await load(m.target);
  const f = mod[m.exportName];
  if (typeof f !== "function") {
    throw new TypeError(`${m.target} has no function export named ${JSON.stringify(m.exportName)} (got ${typeof f})`);
  }
  return f as (...args: unknown[]) => unknown;
}

async function startTasklet(m: RunMessage): Promise<void> {
  loading.add(m.id);
  let fn: (...args: unknown[]) => unknown;
  try {
    fn = await resolveFn(m);
  } catch (e) {
    loading.delete(m.id);
    killedWhileLoading.delete(m.id);
    done(m.id, "error", e);
    return;
  }
  loading.delete(m.id);
  if (killedWhileLoading.delete(m.id)) {
    done(m.id, "killed");
    return;
  }
  let t: Tasklet;
  try {
    const gen = toIterator(`spawn ${m.exportName}`, () => fn(...(unpack(m.args) as unknown[])) as Operation<unknown>);
    t = rt.spawnRoot(gen as Iterator<never, unknown, unknown>, m.exportName, 1, group, onEnd);
  } catch (e) {
    done(m.id, "error", e);
    return;
  }
  ids.set(t, m.id);
  running.set(m.id, t);
  checkIdle();
}

const ids = new WeakMap<Tasklet, number>();

function onEnd(t: Tasklet, deadlock: DeadlockError | null): void {
  const id = ids.get(t) as number;
  running.delete(id);
  if (deadlock !== null) done(id, "error", deadlock);
  else if (t.state === FAILED) done(id, "error", t.value);
  else if (t.state === KILLED) done(id, "killed");
  else done(id, "ok", t.value);
}

async function startCall(m: RunMessage): Promise<void> {
  calls++;
  try {
    const fn = await resolveFn(m);
    const v = await fn(...(unpack(m.args) as unknown[]));
    calls--;
    done(m.id, "ok", v);
  } catch (e) {
    calls--;
    done(m.id, "error", m.kind === "source" ? explainSource(e) : e);
  }
}

/**
 * A function offloaded as source runs without its closure: a variable from
 * outside it is not defined on the worker. Say so, instead of leaving a bare
 * "x is not defined" that points at code the caller did not write that way.
 */
function explainSource(e: unknown): unknown {
  if (!(e instanceof ReferenceError)) return e;
  const err = new ReferenceError(
    `offload: ${e.message}: the function is sent to the worker as its source, without the variables around it; pass what it uses as arguments (offload((x, k) => x * k, x, k)) or export it from a module (offload(url, "name", ...args))`,
  );
  err.stack = `${err.name}: ${err.message}\n${(e.stack ?? "").split("\n").slice(1).join("\n")}`;
  return err;
}

port.on("message", (m: ToWorker) => {
  if (m.type === "kill") {
    const t = running.get(m.id);
    if (t !== undefined) t.kill();
    else if (loading.has(m.id)) killedWhileLoading.add(m.id);
    return;
  }
  wantSent = false;
  if (busy()) {
    post({ type: "bounce", id: m.id });
    checkIdle();
    return;
  }
  if (m.kind === "tasklet") void startTasklet(m);
  else void startCall(m);
  checkIdle();
});

checkIdle();
