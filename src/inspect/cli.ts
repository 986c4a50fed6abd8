#!/usr/bin/env node
/**
 * The runner: `tasklet run <app.ts|app.js> [--workers N] [--dump-on-exit] [--trace] [-- args…]`,
 * and `tasklet node --servers URL [--workers N] [--name NAME]`, a cluster node (src/cluster/node.ts).
 *
 * Loads the module and runs its main tasklet (its default export, or an
 * export named `main`: a generator function, called with the arguments
 * after the file) under `main()`: SIGINT/SIGTERM kill it and its cleanup
 * runs, SIGQUIT prints a dump of every tasklet, a deadlock prints the dump
 * and exits 2, an uncaught error exits 1.
 *
 * TypeScript (.ts, .mts, .tsx) is loaded in this process through tsx's ESM
 * hooks (`register()` of `tsx/esm/api`, Node >= 20.6), so signals reach the
 * app directly and the app shares this process's copy of the runtime. The
 * app's project must have `tsx` (npm install --save-dev tsx), and the app
 * must be an ES module (`.mts`, or `"type": "module"` in its package.json). Plain JavaScript
 * needs nothing. Source maps are turned on before the app loads, so stacks
 * and dumps of compiled code name the lines of the sources.
 *
 * `--workers N` sets `TASKLET_WORKERS=N`, which the threads layer reads for
 * the size of its default pool (`offload`, `defaultPool()`); `--trace` sets `TASKLET_TRACE=1` (spawn sites
 * in dumps, 5–10 µs a spawn); `--dump-on-exit` prints the dump when the
 * main tasklet ends, showing what it leaves behind.
 */

import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Operation } from "../core/op.js";
import { main } from "../core/run.js";
import { dump } from "./dump.js";
import { trace } from "./trace.js";

const USAGE = `usage: tasklet run <app.ts|app.js> [args...] [--workers N] [--dump-on-exit] [--trace] [-- app args...]

Runs the module's main tasklet (its default export, or an export named main:
a generator function, called with the arguments after the file) under main().
  --workers N      size of the worker pool (sets TASKLET_WORKERS)
  --dump-on-exit   print a dump of every tasklet when the main tasklet ends
  --trace          record where each tasklet is spawned, for dumps (sets TASKLET_TRACE=1)
SIGQUIT (kill -QUIT <pid>) prints a dump of every tasklet; a deadlock prints it and exits 2.

       tasklet node --servers nats://HOST:PORT [--workers N] [--name NAME]
Serves a cluster's jobs (tasklet/cluster) until SIGTERM, which drains it.`;

export interface RunnerArgs {
  file: string;
  workers: number | null;
  dumpOnExit: boolean;
  trace: boolean;
  args: string[];
}

/** Parses the runner's command line (without `node` and the script); throws a message for the user. */
export function parseArgs(argv: readonly string[]): RunnerArgs {
  const [command, ...rest] = argv;
  if (command !== "run") throw new UsageError(command === undefined ? "" : `unknown command: ${command}`);
  const out: RunnerArgs = { file: "", workers: null, dumpOnExit: false, trace: false, args: [] };
  // The runner's flags may come before or after the file; the app's arguments follow the file or `--`.
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a === "--") {
      // Everything after `--` belongs to the app.
      out.args.push(...rest.slice(i + 1));
      break;
    }
    if (a === "--dump-on-exit") out.dumpOnExit = true;
    else if (a === "--trace") out.trace = true;
    else if (a === "--workers" || a.startsWith("--workers=")) {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : rest[++i];
      const n = Number(v);
      if (v === undefined || !Number.isInteger(n) || n < 1) {
        throw new UsageError(`--workers must be a whole number >= 1, got ${v ?? "nothing"}`);
      }
      out.workers = n;
    } else if (a === "-h" || a === "--help") throw new UsageError("");
    else if (a.startsWith("-")) throw new UsageError(`unknown flag: ${a} (the app's own flags go after --)`);
    else if (out.file === "") out.file = a;
    else out.args.push(a);
  }
  if (out.file === "") throw new UsageError("no file to run");
  return out;
}

/** A mistake of the user's: printed without a stack (with the usage when `usage` is set). */
class UsageError extends Error {
  constructor(
    message: string,
    readonly usage = true,
  ) {
    super(message);
  }
}

const TS_EXTENSIONS = new Set([".ts", ".mts", ".cts", ".tsx"]);

/** Loads `file` (through tsx if it is TypeScript) and returns its main tasklet's function. */
export async function loadMain(file: string): Promise<(...args: string[]) => Operation<unknown>> {
  const path = resolve(file);
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`cannot find ${file}`, false);
  if (TS_EXTENSIONS.has(extname(path))) await registerTsx(path);
  let mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  const inner = mod["default"];
  // A CommonJS module (a .ts or .js where package.json has no "type": "module") comes as { default: exports }.
  if (typeof inner === "object" && inner !== null && mod["main"] === undefined) mod = inner as Record<string, unknown>;
  const fn = typeof mod["default"] === "function" ? mod["default"] : mod["main"];
  if (typeof fn !== "function") {
    throw new UsageError(
      `${file} has no main tasklet: export a generator function as default (export default function* () {…}) or as main (export function* main() {…})`,
      false,
    );
  }
  return fn as (...args: string[]) => Operation<unknown>;
}

let tsxRegistered = false;

type TsxApi = { register: () => unknown };

/**
 * Registers tsx's ESM hooks. Only ESM: with tsx's CommonJS hooks a CommonJS
 * app would `require` this package through tsx's transform, a second copy of
 * the runtime beside the runner's. So a TypeScript app must be an ES module
 * (`.mts`, or `"type": "module"` in its package.json), as this package is.
 */
async function registerTsx(appPath: string): Promise<void> {
  if (tsxRegistered) return;
  if (extname(appPath) === ".cts" || (extname(appPath) !== ".mts" && !isEsmScope(dirname(appPath)))) {
    throw new UsageError(
      `${appPath} would load as CommonJS: name it .mts or add "type": "module" to its package.json (tasklet is an ES module)`,
      false,
    );
  }
  const esm = await importTsx("tsx/esm/api", appPath);
  esm.register();
  tsxRegistered = true;
}

/** Whether the nearest package.json above `dir` says "type": "module". */
function isEsmScope(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    const pj = join(d, "package.json");
    if (existsSync(pj)) {
      try {
        return (JSON.parse(readFileSync(pj, "utf8")) as { type?: unknown }).type === "module";
      } catch {
        return false;
      }
    }
    if (dirname(d) === d) return false;
  }
}

async function importTsx(specifier: string, appPath: string): Promise<TsxApi> {
  try {
    return (await import(specifier)) as TsxApi;
  } catch {
    // Not next to this package: look where the app is.
    try {
      const where = createRequire(appPath).resolve(specifier);
      return (await import(pathToFileURL(where).href)) as TsxApi;
    } catch {
      throw new UsageError("running TypeScript needs tsx: npm install --save-dev tsx (or run the compiled .js)", false);
    }
  }
}

/** The runner's entry: returns the exit code (main() exits the process itself once the app ran). */
export async function runCli(argv: readonly string[]): Promise<number> {
  if (argv[0] === "node") {
    // Loaded only for this command: the cluster layer brings the NATS client.
    const { runNodeCommand } = await import("../cluster/node.js");
    return runNodeCommand(argv.slice(1));
  }
  let args: RunnerArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    return usage(e);
  }
  if (args.workers !== null) process.env["TASKLET_WORKERS"] = String(args.workers);
  if (args.trace) {
    process.env["TASKLET_TRACE"] = "1";
    trace(true);
  }
  process.setSourceMapsEnabled(true);
  let fn: (...a: string[]) => Operation<unknown>;
  try {
    fn = await loadMain(args.file);
  } catch (e) {
    return usage(e);
  }
  const appArgs = args.args;
  const dumpOnExit = args.dumpOnExit;
  function* root(): Operation<unknown> {
    try {
      const body: unknown = fn(...appArgs);
      if (typeof (body as Operation<unknown> | null)?.[Symbol.iterator] !== "function") {
        throw new TypeError(
          `${args.file}: the main tasklet must be a generator function (function*), got one returning ${typeof body}`,
        );
      }
      return yield* body as Operation<unknown>;
    } finally {
      if (dumpOnExit) process.stderr.write(dump());
    }
  }
  return main(root, { name: "main" });
}

function usage(e: unknown): number {
  if (!(e instanceof UsageError)) throw e;
  if (e.message !== "") process.stderr.write(`tasklet: ${e.message}\n`);
  if (e.usage) process.stderr.write(`${e.message === "" ? "" : "\n"}${USAGE}\n`);
  return 2;
}

// Run when executed (the package's bin), not when imported by a test.
const self = process.argv[1];
if (self !== undefined && import.meta.url === pathToFileURL(resolveLink(self)).href) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`tasklet: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

function resolveLink(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
