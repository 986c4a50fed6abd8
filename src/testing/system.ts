/**
 * createTaskletSystem for tests: the `ITasklet` interface as the system layer
 * implements it, with its sockets on a simulated host instead of real ones.
 *
 * The system layer's implementation holds no runtime of its own: each
 * operation runs on the runtime of the tasklet that performs it
 * (src/system/system.ts). So a module written against ITasklet and run
 * inside `runTest` or `explore` gets virtual time (msWait, recvWithTimeout)
 * and the seeded schedule; with the sockets on a `SimNetwork` (which reads
 * no clock and delivers within the send) a run depends on the program and
 * the seed only, and repeats exactly. `execCommand`, `read` and `write` stay
 * real (processes, descriptors): while one is outstanding the virtual clock
 * follows the real one (virtual-host.ts), and the run is only as
 * reproducible as that I/O.
 *
 * By default the sockets are on a fresh simulated host `localhost` with one
 * device `lo` at 127.0.0.1: a module can talk to itself and nothing real is
 * touched. Pass `network` (a `SimNetwork` host) to put several modules on
 * one simulated network and drive its losses.
 */

import { checkOptionKeys } from "../core/check.js";
import type { ITasklet } from "../system/interfaces.js";
import type { Network } from "../system/network.js";
import { SimNetwork } from "../system/simnet.js";
import { createTaskletSystem as createSystem } from "../system/system.js";

/** Options of `createTaskletSystem(options)` of `tasklet/testing`. */
export interface TestTaskletSystemOptions {
  /** Where sockets are opened (default: a simulated host with `lo` at 127.0.0.1). */
  network?: Network | undefined;
}

/**
 * Makes an `ITasklet` for tests: use it inside `runTest`/`explore`.
 * Sockets are simulated unless `network` says otherwise.
 *
 * @example
 * await runTest(function* () {
 *   const sys = createTaskletSystem();
 *   const server = yield* sys.getServerStreamSocket(7000);
 *   yield* sys.msWait(600_000); // virtual: at once
 * }, { seed: 7 });
 */
export function createTaskletSystem(options?: TestTaskletSystemOptions): ITasklet {
  checkOptionKeys("createTaskletSystem", options, ["network"]);
  const network = options?.network ?? new SimNetwork().host("localhost").addDevice("lo", "lo", "127.0.0.1");
  return createSystem({ network });
}
