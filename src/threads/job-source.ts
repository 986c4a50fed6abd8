/**
 * How a pool job names the code it runs, and how an offloaded call is joined.
 *
 * A job crosses to a worker as a module URL and an export name, or as the
 * source of a self-contained function (worker.ts imports the one, evaluates
 * the other). `moduleUrl` and `functionSource` check and normalise these at
 * the call, so a bad argument throws there, not on the worker. `joinCall` is
 * offload()'s operation: it joins the job, and withdraws it (kills it while
 * queued, drops its result if running) when the caller leaves early.
 *
 * worker.ts knows the forms produced here (file:, data:, node: URLs; a
 * function expression's source); if either changes, adjust the other.
 */

import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import { TaskletError } from "../core/errors.js";
import { current, type Operation } from "../core/op.js";
import { DONE, type PoolTasklet } from "./handle.js";

/** offload's operation: join the call; a kill of the caller withdraws it if still queued. */
export function* joinCall<R>(job: PoolTasklet<R>): Operation<R> {
  if (current === null) {
    job.kill();
    throw new TaskletError("offload must be used with yield* inside a tasklet");
  }
  try {
    return yield* job.join();
  } finally {
    if (job.state !== DONE) {
      job.abandoned = true;
      job.kill();
    }
  }
}

/** A module argument (URL or absolute path) as a URL string; throws naming `what` (spawn, offload). */
export function moduleUrl(what: string, m: string | URL): string {
  if (m instanceof URL) return m.href;
  if (typeof m !== "string") throw new TypeError(`${what}: module must be a URL or an absolute path, got ${typeof m}`);
  if (/^(file|data|node):/.test(m)) return m;
  if (isAbsolute(m)) return pathToFileURL(m).href;
  throw new TypeError(
    `${what}: module must be a URL or an absolute path (e.g. new URL("./jobs.js", import.meta.url)), got ${JSON.stringify(m)}`,
  );
}

/** The source of `fn` as a function expression a worker can evaluate; refuses native and bound functions. */
export function functionSource(fn: Function): string {
  const src = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}$/.test(src)) {
    throw new TypeError(`offload: ${fn.name || "the function"} is native or bound; pass a module and export name`);
  }
  // A method shorthand (`name(a) {…}`) is not an expression: make it one.
  if (!/^(async\s+)?(function\b|\(|[A-Za-z_$][\w$]*\s*=>)/.test(src)) {
    return src.startsWith("async ") ? `async function ${src.slice(6)}` : `function ${src}`;
  }
  return src;
}
