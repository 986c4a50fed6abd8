/**
 * Entry points from ordinary code: run() and main().
 */

import { type DeadlockError, KilledError, type UncaughtError } from "./errors.js";
import { current, type Operation } from "./op.js";
import { type Runtime, runtime } from "./runtime.js";
import { type Body, checkOptions, defaultGroup, toIterator } from "./spawn.js";
import { FAILED, KILLED, type Tasklet, TaskletJoinOp } from "./tasklet.js";
import { addHogListener, type HogReport, startWatchdog } from "./watchdog.js";

/** Options of `run(body, options)`. */
export interface RunOptions {
  /** Name of the root tasklet. */
  name?: string;
  /**
   * Called with an error that escaped a tasklet of this run that nobody joins
   * (`cause` is the error, the message names the tasklet). By default the
   * process crashes, as for an unhandled rejection. When a failure counts
   * as unjoined: see `SpawnOptions.joinable`. A handler that throws does not
   * stop the run: its error is written to stderr and the exit code set to 7.
   */
  onUncaught?: (error: UncaughtError) => void;
  /** The runtime to run on (the testing layer passes its own); default: this thread's. */
  runtime?: Runtime;
  /**
   * Aborting it kills the root: its cleanup (`finally`) runs, then `run()`
   * rejects with `KilledError` whose `cause` is the signal's reason. An
   * already aborted signal kills the root before its body starts.
   */
  signal?: AbortSignal;
  /**
   * Starts this thread's watchdog: a tasklet that holds the thread longer
   * than this many ms without yielding is named on stderr while it still
   * holds it, and again when it yields, with the time held (a lower bound,
   * up to ms/2 short). Default: TASKLET_WATCHDOG_MS on the main thread, else
   * off. The watchdog lasts as long as the thread (docs/inspect.md).
   */
  watchdog?: number;
  /**
   * Called, while this run is pending, when a stretch that the watchdog
   * reported ends: which tasklet held the thread and for how long. The
   * report goes to stderr as well.
   */
  onHog?: (report: HogReport) => void;
}

/**
 * Runs `body` as a root tasklet from ordinary code: the promise settles with
 * the body's value or error. Tasklets the body spawns outside a `scope`
 * outlive it, as goroutines do. If every tasklet blocks with nothing left
 * that could wake one, the promise rejects with `DeadlockError`. With
 * `signal`, an abort kills the root (its cleanup runs) and the promise
 * rejects with `KilledError`, `cause` the abort's reason.
 *
 * @example
 * const n = await run(function* () { yield* sleep(10); return 42; });
 * await run(serve(), { signal: AbortSignal.timeout(5000) });
 */
export function run<T>(body: Body<T>, options?: RunOptions): Promise<T> {
  const level = checkOptions("run", options);
  const rt = options?.runtime ?? runtime();
  const gen = toIterator("run", body);
  const onUncaught = options?.onUncaught;
  const group = onUncaught === undefined ? defaultGroup(rt) : { onUncaught };
  const signal = options?.signal;
  startWatchdog("run", options?.watchdog);
  const offHog = options?.onHog === undefined ? null : addHogListener(options.onHog);
  return new Promise<T>((resolve, reject) => {
    let onAbort: (() => void) | null = null;
    const root = rt.spawnRoot(gen, options?.name ?? "root", level, group, (t, deadlock) => {
      if (onAbort !== null) signal?.removeEventListener("abort", onAbort);
      offHog?.();
      if (deadlock !== null) reject(deadlock);
      else if (t.state === FAILED) reject(t.value);
      else if (t.state === KILLED) reject(killedError(t, signal));
      else resolve(t.value as T);
    });
    if (signal === undefined) return;
    if (signal.aborted) {
      root.kill();
      return;
    }
    onAbort = () => root.kill();
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function killedError(t: Tasklet, signal: AbortSignal | undefined): KilledError {
  if (signal?.aborted !== true) return new KilledError(`${t.describe()} was killed`);
  return new KilledError(`${t.describe()} was killed: run()'s signal was aborted`, { cause: signal.reason });
}

/**
 * The loop of `for await` over a channel (Channel, ThreadChannel): a value
 * that waits is taken at once (`take`); otherwise one wait for `recvOrDone`
 * in a short root tasklet of this thread's runtime. Ends at `done`.
 */
export async function* valuesOf<T>(
  take: () => { ok: true; value: T } | { ok: false },
  recvOrDone: Operation<{ done: false; value: T } | { done: true; value?: undefined }>,
  name: string,
): AsyncGenerator<T, void, undefined> {
  for (;;) {
    const r = take();
    if (r.ok) {
      yield r.value;
      continue;
    }
    const w = await run(recvOrDone, { name: `for await over ${name}` });
    if (w.done) return;
    yield w.value;
  }
}

/** Kills every other live tasklet of `rt` and waits until all have ended. */
function* reapAll(rt: Runtime): Operation<void> {
  for (;;) {
    const others = rt.live().filter((t) => t !== current);
    if (others.length === 0) return;
    for (const t of others) t.kill();
    for (const t of others) {
      try {
        yield* new TaskletJoinOp(t, false);
      } catch {
        // joiners of a failed tasklet get its error; here only the end matters
      }
    }
  }
}

/** Options of `main(body, options)`: those of `run` but `onUncaught` (main reports an uncaught error and exits 1). */
export interface MainOptions extends Omit<RunOptions, "onUncaught"> {
  /** Exit the process when done (default true); tests of main() turn it off. */
  exit?: boolean;
  /** Where reports go (default process.stderr). */
  stderr?: { write(s: string): unknown };
}

const SIGNALS = { SIGINT: 2, SIGTERM: 15 } as const;

let dumper: ((rt: Runtime) => string) | null = null;

/**
 * Installs the renderer of a tasklet dump (the inspect layer does, at load:
 * core cannot import it). main() prints its text on SIGQUIT and on a deadlock.
 */
export function setDumper(render: ((rt: Runtime) => string) | null): void {
  dumper = render;
}

function renderDump(rt: Runtime): string {
  if (dumper === null) return "no dump (the inspect layer is not loaded)\n";
  try {
    return dumper(rt);
  } catch (e) {
    return `the dump failed: ${formatError(e)}\n`;
  }
}

/**
 * The entry of a program, as Go's `main`: runs `body` as the root; when it
 * returns, the tasklets still alive are killed (their cleanup runs) and the
 * process exits 0. SIGINT or SIGTERM kills the root, so cleanup runs (a
 * second one exits at once). An error that escapes the root or any tasklet
 * nobody joins, or a deadlock, is printed on stderr and the exit code is
 * non-zero (1 for an error, 2 for a deadlock, 128 + n for signal n).
 * SIGQUIT prints a dump of every tasklet on stderr and the program goes on
 * (the JVM's kill -3; Go would exit); a deadlock prints the dump as well.
 *
 * @example
 * main(function* () { yield* serve(8080); });
 */
export function main<T>(body: Body<T>, options?: MainOptions): Promise<number> {
  // Checked before anything is installed or created: a bad call leaves no signal handler behind.
  const level = checkOptions("main", options);
  const gen = toIterator("main", body);
  const rt = options?.runtime ?? runtime();
  const stderr = options?.stderr ?? process.stderr;
  startWatchdog("main", options?.watchdog);
  const offHog = options?.onHog === undefined ? null : addHogListener(options.onHog);
  let code = 0;
  let signalled = 0;
  let root: Tasklet | null = null;
  const report = (text: string, exitCode: number): void => {
    stderr.write(`${text}\n`);
    if (code === 0) code = exitCode;
  };
  const onUncaught = (e: UncaughtError): void => {
    report(formatError(e), 1);
    root?.kill();
  };
  const onSignal = (sig: keyof typeof SIGNALS): void => {
    if (signalled !== 0) process.exit(128 + SIGNALS[sig]);
    signalled = SIGNALS[sig];
    root?.kill();
  };
  const handlers: [string, () => void][] = Object.keys(SIGNALS).map((sig) => {
    const h = (): void => onSignal(sig as keyof typeof SIGNALS);
    process.on(sig, h);
    return [sig, h];
  });
  const onQuit = (): void => {
    stderr.write(`SIGQUIT: ${renderDump(rt)}`);
  };
  if (process.platform !== "win32") {
    process.on("SIGQUIT", onQuit);
    handlers.push(["SIGQUIT", onQuit]);
  }
  // The dump is taken when the deadlock is found, before its tasklets are killed.
  let deadlockDump = "";
  const previousOnDeadlock = rt.onDeadlock;
  rt.onDeadlock = (e) => {
    if (dumper !== null) deadlockDump += `\n\n${renderDump(rt).trimEnd()}`;
    previousOnDeadlock?.(e);
  };
  const reportDeadlock = (e: DeadlockError): void => {
    // The message (one line per blocked tasklet), then the dump (the same tasklets, grouped, with their stacks).
    report(`${e.message}${deadlockDump}`, 2);
    deadlockDump = "";
  };
  const finish = (exitCode: number): number => {
    rt.onDeadlock = previousOnDeadlock;
    offHog?.();
    for (const [sig, h] of handlers) process.off(sig, h);
    if (options?.exit !== false) process.exit(exitCode);
    return exitCode;
  };
  const afterRoot = (deadlock: DeadlockError | null, t: Tasklet): Promise<number> => {
    if (deadlock !== null) reportDeadlock(deadlock);
    else if (t.state === FAILED) report(formatError(t.value), 1);
    else if (t.state === KILLED && signalled !== 0 && code === 0) code = 128 + signalled;
    return new Promise<number>((resolve) => {
      rt.spawnRoot(toIterator("main", reapAll(rt)), "main-exit", 1, { onUncaught }, (_reaper, dl) => {
        if (dl !== null) reportDeadlock(dl);
        resolve(finish(code));
      });
    });
  };
  return new Promise<number>((resolve) => {
    root = rt.spawnRoot(gen, options?.name ?? "main", level, { onUncaught }, (t, deadlock) => {
      resolve(afterRoot(deadlock, t));
    });
  });
}

function formatError(e: unknown): string {
  if (!(e instanceof Error)) return `uncaught: ${String(e)}`;
  let s = e.stack ?? String(e);
  let cause = e.cause;
  while (cause instanceof Error) {
    s += `\n[cause]: ${cause.stack ?? String(cause)}`;
    cause = cause.cause;
  }
  return s;
}
