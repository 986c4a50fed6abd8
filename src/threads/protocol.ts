/**
 * The messages between the pool (pool.ts, on the thread that made it) and
 * its workers (worker.ts), and how values cross: arguments and results are
 * structured-cloned by `postMessage`, except that a `ThreadChannel` (whose
 * class would be lost) travels as its SharedArrayBuffer and is mapped back
 * to the receiving thread's object for it; errors travel as their name,
 * message, stack and code, and are rebuilt with the same class when it is a
 * standard or a tasklet error.
 *
 * pool.ts and worker.ts both depend on this layout.
 */

import {
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
} from "../core/errors.js";
import { ThreadChannel } from "./channel.js";

/** A job: a tasklet to run, or a plain function to call (offload). */
export interface RunMessage {
  type: "run";
  id: number;
  /** "tasklet": a generator function export; "call": a plain function export; "source": a function's source. */
  kind: "tasklet" | "call" | "source";
  /** Module URL (tasklet, call) or function source (source). */
  target: string;
  exportName: string;
  args: unknown[];
}

export type ToWorker = RunMessage | { type: "kill"; id: number };

export type FromWorker =
  | { type: "want" }
  | { type: "bounce"; id: number }
  | {
      type: "done";
      id: number;
      outcome: "ok" | "error" | "killed";
      value?: unknown;
      error?: WireError;
      /** The worker is idle and asks for a job (a `want` in the same message). */
      want: boolean;
    };

export interface WireError {
  name: string;
  message: string;
  stack: string | undefined;
  code: unknown;
  cause?: WireError | undefined;
}

const CHANNEL = "__taskletThreadChannel";

const CLASSES: Record<string, new (message: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  TaskletError,
  KilledError,
  TimeoutError,
  NotJoinableError,
  ChannelError,
  ChannelClosedError,
  ChannelTimeoutError,
  IOError,
  ClosedError,
  DeadlockError: DeadlockError as unknown as new (message: string) => Error,
};

export function toWire(e: unknown, depth = 0): WireError {
  if (e instanceof Error) {
    const out: WireError = {
      name: e.name,
      message: e.message,
      stack: e.stack,
      code: (e as { code?: unknown }).code,
    };
    if (e.cause !== undefined && depth < 4) out.cause = toWire(e.cause, depth + 1);
    return out;
  }
  return { name: "Error", message: `non-error thrown: ${String(e)}`, stack: undefined, code: undefined };
}

/** Rebuilds an error; its stack is the remote one, followed by `where`. */
export function fromWire(w: WireError, where: string): Error {
  const Cls = CLASSES[w.name] ?? Error;
  const e = Object.create(Cls.prototype) as Error;
  Object.defineProperty(e, "message", { value: w.message, writable: true, configurable: true });
  if (e.name !== w.name) Object.defineProperty(e, "name", { value: w.name, writable: true, configurable: true });
  const stack = `${w.stack ?? `${w.name}: ${w.message}`}\n    at <${where}>`;
  Object.defineProperty(e, "stack", { value: stack, writable: true, configurable: true });
  if (w.code !== undefined) (e as { code?: unknown }).code = w.code;
  if (w.cause !== undefined) Object.defineProperty(e, "cause", { value: fromWire(w.cause, where), configurable: true });
  return e;
}

/** Replaces every ThreadChannel in arrays and plain objects by its shared buffer. */
export function pack(v: unknown, depth = 0): unknown {
  if (typeof v !== "object" || v === null || depth > 16) return v;
  if (v instanceof ThreadChannel) return { [CHANNEL]: (v as ThreadChannel<unknown>).ring.sab };
  if (Array.isArray(v)) return v.map((x) => pack(x, depth + 1));
  if (Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = pack(x, depth + 1);
    return out;
  }
  return v;
}

/** The inverse of `pack`, on the receiving thread. */
export function unpack(v: unknown, depth = 0): unknown {
  if (typeof v !== "object" || v === null || depth > 16) return v;
  if (Array.isArray(v)) return v.map((x) => unpack(x, depth + 1));
  if (Object.getPrototypeOf(v) === Object.prototype) {
    const sab = (v as Record<string, unknown>)[CHANNEL];
    if (sab instanceof SharedArrayBuffer) return ThreadChannel.fromShared(sab);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = unpack(x, depth + 1);
    return out;
  }
  return v;
}
