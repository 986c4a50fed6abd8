/**
 * The watchdog: names a tasklet that holds the thread longer than N ms,
 * while it still holds it, and again when it yields, with the time it held.
 *
 * A helper thread (node:worker_threads) reads a SharedArrayBuffer that the
 * run loop writes on each switch (runtime.ts: the running tasklet's id and
 * its switch count, two plain stores; no timer per switch). Every N/2 ms
 * it looks at the pair: one it has seen unchanged for N ms is a stretch
 * that holds the thread (a pair torn by a read between the two stores
 * changes at the next look, so it never lasts N ms). The main thread is busy then, so the
 * helper writes the report to stderr itself, with the name the main thread
 * published in the buffer's name table, and sets the hog slot. The loop sees
 * that slot after the stretch ends and reports the time held, to stderr and
 * to the `onHog` callbacks of the pending runs.
 *
 * Held times are lower bounds: the helper first sees a stretch up to N/2 ms
 * after it started. Starting waits (once, blocking) for the helper thread
 * to boot, 50–150 ms, so that a hog right after the start is seen. One
 * watchdog per thread, started by the first run() or main() with `watchdog: N` (or, on the main thread, with TASKLET_WATCHDOG_MS
 * set); it lasts as long as the thread (the helper does not keep the
 * process alive). A later call with another N restarts it with that N.
 *
 * Invariants:
 *   - `setWatch(buffer)` is called only while the helper reads that buffer;
 *   - the hog slot is non-zero from the helper's report of a stretch until
 *     the main thread has reported its end; the helper reports a stretch once.
 */

import { writeSync } from "node:fs";
import { isMainThread, Worker } from "node:worker_threads";
import { setWatch, W_NAME_SLOTS, W_NAMES, type WatchHooks } from "./runtime.js";

/** What `onHog` receives: the tasklet that held the thread and for how long (a lower bound). */
export interface HogReport {
  /** The tasklet's id (`Tasklet.id`). */
  id: number;
  /** The tasklet's name (`Tasklet.name`). */
  name: string;
  /** How long it held the thread without yielding, in ms (a lower bound). */
  heldMs: number;
}

const W_HOG = 2;
const W_HOG_ID = 3;
/** Set by the helper once it watches: startWatchdog waits for it, so a hog right after the start is seen. */
const W_READY = 6;
/** How long startWatchdog waits for the helper to start (it boots in 50–150 ms). */
const READY_WAIT_MS = 2000;
/** Byte offset of the Float64 time (timeOrigin-based ms) at which the helper first saw the reported stretch. */
const FIRST_SEEN_BYTE = 16;
/** UTF-16 units of a name kept in the table (longer names are cut). */
const NAME_CHARS = 32;
const LENS = W_NAMES + W_NAME_SLOTS;
const CHARS_BYTE = (LENS + W_NAME_SLOTS) * 4;
const BYTES = CHARS_BYTE + W_NAME_SLOTS * NAME_CHARS * 2;

// The helper's code: evaluated as a CommonJS script in its own thread.
const HELPER = `
const { workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const { buffer, ms } = workerData;
const w = new Int32Array(buffer);
const firstSeen = new Float64Array(buffer, ${FIRST_SEEN_BYTE}, 1);
const chars = new Uint16Array(buffer, ${CHARS_BYTE});
const now = () => performance.timeOrigin + performance.now();
let lastId = -1, lastSw = -1, since = 0, reported = false, reports = 0;
function nameOf(id) {
  const slot = id & ${W_NAME_SLOTS - 1};
  if (Atomics.load(w, ${W_NAMES} + slot) !== id) return "#" + id;
  const n = w[${LENS} + slot];
  return "#" + id + " " + String.fromCharCode(...chars.subarray(slot * ${NAME_CHARS}, slot * ${NAME_CHARS} + n));
}
setInterval(() => {
  const sw = Atomics.load(w, 1);
  const id = w[0];
  const t = now();
  if (sw !== lastSw || id !== lastId) { lastSw = sw; lastId = id; since = t; reported = false; return; }
  if (id === 0 || reported || t - since < ms) return;
  reported = true;
  firstSeen[0] = since;
  w[${W_HOG_ID}] = id;
  reports = (reports % 1000000) + 1;
  Atomics.store(w, ${W_HOG}, reports);
  const line = "tasklet watchdog: " + nameOf(id) + " has held the thread for " + Math.floor(t - since) +
    " ms and still holds it (watchdog " + ms + " ms)\\n";
  try { writeSync(2, line); } catch {}
}, Math.max(1, ms / 2));
Atomics.store(w, ${W_READY}, 1);
Atomics.notify(w, ${W_READY});
`;

let helper: Worker | null = null;
let helperMs = 0;
const listeners = new Set<(report: HogReport) => void>();
let envRead = false;

/**
 * Starts this thread's watchdog with `ms` (restarts it if it runs with
 * another), or with TASKLET_WATCHDOG_MS on the main thread when `ms` is
 * undefined. `what` names the caller in the error for a bad env value.
 */
export function startWatchdog(what: string, ms: number | undefined): void {
  if (ms === undefined) {
    if (envRead || !isMainThread) return;
    envRead = true;
    const env = process.env["TASKLET_WATCHDOG_MS"];
    if (env === undefined || env === "") return;
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) {
      throw new TypeError(`${what}: TASKLET_WATCHDOG_MS must be a whole number of ms >= 1, got ${JSON.stringify(env)}`);
    }
    ms = n;
  }
  if (helper !== null && helperMs === ms) return;
  stopWatchdog();
  const buffer = new SharedArrayBuffer(BYTES);
  const w = new Int32Array(buffer);
  const chars = new Uint16Array(buffer, CHARS_BYTE);
  const firstSeen = new Float64Array(buffer, FIRST_SEEN_BYTE, 1);
  const hooks: WatchHooks = {
    publish(t) {
      const slot = t.id & (W_NAME_SLOTS - 1);
      const name = t.name;
      const n = Math.min(name.length, NAME_CHARS);
      for (let i = 0; i < n; i++) chars[slot * NAME_CHARS + i] = name.charCodeAt(i);
      w[LENS + slot] = n;
      Atomics.store(w, W_NAMES + slot, t.id);
    },
    ended(rt) {
      const heldMs = Math.round(performance.timeOrigin + performance.now() - (firstSeen[0] as number));
      const id = w[W_HOG_ID] as number;
      Atomics.store(w, W_HOG, 0);
      const t = rt.live().find((x) => x.id === id);
      reportEnd({ id, name: t !== undefined ? t.name : nameFromTable(w, chars, id), heldMs });
    },
  };
  helper = new Worker(HELPER, { eval: true, workerData: { buffer, ms } });
  helper.unref();
  helperMs = ms;
  // A worker boots without this thread's event loop, so blocking here is safe.
  Atomics.wait(w, W_READY, 0, READY_WAIT_MS);
  setWatch(w, hooks);
}

/** Stops this thread's watchdog (tests; a restart with another N). */
export function stopWatchdog(): void {
  if (helper === null) return;
  setWatch(null, null);
  void helper.terminate();
  helper = null;
  helperMs = 0;
}

/** Adds a callback for the end of each reported stretch; returns its removal. */
export function addHogListener(cb: (report: HogReport) => void): () => void {
  listeners.add(cb);
  return () => listeners.delete(cb);
}

function nameFromTable(w: Int32Array, chars: Uint16Array, id: number): string {
  const slot = id & (W_NAME_SLOTS - 1);
  if (w[W_NAMES + slot] !== id) return `tasklet-${id}`;
  const n = w[LENS + slot] as number;
  return String.fromCharCode(...chars.subarray(slot * NAME_CHARS, slot * NAME_CHARS + n));
}

function reportEnd(r: HogReport): void {
  try {
    writeSync(2, `tasklet watchdog: #${r.id} ${r.name} held the thread for ${r.heldMs} ms\n`);
  } catch {
    // stderr closed or full: the callbacks still hear of it
  }
  for (const cb of listeners) {
    try {
      cb(r);
    } catch (e) {
      try {
        writeSync(2, `tasklet watchdog: onHog threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      } catch {
        // nowhere left to say it
      }
    }
  }
}
