/**
 * Subprocesses, streamed: `spawnProcess` starts a child in a process group
 * of its own and gives a `Subprocess` whose pipes are read and written by
 * operations that block only the calling tasklet. exec.ts builds the
 * captured `exec` (`ITasklet.exec_command`) on the same launch.
 *
 * Lifetime: the child is the leader of a new process group (`detached:
 * true`, i.e. setsid), so `kill()` signals the whole group (`kill(-pid)`),
 * grandchildren included. The caller owns a Subprocess: kill it in a
 * `finally`, or use `withProcess`, which does (exec does too). Its end is
 * its `'exit'`, not `'close'`: a grandchild that inherited a pipe keeps
 * `'close'` from coming (for `sh -c 'sleep 30 & …'`, 30 s after the
 * shell exited; test/io/exec.test.ts, "a grandchild that holds the pipes").
 *
 * Pipes (pipe.ts): `recv` takes only what a tasklet asks for, `send`
 * waits for room; a withdrawn one of either moved no byte.
 *
 * What messages show of a command (its `label`: errors, `dump()`,
 * `tasklets()`): arguments may hold secrets (`--password=…`, a token), and
 * errors and dumps end up in logs; so by default only the program and the
 * count of its arguments (`sh (+3 args)`; a command line is `/bin/sh (+2
 * args)`). With TASKLET_TRACE=1 (read when the process starts) the whole
 * command, cut at 80 characters. Node's own spawn error carries the
 * arguments too (`spawnargs`): it is dropped from the error's cause.
 */

import { type ChildProcess, spawn as spawnChild } from "node:child_process";
import * as fs from "node:fs";
import { constants } from "node:os";
import { checkOptionKeys } from "../core/check.js";
import { IOError } from "../core/errors.js";
import type { Operation } from "../core/op.js";
import type { Waitable } from "../core/wait.js";
import { ProcessInput, ProcessOutput } from "./pipe.js";
import { ioError, Latch } from "./waiting.js";

/** What each standard stream of the child is connected to. */
export type StdioMode = "pipe" | "ignore" | "inherit";

/** Options of `spawnProcess(argv, options)`. */
export interface SpawnProcessOptions {
  /** Working directory of the child (default: ours). */
  cwd?: string;
  /** The child's whole environment (default: ours). */
  env?: Record<string, string | undefined>;
  /** Default "pipe". */
  stdin?: StdioMode;
  /** Default "pipe". */
  stdout?: StdioMode;
  /** Default "pipe". */
  stderr?: StdioMode;
}

/**
 * The exit status as `ITasklet.exec_command` gives it: the exit code, or
 * 128 + the number of the signal that ended the process.
 *
 * @example
 * exitStatusOf(null, "SIGKILL"); // 137
 */
export function exitStatusOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal === null ? undefined : constants.signals[signal];
  return 128 + (n ?? 0);
}

/**
 * A running (or ended) child process. Its `exited` is a `Waitable` that a
 * select can wait on; `wait()` waits alone.
 *
 * @example
 * const p = spawnProcess(["cat"]);
 * try {
 *   yield* p.stdin!.send(Buffer.from("hi"));
 *   p.stdin!.close();
 *   const n = yield* p.stdout!.recv(buf);
 *   const status = yield* p.wait();
 * } finally { p.kill(); }
 */
export class Subprocess {
  /** The process id (also the id of its process group); undefined if it could not start. */
  readonly pid: number | undefined;
  /** Ends with the exit status; throws `IOError` if the process could not start. */
  readonly exited: Waitable<number>;
  private readonly exit: Latch<number>;
  private _stdin: ProcessInput | null | undefined = undefined;
  private _stdout: ProcessOutput | null | undefined = undefined;
  private _stderr: ProcessOutput | null | undefined = undefined;

  /** @internal spawnProcess and exec make these. */
  constructor(
    /** Node's `ChildProcess`, for what this class does not cover (its `pid`, say). */
    readonly child: ChildProcess,
    /** The command, for messages: by default its program and argument count (see `commandLabel`). */
    readonly label: string,
    /** The function that started it and the cwd it asked for, for the message of a spawn failure. */
    what = "spawn",
    cwd?: string,
  ) {
    this.pid = child.pid;
    this.exit = new Latch<number>(`the exit of process ${child.pid ?? "?"} (${label})`);
    this.exited = this.exit;
    child.on("exit", (code, signal) => this.exit.set(exitStatusOf(code, signal)));
    child.on("error", (e) => {
      // Spawn failures (ENOENT, EACCES, a bad cwd) come here; errors of kill() later do not matter.
      if (this.pid === undefined) this.exit.fail(spawnError(what, label, cwd, e));
    });
  }

  /** The exit status once the process ended, else null. */
  get exitStatus(): number | null {
    return this.exit.value ?? null;
  }

  /** Waits for the process to end: its exit status. Withdrawing the wait does not kill it. */
  wait(): Operation<number> {
    return this.exit.op;
  }

  /**
   * Sends `signal` (default SIGKILL) to the whole process group. Returns
   * false if no process of the group was left. After the leader ended it
   * still reaches grandchildren that stayed in the group.
   */
  kill(signal: NodeJS.Signals | number = "SIGKILL"): boolean {
    if (this.pid === undefined) return false;
    try {
      process.kill(-this.pid, signal);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ESRCH") return false;
      throw ioError(`kill ${this.label}`, e);
    }
  }

  /** Kills the group if the process has not ended, and closes our ends of its pipes. */
  close(): void {
    if (!this.exit.isSet) this.kill();
    this.child.stdin?.destroy();
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
  }

  /** The child's stdin, if it is a pipe. */
  get stdin(): ProcessInput | null {
    if (this._stdin === undefined) {
      this._stdin = this.child.stdin === null ? null : new ProcessInput(this.child.stdin, `stdin of ${this.label}`);
    }
    return this._stdin;
  }
  /** The child's stdout, if it is a pipe. */
  get stdout(): ProcessOutput | null {
    if (this._stdout === undefined) {
      this._stdout =
        this.child.stdout === null ? null : new ProcessOutput(this.child.stdout, `stdout of ${this.label}`);
    }
    return this._stdout;
  }
  /** The child's stderr, if it is a pipe. */
  get stderr(): ProcessOutput | null {
    if (this._stderr === undefined) {
      this._stderr =
        this.child.stderr === null ? null : new ProcessOutput(this.child.stderr, `stderr of ${this.label}`);
    }
    return this._stderr;
  }
}

/** Splits a command: an argv array as is, a command line through `/bin/sh -c`. */
export function argvOf(what: string, command: string | readonly string[]): string[] {
  if (typeof command === "string") {
    if (command === "") throw new TypeError(`${what}: the command line is empty`);
    return ["/bin/sh", "-c", command];
  }
  if (!Array.isArray(command) || command.length === 0 || !command.every((a) => typeof a === "string")) {
    throw new TypeError(`${what}: command must be a command line or a non-empty array of strings`);
  }
  return [...command];
}

/** Checks the options of a spawn at the call, with errors that name `what`. */
export function checkSpawnOptions(what: string, options: SpawnProcessOptions): void {
  if (typeof options !== "object" || options === null) throw new TypeError(`${what}: options must be an object`);
  if (options.cwd !== undefined && typeof options.cwd !== "string") {
    throw new TypeError(`${what}: options.cwd must be a string, got ${typeof options.cwd}`);
  }
  if (options.env !== undefined && (typeof options.env !== "object" || options.env === null)) {
    throw new TypeError(`${what}: options.env must be an object, got ${String(options.env)}`);
  }
  for (const m of [options.stdin, options.stdout, options.stderr]) {
    if (m !== undefined && m !== "pipe" && m !== "ignore" && m !== "inherit") {
      throw new TypeError(`${what}: stdio modes are "pipe", "ignore" or "inherit", got ${String(m)}`);
    }
  }
}

/** Whether TASKLET_TRACE asks for tracing (`1`, `true`, `yes`, `on`), read at each call. */
export function traceRequested(): boolean {
  const v = process.env["TASKLET_TRACE"];
  return v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());
}

/**
 * How messages name a command: its program and the count of its arguments
 * (`sh (+3 args)`), or with TASKLET_TRACE=1 (read now) the whole command,
 * cut at 80 characters.
 *
 * @example
 * commandLabel(["curl", "-u", "me:secret", url]); // "curl (+3 args)"
 */
export function commandLabel(command: string | readonly string[]): string {
  const argv = argvOf("commandLabel", command);
  if (traceRequested()) {
    const full = typeof command === "string" ? command : argv.join(" ");
    return full.length > 80 ? `${full.slice(0, 77)}...` : full;
  }
  const n = argv.length - 1;
  return n === 0 ? (argv[0] as string) : `${argv[0]} (+${n} ${n === 1 ? "arg" : "args"})`;
}

/**
 * The IOError of a process that could not start: without Node's copy of the
 * arguments (unless traced), and saying so when the cwd is what is missing
 * (the child's chdir fails, and Node reports "spawn <program> ENOENT").
 */
function spawnError(what: string, label: string, cwd: string | undefined, e: unknown): IOError {
  const err = e as NodeJS.ErrnoException & { spawnargs?: unknown };
  if (typeof err === "object" && err !== null && !traceRequested()) delete err.spawnargs;
  if (cwd !== undefined) {
    let why: string | null = null;
    try {
      if (!fs.statSync(cwd).isDirectory()) why = "is not a directory";
    } catch (s) {
      const code = (s as NodeJS.ErrnoException).code;
      why = code === "ENOENT" ? "does not exist" : `cannot be reached (${code})`;
    }
    if (why !== null) {
      return new IOError(
        `${what} ${label}: options.cwd must be an existing directory, got ${JSON.stringify(cwd)}, which ${why}`,
        {
          cause: e,
          code: typeof err?.code === "string" ? err.code : undefined,
        },
      );
    }
  }
  return ioError(`${what} ${label}`, e);
}

/** Starts a child in its own process group. */
export function launch(what: string, command: string | readonly string[], options: SpawnProcessOptions): Subprocess {
  const argv = argvOf(what, command);
  checkSpawnOptions(what, options);
  const stdio = [options.stdin ?? "pipe", options.stdout ?? "pipe", options.stderr ?? "pipe"];
  const label = commandLabel(command);
  let child: ChildProcess;
  try {
    child = spawnChild(argv[0] as string, argv.slice(1), {
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      ...(options.env === undefined ? {} : { env: options.env }),
      stdio: stdio as StdioMode[],
      detached: true,
    });
  } catch (e) {
    throw spawnError(what, label, options.cwd, e);
  }
  return new Subprocess(child, label, what, options.cwd);
}

/**
 * Starts `command` (an argv array, or a command line run by `/bin/sh -c`)
 * as the leader of a new process group, with pipes to its standard streams
 * (by default). Returns at once; a command that cannot start makes `wait()`
 * throw `IOError` (`ENOENT`, …; a `cwd` that does not exist is named as
 * such). Messages and dumps show the program and the count of its
 * arguments, not the arguments (TASKLET_TRACE=1 shows them). Starting a process blocks the thread for
 * the fork/exec (about 2 ms here). An output pipe that nobody reads fills
 * up (64 KiB) and then blocks the child: read it, or ask for "ignore" or
 * "inherit".
 *
 * @example
 * const p = spawnProcess(["sort"], { stderr: "inherit" });
 * try { … } finally { p.kill(); }
 */
export function spawnProcess(command: string | readonly string[], options: SpawnProcessOptions = {}): Subprocess {
  checkOptionKeys("spawnProcess", options, ["cwd", "env", "stdin", "stdout", "stderr"]);
  return launch("spawnProcess", command, options);
}

/**
 * Runs `body` with a process started as by `spawnProcess`, and closes it
 * when `body` ends in any way (returns, throws, is killed or timed out):
 * the whole process group is killed if it still runs, and our ends of the
 * pipes are closed. The streamed counterpart of exec's guarantee.
 *
 * @example
 * const first = yield* withProcess(["tail", "-f", log], {}, function* (p) {
 *   const n = yield* p.stdout!.recv(buf);
 *   return buf.subarray(0, n).toString();
 * });
 */
export function withProcess<T>(
  command: string | readonly string[],
  options: SpawnProcessOptions,
  body: (p: Subprocess) => Operation<T>,
): Operation<T> {
  argvOf("withProcess", command);
  checkSpawnOptions("withProcess", options);
  if (typeof body !== "function") throw new TypeError(`withProcess: body must be a function, got ${typeof body}`);
  return scoped(command, options, body);
}

function* scoped<T>(
  command: string | readonly string[],
  options: SpawnProcessOptions,
  body: (p: Subprocess) => Operation<T>,
): Operation<T> {
  const p = launch("withProcess", command, options);
  try {
    return yield* body(p);
  } finally {
    p.close();
  }
}
