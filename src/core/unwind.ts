/**
 * The watch on a kill's (or an exit's) unwinding across user frames.
 *
 * A kill resumes the tasklet with `gen.return()`; `yield*` forwards the
 * return down to the innermost frame, and every `finally` on the way runs.
 * If one of them (frame F) waits, JavaScript suspends F inside its
 * `finally`, and the scheduler later resumes it with `next()`. When F's
 * `finally` ends, F returns, but its caller G receives that as the normal
 * end of its `yield* F()` (the spec's yield* keeps no memory of the return
 * it forwarded): G goes on with the code after the call. Effection has the
 * same trap (thefrontside/effection#1190); the runtime cannot mark G, which
 * is user code.
 *
 * What it can do is notice. The first op started after a return was
 * delivered runs inside that `return()` call chain, and V8's stack shows it:
 * each generator frame is followed by the native `<name>.return` /
 * `<name>.next` frame that entered it. The frames entered through `.return`
 * are those the return passed through; the innermost of them is F, and the
 * frames outside F (the "prefix") are suspended in their `yield*`, each at a
 * fixed source position, for as long as F's cleanup runs. So at every later
 * op of the dying tasklet: if the prefix still stands, the op is part of the
 * cleanup (F's `finally`, or a helper it calls, or a deeper frame); if a
 * frame of the prefix stands elsewhere, it resumed after F ended: the kill
 * was lost there, and the runtime delivers it again at this op. G then
 * unwinds as it should (its own `finally` blocks run, and may wait: they are
 * watched the same way).
 *
 * Limits: the code of G between the end of F and G's next op (synchronous
 * code, no wait) has run before the runtime can see it; a frame that calls F
 * again from the same position (a loop) is not noticed. docs/reliability.md
 * ("Kills") says so. Library frames whose cleanup waits (cancellable,
 * scope, readFile) re-arm the kill themselves (`UNWIND`, cancel.ts), before
 * any code of their caller runs.
 *
 * Cost: nothing for a tasklet that is not unwinding. A dying or exiting
 * tasklet's ops take op.ts's slow path, and this watch captures the stack
 * once per op of a cleanup that waits (a few µs); a kill whose cleanup never
 * waits captures nothing.
 *
 * Invariant: `ext.unwindFrames` is null from a return's delivery (kill,
 * exit, UNWIND, a re-delivery here) until the first op after it, which sets
 * it to the prefix.
 */

import type { Tasklet } from "./tasklet.js";

/** A native frame that entered a generator: `at name.next (<anonymous>)`, `.return`, `.throw`. */
const ENTRY = /^\s*at (?:.*\.)?(next|return|throw) \(<anonymous>\)$/;
/** The scheduler's frames: where the tasklet's own stack ends. */
const BOTTOM = /\bRuntime\.step\b|\bprobeSuspension\b/;

/**
 * Called at the start of an op of a dying or exiting tasklet (op.ts).
 * Returns true if the return must be delivered again here: a frame above the
 * cleanup resumed after the cleanup ended.
 */
export function unwindLost(t: Tasklet): boolean {
  const e = t.extra();
  const frames = generatorFrames();
  if (frames === null) return false;
  const prefix = e.unwindFrames;
  if (prefix === null) {
    // The first op after a return was delivered: F is the innermost frame entered by `.return`.
    let f = -1;
    for (let i = frames.length - 1; i >= 0; i--) {
      if ((frames[i] as GenFrame).via === "return") {
        f = i;
        break;
      }
    }
    e.unwindFrames = f < 0 ? [] : frames.slice(0, f).map((g) => g.at);
    return false;
  }
  for (let i = 0; i < prefix.length; i++) {
    if (frames[i]?.at !== prefix[i]) {
      e.unwindFrames = null; // the return delivered now starts a new watch
      return true;
    }
  }
  return false;
}

/** A return is delivered to `t` (UNWIND): the next op starts a new watch. */
export function unwindRestarts(t: Tasklet): void {
  const e = t.ext;
  if (e !== null) e.unwindFrames = null;
}

interface GenFrame {
  /** The frame's line of the stack: its function and position. */
  at: string;
  /** How it was entered. */
  via: string;
}

/** The generator frames of the running tasklet, outermost (its body) first; null if the stack is cut. */
function generatorFrames(): GenFrame[] | null {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Number.POSITIVE_INFINITY;
  const stack = new Error("unwind").stack;
  Error.stackTraceLimit = limit;
  if (stack === undefined) return null;
  const lines = stack.split("\n");
  const out: GenFrame[] = [];
  let bottom = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (BOTTOM.test(line)) {
      bottom = true;
      break;
    }
    const m = ENTRY.exec(lines[i + 1] ?? "");
    if (m !== null && !ENTRY.test(line)) out.push({ at: line, via: m[1] as string });
  }
  if (!bottom) return null;
  return out.reverse();
}
