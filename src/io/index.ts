/**
 * tasklet/io: I/O that blocks only the calling tasklet.
 * Errors are `IOError`s (`ClosedError` at end of stream), from the main package.
 */

// ---- system: files, subprocesses, DNS, signals (io-sys) ----
export {
  createResolver,
  DEFAULT_RESOLV_CONF,
  defaultResolver,
  parseResolvConf,
  type ResolvConf,
  Resolver,
  type ResolverOptions,
  resolve4,
  resolve6,
  resolveTxt,
  reverse,
} from "./dns.js";
export { type ExecOptions, type ExecResult, exec, OutputLimitError } from "./exec.js";
export { File, open, type Position, readFile, writeFile } from "./file.js";
export {
  exitStatusOf,
  ProcessInput,
  ProcessOutput,
  type SpawnProcessOptions,
  type StdioMode,
  Subprocess,
  spawnProcess,
} from "./process.js";
export { type SignalName, SignalSet, signalWaitable, waitSignal, watchSignals } from "./signal.js";
// ---- end of system ----
