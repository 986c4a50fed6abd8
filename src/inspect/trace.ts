/**
 * Tracing of spawn sites: the one record a dump cannot get for free.
 *
 * Where a tasklet is suspended costs nothing until a dump asks (the probe
 * of core/op.ts). Where it was spawned is gone by then, so the runtime
 * captures a stack at every spawn() when `Runtime.recordSites` is on: about
 * 5–10 µs a spawn on the project machine (spawn+join costs about 1 µs without),
 * and the captured frames are kept alive with the tasklet. Off by default;
 * `TASKLET_TRACE=1` in the environment turns it on for the thread's runtime
 * when the package loads (worker threads inherit the environment). The same
 * variable, read when a process starts, makes messages and dumps show a
 * child process's whole argv (io/process.ts's `commandLabel`).
 */

import { type Runtime, runtime } from "../core/runtime.js";

/**
 * Turns the recording of spawn sites on or off for this thread's runtime (or
 * `rt`); tasklets spawned from then on show in dumps where they were spawned.
 * Costs 5–10 µs a spawn while on. Returns the previous setting.
 *
 * @example
 * trace(true); // or run the program with TASKLET_TRACE=1
 */
export function trace(on = true, rt: Runtime = runtime()): boolean {
  if (typeof on !== "boolean") throw new TypeError(`trace: on must be a boolean, got ${typeof on}`);
  const was = rt.recordSites;
  rt.recordSites = on;
  return was;
}

/** Whether TASKLET_TRACE asks for tracing (`1`, `true`, `yes`, `on`); the io layer reads it too, for the argv of processes. */
export { traceRequested as traceFromEnv } from "../io/process.js";
