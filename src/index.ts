/**
 * tasklet: cooperative green threads for TypeScript on Node.js.
 * The package's main entry: the core, time and sync layers.
 */

export { call, until } from "./core/call.js";
export {
  ChannelClosedError,
  ChannelError,
  ChannelTimeoutError,
  ClosedError,
  DeadlockError,
  IOError,
  KilledError,
  NotJoinableError,
  TaskletError,
  TimeoutError,
  UncaughtError,
} from "./core/errors.js";
export type { LeakReport } from "./core/leaks.js";
export { TaskletLocal } from "./core/local.js";
export type { Operation, Suspend } from "./core/op.js";
export { exit, schedule } from "./core/ops.js";
export { type MainOptions, main, type RunOptions, run } from "./core/run.js";
export { type Body, type SpawnOptions, self as current, spawn, spawnNow } from "./core/spawn.js";
export type { Priority, Tasklet } from "./core/tasklet.js";
export type { Waitable } from "./core/wait.js";
export type { HogReport } from "./core/watchdog.js";
export {
  type ConsoleOptions,
  type ConsoleReport,
  type ConsoleSample,
  startConsole,
  type TaskletConsole,
} from "./inspect/console.js";
export { type DumpOptions, dump } from "./inspect/dump.js";
export { type SnapshotOptions, type TaskletInfo, type TaskletState, tasklets } from "./inspect/snapshot.js";
export { trace } from "./inspect/trace.js";
export { Channel, channel, type RecvResult, type SelectableOp, type TryRecvResult } from "./sync/channel.js";
export { Dispatcher, type DispatchOptions } from "./sync/dispatcher.js";
export { Event } from "./sync/event.js";
export { callIn, PostedCall, post } from "./sync/ifc.js";
export { Mutex, withLock } from "./sync/mutex.js";
export { TaskletPool } from "./sync/pool.js";
export { Scope, scope } from "./sync/scope.js";
export { after, type CaseValue, defaultCase, type Selected, select } from "./sync/select.js";
export { Semaphore, withPermit } from "./sync/semaphore.js";
export { WaitGroup } from "./sync/waitgroup.js";
export { now } from "./time/clock.js";
export { sleep } from "./time/sleep.js";
export { timeout } from "./time/timeout.js";
