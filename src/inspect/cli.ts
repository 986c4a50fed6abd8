#!/usr/bin/env node
/**
 * The command-line tool: `tasklet run <app.ts|app.js> [--workers N] [--dump-on-exit] [--trace] [--watchdog N] [--console] [-- args…]`,
 * `tasklet node --servers URL [--workers N] [--name NAME]` (a cluster node, src/cluster/node.ts;
 * SIGQUIT prints its dump, with the jobs it runs),
 * `tasklet --help`, `tasklet --version`.
 *
 * `run` loads the module and runs its main tasklet (its default export, or an
 * export named `main`: a generator function, called with the arguments
 * after the file) under `main()`: SIGINT/SIGTERM kill it and its cleanup
 * runs, SIGQUIT prints a dump of every tasklet, a deadlock prints the dump
 * and exits 2, an uncaught error exits 1. A module that exports no main
 * tasklet but starts its own (it calls `main()` or `run()` when loaded, as
 * examples/first.ts does) is left to run as it is.
 *
 * TypeScript (.ts, .mts) is loaded in this process, so signals reach the app
 * directly and the app shares this process's copy of the runtime: by Node's
 * own type stripping where Node has it (22.18+, 23.6+), else through tsx's
 * ESM hooks (`register()` of `tsx/esm/api`), which the app's project must
 * then have (npm install --save-dev tsx). Type stripping takes erasable
 * syntax only (no enum, no namespace, no parameter properties) and imports
 * that name the `.ts` file; a module it refuses is loaded through tsx when
 * tsx is there. Either way a line on stderr says when tsx is used. The app
 * must be an ES module (`.mts`, or `"type": "module"` in its package.json).
 * Plain JavaScript needs nothing. Source maps are turned on before the app
 * loads, so stacks and dumps of compiled code name the lines of the sources.
 *
 * `--workers N` sets `TASKLET_WORKERS=N`, which the threads layer reads for
 * the size of its default pool (`offload`, `defaultPool()`); `--trace` sets `TASKLET_TRACE=1` (spawn sites
 * in dumps, 5–10 µs a spawn); `--watchdog N` sets `TASKLET_WATCHDOG_MS=N` (a tasklet holding
 * the thread longer than N ms is named on stderr); `--dump-on-exit` prints the dump when the
 * main tasklet ends, showing what it leaves behind; `--console` (or TASKLET_CONSOLE=1) serves the live
 * console (console.ts) and prints its URL before the app loads.
 *
 * Each subcommand is an entry of `COMMANDS`: its options (for `node:util`'s
 * `parseArgs`), its usage text and what it does.
 */

import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type ParseArgsConfig, parseArgs as parseArgv } from "node:util";
import type { Operation } from "../core/op.js";
import { main } from "../core/run.js";
import { consoleRequested, startConsole } from "./console.js";
import { dump } from "./dump.js";
import { tasklets } from "./snapshot.js";
import { trace } from "./trace.js";

/** A subcommand: its options, its usage text, and what it does with what was parsed. */
interface Command {
  /** One line for `tasklet --help`. */
  readonly summary: string;
  /** Its usage, printed after a mistake and by `tasklet <command> --help`. */
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig["options"]>;
  /** Runs it; returns the exit code. */
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number>;
}

const RUN_USAGE = `usage: tasklet run <app.ts|app.js> [args...] [--workers N] [--dump-on-exit] [--trace] [--watchdog N] [--console] [-- app args...]

Runs the module's main tasklet (its default export, or an export named main:
a generator function, called with the arguments after the file) under main().
A module that starts its own main() when loaded runs as it is.
  --workers N      size of the worker pool (sets TASKLET_WORKERS)
  --dump-on-exit   print a dump of every tasklet when the main tasklet ends
  --trace          record where each tasklet is spawned, for dumps (sets TASKLET_TRACE=1)
  --watchdog N     name on stderr a tasklet that holds the thread over N ms (sets TASKLET_WATCHDOG_MS)
  --console        serve a live web page of the tasklets on 127.0.0.1; its URL goes to stderr (sets TASKLET_CONSOLE=1)
TypeScript runs by Node's type stripping (Node 22.18+), else through tsx.
SIGQUIT (kill -QUIT <pid>) prints a dump of every tasklet; a deadlock prints it and exits 2.`;

const COMMANDS: Record<string, Command> = {
  run: {
    summary: "run a module's main tasklet under main()",
    usage: RUN_USAGE,
    options: {
      workers: { type: "string" },
      "dump-on-exit": { type: "boolean" },
      trace: { type: "boolean" },
      watchdog: { type: "string" },
      console: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    run: (values, positionals) => runApp(runnerArgs(values, positionals)),
  },
};

function topUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: tasklet <command> [options]

commands:
${lines.join("\n")}

  node  serve a cluster's jobs until SIGTERM: tasklet node --servers nats://HOST:PORT [--workers N] [--name NAME]

  tasklet <command> --help   that command's options
  tasklet --version          the version of tasklet`;
}

export interface RunnerArgs {
  file: string;
  workers: number | null;
  dumpOnExit: boolean;
  trace: boolean;
  /** `--watchdog N`: ms, or null. */
  watchdog: number | null;
  /** `--console`: serve the live console. */
  console: boolean;
  args: string[];
}

/** Splits a command line (without `node` and the script) into its command and what `parseArgs` made of the rest. */
function parseCommand(argv: readonly string[]): {
  name: string;
  command: Command;
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
} {
  const [name, ...rest] = argv;
  if (name === undefined) throw new UsageError("", topUsage());
  const command = COMMANDS[name];
  if (command === undefined) throw new UsageError(`unknown command: ${name}`, topUsage());
  // The command's flags may come before or after the file; the app's arguments follow the file or `--`.
  try {
    const { values, positionals } = parseArgv({
      args: rest,
      options: command.options,
      allowPositionals: true,
      strict: true,
    });
    return { name, command, values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS")) throw e;
    const m = /^Unknown option '([^']+)'/.exec((e as Error).message);
    const what = m === null ? (e as Error).message : `unknown flag: ${m[1]} (the app's own flags go after --)`;
    throw new UsageError(what, command.usage);
  }
}

function runnerArgs(values: Record<string, string | boolean | undefined>, positionals: string[]): RunnerArgs {
  const [file, ...args] = positionals;
  const workers = wholeAtLeastOne("--workers", values["workers"]);
  const watchdog = wholeAtLeastOne("--watchdog", values["watchdog"]);
  if (file === undefined) throw new UsageError("no file to run", RUN_USAGE);
  const dumpOnExit = values["dump-on-exit"] === true;
  return {
    file,
    workers,
    dumpOnExit,
    trace: values["trace"] === true,
    watchdog,
    console: values["console"] === true,
    args,
  };
}

/** The value of a flag that takes a whole number >= 1 (`--workers`, `--watchdog`), or null when absent. */
function wholeAtLeastOne(flag: string, v: string | boolean | undefined): number | null {
  if (typeof v !== "string") return null;
  const n = Number(v);
  if (v.trim() === "" || !Number.isInteger(n) || n < 1) {
    throw new UsageError(`${flag} must be a whole number >= 1, got ${v}`, RUN_USAGE);
  }
  return n;
}

/** Parses `tasklet run`'s command line (without `node` and the script); throws a message for the user. */
export function parseArgs(argv: readonly string[]): RunnerArgs {
  const { name, values, positionals } = parseCommand(argv);
  if (name !== "run") throw new UsageError(`not the run command: ${name}`, topUsage());
  return runnerArgs(values, positionals);
}

/** A mistake of the user's: printed without a stack, followed by `usage` when there is one. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string | null = null,
  ) {
    super(message);
  }
}

const TS_EXTENSIONS = new Set([".ts", ".mts", ".cts", ".tsx"]);

/** What `loadMain` found: the module's main tasklet, or `null` when the module started its own. */
export type MainTasklet = ((...args: string[]) => Operation<unknown>) | null;

/**
 * Loads `file` (TypeScript by Node's type stripping or through tsx) and returns
 * its main tasklet's function, or `null` when it exports none but started
 * tasklets of its own while loading (it called `main()` or `run()` itself).
 */
export async function loadMain(file: string): Promise<MainTasklet> {
  const path = resolve(file);
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`cannot find ${file}`);
  const listeners = process.listenerCount("SIGTERM");
  let mod = await importApp(file, path);
  const inner = mod["default"];
  // A CommonJS module (a .ts or .js where package.json has no "type": "module") comes as { default: exports }.
  if (typeof inner === "object" && inner !== null && mod["main"] === undefined) mod = inner as Record<string, unknown>;
  const fn = typeof mod["default"] === "function" ? mod["default"] : mod["main"];
  if (typeof fn === "function") return fn as (...args: string[]) => Operation<unknown>;
  // It runs itself: main() or run() made a root tasklet while the module loaded (main() of another
  // copy of the runtime, as when the app imports the sources, shows by its SIGTERM handler).
  if (tasklets({ stacks: false }).length > 0 || process.listenerCount("SIGTERM") > listeners) return null;
  throw new UsageError(
    `${file} has no main tasklet: export a generator function as default (export default function* () {…}) or as main (export function* main() {…}), or call main() in it`,
  );
}

/** Whether this Node strips TypeScript types itself (`process.features.typescript`, Node 22.10+ with the flag, 22.18+ by default). */
function nodeStripsTypes(): boolean {
  const ts = (process.features as unknown as Record<string, unknown>)["typescript"];
  return ts === "strip" || ts === "transform";
}

/**
 * Errors of Node's type stripping that tsx does not have: syntax it cannot erase, imports of
 * `./x.js` meaning `./x.ts`, a `.tsx` file (JSX).
 */
const STRIP_REFUSALS = new Set([
  "ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX",
  "ERR_INVALID_TYPESCRIPT_SYNTAX",
  "ERR_MODULE_NOT_FOUND",
  "ERR_UNKNOWN_FILE_EXTENSION",
]);

async function importApp(file: string, path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  if (!TS_EXTENSIONS.has(extname(path))) return (await import(url)) as Record<string, unknown>;
  checkEsm(path);
  if (!nodeStripsTypes()) {
    const tsx = await findTsx(path);
    if (tsx === null) {
      throw new UsageError(
        `running ${file} needs tsx on Node ${process.version}, which cannot strip types: npm install --save-dev tsx, or use Node 22.18 or later, or run the compiled .js`,
      );
    }
    note(`loading ${file} through tsx (Node ${process.version} cannot strip types; Node 22.18+ can)`);
    tsx.register();
    return (await import(url)) as Record<string, unknown>;
  }
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    // A refusal happens while Node loads and links the module graph, before any of it runs.
    const code = (e as { code?: unknown }).code;
    if (typeof code !== "string" || !STRIP_REFUSALS.has(code)) throw e;
    const reason = String((e as Error).message).split("\n")[0];
    const tsx = await findTsx(path);
    if (tsx === null) {
      throw new UsageError(
        `Node's type stripping cannot load ${file}: ${reason}\n(it takes erasable syntax only, and imports that name the .ts file; npm install --save-dev tsx to load the rest)`,
      );
    }
    note(`loading ${file} through tsx (Node's type stripping refused it: ${reason})`);
    tsx.register();
    // A new URL: the failed load stays in Node's module map under the old one.
    return (await import(`${url}?tsx`)) as Record<string, unknown>;
  }
}

function note(text: string): void {
  process.stderr.write(`tasklet: ${text}\n`);
}

type TsxApi = { register: () => unknown };

/**
 * A TypeScript app must be an ES module (`.mts`, or `"type": "module"` in its
 * package.json), as this package is: loaded as CommonJS (through tsx's
 * CommonJS hooks, or Node's), the app would `require` a second copy of the
 * runtime beside the runner's.
 */
function checkEsm(appPath: string): void {
  if (extname(appPath) === ".cts" || (extname(appPath) !== ".mts" && !isEsmScope(dirname(appPath)))) {
    throw new UsageError(
      `${appPath} would load as CommonJS: name it .mts or add "type": "module" to its package.json (tasklet is an ES module)`,
    );
  }
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

/** tsx's ESM API, next to this package or else next to the app; `null` when neither has it. */
async function findTsx(appPath: string): Promise<TsxApi | null> {
  const specifier = "tsx/esm/api";
  try {
    return (await import(specifier)) as TsxApi;
  } catch {
    try {
      const where = createRequire(appPath).resolve(specifier);
      return (await import(pathToFileURL(where).href)) as TsxApi;
    } catch {
      return null;
    }
  }
}

/** This package's version, from the package.json above this file (in src/ or in dist/src/). */
function version(): string {
  for (let d = dirname(fileURLToPath(import.meta.url)); ; d = dirname(d)) {
    const pj = join(d, "package.json");
    if (existsSync(pj)) {
      const p = JSON.parse(readFileSync(pj, "utf8")) as { name?: unknown; version?: unknown };
      if (p.name === "tasklet" && typeof p.version === "string") return p.version;
    }
    if (dirname(d) === d) return "unknown";
  }
}

/** The tool's entry: returns the exit code (main() exits the process itself once the app ran). */
export async function runCli(argv: readonly string[]): Promise<number> {
  if (argv[0] === "--version" || argv[0] === "-v") {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    process.stdout.write(`${topUsage()}\n`);
    return 0;
  }
  if (argv[0] === "node") {
    // Its own options (src/cluster/node.ts), loaded only for this command: the cluster layer brings the NATS client.
    const { runNodeCommand } = await import("../cluster/node.js");
    // As under main(): SIGQUIT prints the dump, which for a node lists the jobs it runs.
    const onQuit = () => process.stderr.write(`SIGQUIT: ${dump()}`);
    if (process.platform !== "win32") process.on("SIGQUIT", onQuit);
    try {
      return await runNodeCommand(argv.slice(1));
    } finally {
      process.off("SIGQUIT", onQuit);
    }
  }
  let parsed: ReturnType<typeof parseCommand>;
  try {
    parsed = parseCommand(argv);
    if (parsed.values["help"] === true) {
      process.stdout.write(`${parsed.command.usage}\n`);
      return 0;
    }
    return await parsed.command.run(parsed.values, parsed.positionals);
  } catch (e) {
    return usage(e);
  }
}

/** `tasklet run`. */
async function runApp(args: RunnerArgs): Promise<number> {
  if (args.workers !== null) process.env["TASKLET_WORKERS"] = String(args.workers);
  if (args.watchdog !== null) process.env["TASKLET_WATCHDOG_MS"] = String(args.watchdog);
  if (args.trace) {
    process.env["TASKLET_TRACE"] = "1";
    trace(true);
  }
  process.setSourceMapsEnabled(true);
  if (args.console) process.env["TASKLET_CONSOLE"] = "1";
  // Before the app loads, so that its URL is printed first and the page sees the app from its start.
  if (consoleRequested()) await startConsole();
  const fn = await loadMain(args.file);
  if (fn === null) {
    // The module runs itself; its main() sets the exit code and exits.
    if (args.dumpOnExit) note("--dump-on-exit is for an exported main tasklet; this module calls main() itself");
    return 0;
  }
  const entry = fn;
  const appArgs = args.args;
  const dumpOnExit = args.dumpOnExit;
  function* root(): Operation<unknown> {
    try {
      const body: unknown = entry(...appArgs);
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
  if (e.usage !== null) process.stderr.write(`${e.message === "" ? "" : "\n"}${e.usage}\n`);
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
