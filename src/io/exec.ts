/**
 * exec: run a command to its end and capture its output (the ntkd tasklet
 * interface's exec_command), blocking only the calling tasklet.
 *
 * The end is the child's `'exit'`. Output still in the pipes then is read
 * for at most `waitDelay` ms more, as Go's `exec.Cmd.WaitDelay` does: a
 * grandchild that inherited the pipes (`sh -c 'sleep 30 & echo hi'`) keeps
 * them open, and must not keep exec waiting. The grandchild is not killed
 * after a normal exit (it may be a daemon started on purpose); our ends of
 * the pipes are closed.
 *
 * A kill or a timeout of the calling tasklet kills the whole process group
 * with SIGKILL (the child leads a group of its own, see process.ts). The
 * group has a price: Node makes it with setsid(), and on Linux with
 * sched_autogroup a new session is a new scheduling group, so on a loaded
 * machine the child runs later (execFile with `detached: true` measured
 * 7.3 ms against 5.9 ms without, at load 8 on 2 cores; equal when idle).
 *
 * Output over `maxOutput` bytes (on stdout or stderr) kills the group and
 * throws `OutputLimitError`, which carries the first `maxOutput` bytes of
 * each: a silently truncated result is too easy to mistake for a whole one.
 */

import { checkOptionKeys } from "../core/check.js";
import { IOError, TimeoutError } from "../core/errors.js";
import type { Operation } from "../core/op.js";
import { timeout } from "../time/timeout.js";
import { argvOf, checkSpawnOptions, launch } from "./process.js";
import { Latch } from "./waiting.js";

/** Options of `exec(argv, options)`. */
export interface ExecOptions {
  /** Working directory of the child (default: ours). */
  cwd?: string;
  /** The child's whole environment (default: ours). */
  env?: Record<string, string | undefined>;
  /** Written to the child's stdin, which is then closed (default: stdin is /dev/null). */
  input?: string | Uint8Array;
  /** Most bytes captured from stdout and from stderr, each (default 16 MiB). */
  maxOutput?: number;
  /** How long to read the pipes after the child exited, in ms (default 100). */
  waitDelay?: number;
}

/** What exec returns: the output and the exit status. */
export interface ExecResult {
  /** What the child wrote to stdout, decoded as UTF-8. */
  stdout: string;
  /** What the child wrote to stderr, decoded as UTF-8. */
  stderr: string;
  /** The exit code, or 128 + the number of the signal that ended the process. */
  exitStatus: number;
}

/** The command wrote more than `maxOutput` bytes; it was killed. */
export class OutputLimitError extends IOError {
  override name = "OutputLimitError";
  constructor(
    message: string,
    /** The first maxOutput bytes of stdout, decoded as UTF-8. */
    readonly stdout: string,
    /** The first maxOutput bytes of stderr, decoded as UTF-8. */
    readonly stderr: string,
  ) {
    super(message, { code: "ERR_OUTPUT_LIMIT" });
  }
}

export const DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024;
export const DEFAULT_WAIT_DELAY_MS = 100;

/** Collects one output pipe, up to a limit. */
class Capture {
  readonly chunks: Buffer[] = [];
  size = 0;
  over = false;
  ended = false;
  constructor(
    stream: NodeJS.ReadableStream | null,
    private readonly limit: number,
    private readonly onOver: () => void,
    private readonly onEnd: () => void,
  ) {
    if (stream === null) {
      this.ended = true;
      return;
    }
    stream.on("data", (c: Buffer) => this.add(c));
    stream.on("end", this.end);
    stream.on("close", this.end);
    stream.on("error", this.end);
  }
  private add(c: Buffer): void {
    if (this.over) return;
    const room = this.limit - this.size;
    if (c.length > room) {
      if (room > 0) this.chunks.push(c.subarray(0, room));
      this.size = this.limit;
      this.over = true;
      this.onOver();
      return;
    }
    this.chunks.push(c);
    this.size += c.length;
  }
  private readonly end = (): void => {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
  };
  text(): string {
    return Buffer.concat(this.chunks, this.size).toString("utf8");
  }
}

/**
 * Runs `command` (an argv array, or a command line run by `/bin/sh -c`)
 * and waits for it to end: its stdout, stderr and exit status. A non-zero
 * status is a result, not an error; a command that cannot start throws
 * `IOError` (`ENOENT`, …; a `cwd` that does not exist is named as such).
 * Errors and dumps name the command by its program and argument count
 * (`exec curl (+3 args)`), never its arguments, which may hold secrets;
 * TASKLET_TRACE=1 in the environment when it starts shows them.
 *
 * @example
 * const { stdout, exitStatus } = yield* exec(["git", "rev-parse", "HEAD"], { cwd: repo });
 * const r = yield* timeout(5000, exec("sort -u", { input: lines }));
 */
export function exec(command: string | readonly string[], options: ExecOptions = {}): Operation<ExecResult> {
  checkOptionKeys("exec", options, ["cwd", "env", "input", "maxOutput", "waitDelay"]);
  const input = options.input;
  if (input !== undefined && typeof input !== "string" && !(input instanceof Uint8Array)) {
    throw new TypeError(`exec: options.input must be a string or a Uint8Array, got ${typeof input}`);
  }
  const maxOutput = options.maxOutput ?? DEFAULT_MAX_OUTPUT;
  if (!Number.isInteger(maxOutput) || maxOutput < 0) {
    throw new RangeError(`exec: options.maxOutput must be an integer >= 0, got ${String(maxOutput)}`);
  }
  const waitDelay = options.waitDelay ?? DEFAULT_WAIT_DELAY_MS;
  if (typeof waitDelay !== "number" || !(waitDelay >= 0) || waitDelay === Number.POSITIVE_INFINITY) {
    throw new RangeError(`exec: options.waitDelay must be a finite number >= 0, got ${String(waitDelay)}`);
  }
  // Validates the command and the rest of the options at the call.
  const spawnOptions = {
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.env === undefined ? {} : { env: options.env }),
    stdin: input === undefined ? ("ignore" as const) : ("pipe" as const),
  };
  argvOf("exec", command);
  checkSpawnOptions("exec", spawnOptions);
  return run(command, spawnOptions, input, maxOutput, waitDelay);
}

function* run(
  command: string | readonly string[],
  spawnOptions: Parameters<typeof launch>[2],
  input: string | Uint8Array | undefined,
  maxOutput: number,
  waitDelay: number,
): Operation<ExecResult> {
  const p = launch("exec", command, spawnOptions);
  const child = p.child;
  const pipes = new Latch<void>(`the output pipes of process ${p.pid ?? "?"} (${p.label})`);
  const onEnd = (): void => {
    if (out.ended && err.ended) pipes.set(undefined);
  };
  const onOver = (): void => {
    p.kill();
  };
  const out = new Capture(child.stdout, maxOutput, onOver, onEnd);
  const err = new Capture(child.stderr, maxOutput, onOver, onEnd);
  if (child.stdin !== null) {
    child.stdin.on("error", () => {}); // EPIPE: the child did not read all of its input
    child.stdin.end(input);
  }
  let finished = false;
  try {
    const exitStatus = yield* p.wait();
    if (out.over || err.over) {
      throw new OutputLimitError(
        `exec ${p.label}: output over the limit of ${maxOutput} bytes; the process was killed`,
        out.text(),
        err.text(),
      );
    }
    if (!pipes.isSet) {
      try {
        yield* timeout(waitDelay, pipes.op);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        // A process that outlived the child holds the pipes: keep what came, stop reading.
      }
    }
    finished = true;
    return { stdout: out.text(), stderr: err.text(), exitStatus };
  } finally {
    if (!finished) p.kill(); // the whole group, grandchildren included
    child.stdin?.destroy();
    child.stdout?.destroy();
    child.stderr?.destroy();
  }
}
