/**
 * The errors of the runtime. Every one is a `TaskletError`, so a caller can
 * tell the runtime's errors from its own with one `instanceof`.
 */

/** Base class of every error the runtime throws. */
export class TaskletError extends Error {
  override name = "TaskletError";
}

/**
 * An error escaped a tasklet that nobody joins. `cause` is the error; the
 * message names the tasklet. This is what `onUncaught` receives.
 */
export class UncaughtError extends TaskletError {
  override name = "UncaughtError";
  constructor(
    error: unknown,
    /** The id of the tasklet the error escaped (`Tasklet.id`). */
    readonly taskletId: number,
    /** The name of that tasklet (`Tasklet.name`). */
    readonly taskletName: string,
  ) {
    const msg = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    super(`uncaught error in tasklet #${taskletId} ${taskletName}: ${msg}`, { cause: error });
  }
}

/** Thrown by `join()` of a tasklet that was killed. */
export class KilledError extends TaskletError {
  override name = "KilledError";
}

/**
 * Thrown by `timeout(ms, op)` when `op` did not finish in time. If the op
 * did part of its work (a TCP send), `sent` says how much (bytes).
 */
export class TimeoutError extends TaskletError {
  override name = "TimeoutError";
  /** Bytes of an interrupted send that went out (undefined for other ops). */
  sent?: number;
}

/** Thrown by `join()` of a tasklet spawned with `joinable: false`. */
export class NotJoinableError extends TaskletError {
  override name = "NotJoinableError";
}

/**
 * Every blocked tasklet waits for something that nothing left can bring:
 * the message lists each one and what it waits on. Also thrown by a wait on
 * a mutex, a join or a dispatched body that would close a cycle of such
 * waits while the rest of the program runs (core/wait-for.ts): then
 * `message` names the cycle and `blocked` lists the tasklets in it, the
 * one whose wait closed it first (that wait did not start).
 */
export class DeadlockError extends TaskletError {
  override name = "DeadlockError";
  /** One line per blocked tasklet: `#id name: waits on …`. */
  readonly blocked: readonly string[];
  constructor(blocked: readonly string[], message?: string) {
    super(message ?? `all tasklets are asleep - deadlock!\n${blocked.map((line) => `  ${line}`).join("\n")}`);
    this.blocked = blocked;
  }
}

/** A channel operation failed. */
export class ChannelError extends TaskletError {
  override name = "ChannelError";
}

/** `recvTimeout(ms)` found no value in time. */
export class ChannelTimeoutError extends ChannelError {
  override name = "ChannelTimeoutError";
}

/** The channel was closed and holds no more values. */
export class ChannelClosedError extends ChannelError {
  override name = "ChannelClosedError";
}

/** An I/O operation failed; `code` is the system's code (`ECONNREFUSED`, …). */
export class IOError extends TaskletError {
  override name = "IOError";
  /** The system's error code (`ECONNREFUSED`, `ENOENT`, …); undefined when the failure had none. */
  readonly code: string | undefined;
  /** Bytes of an interrupted TCP send that went out before it failed (set by send only). */
  sent?: number;
  constructor(message: string, options?: { cause?: unknown; code?: string | undefined }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = options?.code;
  }
}

/** The peer closed the stream (or end of file): no more bytes will come. */
export class ClosedError extends IOError {
  override name = "ClosedError";
}
