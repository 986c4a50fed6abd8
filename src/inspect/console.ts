/**
 * The live console: a web page on 127.0.0.1 that shows a running program's
 * tasklets as they change (after tokio-console, which Rust users reach for).
 *
 * `startConsole()` (or `TASKLET_CONSOLE=1` when the package loads, or the
 * runner's `--console`) serves on a free port of 127.0.0.1 and prints on
 * stderr the page's URL, which carries a random token: every request
 * without that token gets 403. The page (console-page.ts) gets its data
 * over server-sent events from `/events`:
 *
 *   - `sample`, once a second: switches and spawns in that second (the
 *     runtime's `switchCount` and `spawnCount`, counters a loop pass and a
 *     spawn keep anyway) and the ready-queue length at that moment;
 *   - `state`: a `tasklets()` snapshot as console-state.ts shapes it (groups,
 *     primitives, wait-for graph), at most once a second and spaced so that
 *     taking it costs at most 1/SNAPSHOT_SHARE of the time (a snapshot with
 *     stacks costs 25–60 µs a tasklet);
 *   - `report`: a watchdog report (the end of a stretch that held the
 *     thread) or a `TaskletLeakWarning` (a process warning of that name) as
 *     it happens; the last MAX_REPORTS are sent again to each new page.
 *
 * Nothing is taken while no page is open but the counters once a second.
 * The server, its connections and its timer are unref'd: the console
 * never keeps the program alive, never counts as something outside that
 * could wake a tasklet (the deadlock check), and ends with the process.
 */

import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { isMainThread } from "node:worker_threads";
import { checkFunction, checkOptionKeys, checkPort } from "../core/check.js";
import { type Runtime, runtime } from "../core/runtime.js";
import { addHogListener, type HogReport } from "../core/watchdog.js";
import { PAGE } from "./console-page.js";
import { type ConsoleState, consoleState } from "./console-state.js";
import { tasklets } from "./snapshot.js";

/** Options of `startConsole()`. */
export interface ConsoleOptions {
  /** The port on 127.0.0.1 (default 0: a free one). */
  port?: number;
  /** The runtime shown (default: this thread's). */
  runtime?: Runtime;
  /** Where the line with the URL goes (default: stderr). */
  announce?: (line: string) => void;
}

/** A running console. */
export interface TaskletConsole {
  /** The page's address, token included: `http://127.0.0.1:PORT/?token=…`. */
  readonly url: string;
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number;
  /** Stops serving: open pages are disconnected. */
  close(): Promise<void>;
}

/** A second of the chart. */
export interface ConsoleSample {
  /** When it was taken (ms since the epoch). */
  at: number;
  /** Switches in the second before. */
  switches: number;
  /** Tasklets spawned in the second before. */
  spawns: number;
  /** Tasklets ready or spawned and not started, at `at`. */
  ready: number;
}

/** A report shown as it happens. */
export interface ConsoleReport {
  /** When it came (ms since the epoch). */
  at: number;
  /** `hog`: the watchdog's report of a stretch that held the thread; `leak`: a `TaskletLeakWarning`. */
  kind: "hog" | "leak";
  /** What it says: `#4 busy held the thread for 301 ms`, the warning's message. */
  text: string;
}

const SAMPLE_MS = 1000;
/** Seconds of samples kept for a page that opens later. */
const HISTORY = 300;
const MAX_REPORTS = 100;
/** A snapshot may take at most 1/SNAPSHOT_SHARE of the time between two. */
const SNAPSHOT_SHARE = 50;
/** A page whose connection has this much unsent is skipped until it drains. */
const MAX_BACKLOG = 1 << 20;

let started: Promise<TaskletConsole> | null = null;

/**
 * Serves the live console of this thread's runtime on 127.0.0.1, on a free
 * port, and writes its URL (with the token every request needs) on stderr.
 * One console per thread: a second call returns the first. The console
 * does not keep the program alive and ends with it.
 *
 * @example
 * const c = await startConsole(); // tasklet console: http://127.0.0.1:40123/?token=…
 * await c.close();
 */
export function startConsole(options?: ConsoleOptions): Promise<TaskletConsole> {
  checkOptionKeys("startConsole", options, ["port", "runtime", "announce"]);
  const port = options?.port === undefined ? 0 : checkPort("startConsole", options.port, "options.port");
  const announce =
    options?.announce === undefined
      ? (line: string) => process.stderr.write(`${line}\n`)
      : checkFunction<(line: string) => void>("startConsole", "options.announce", options.announce);
  if (started === null) {
    const p = serve(options?.runtime ?? runtime(), port, announce);
    started = p;
    p.catch(() => {
      if (started === p) started = null;
    });
  }
  return started;
}

/** Whether TASKLET_CONSOLE asks for the console (`1`, `true`, `yes`, `on`). */
export function consoleRequested(): boolean {
  const v = process.env["TASKLET_CONSOLE"];
  return v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());
}

async function serve(rt: Runtime, port: number, announce: (line: string) => void): Promise<TaskletConsole> {
  const { createServer } = await import("node:http");
  const token = randomBytes(16).toString("hex");
  const clients = new Set<ServerResponse>();
  const samples: ConsoleSample[] = [];
  const reports: ConsoleReport[] = [];
  let last = { switches: rt.switchCount, spawns: rt.spawnCount };
  let nextState = 0;
  let latest: ConsoleState | null = null;

  const send = (res: ServerResponse, event: string, data: unknown): void => {
    if (res.writableLength > MAX_BACKLOG) return;
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const broadcast = (event: string, data: unknown): void => {
    for (const res of clients) send(res, event, data);
  };
  const snapshot = (): ConsoleState => {
    const t0 = performance.now();
    const list = tasklets({ runtime: rt });
    const state = consoleState(list, {
      pid: process.pid,
      uptimeMs: process.uptime() * 1000,
      traced: rt.recordSites,
      snapshotMs: Math.round((performance.now() - t0) * 100) / 100,
    });
    // A tick comes every SAMPLE_MS, give or take: "due" a tenth early, so that one late tick does not skip a second.
    nextState = Date.now() + Math.max(SAMPLE_MS, (performance.now() - t0) * SNAPSHOT_SHARE) - SAMPLE_MS / 10;
    latest = state;
    return state;
  };
  const tick = (): void => {
    const now = { switches: rt.switchCount, spawns: rt.spawnCount };
    const sample: ConsoleSample = {
      at: Date.now(),
      switches: now.switches - last.switches,
      spawns: now.spawns - last.spawns,
      ready: rt.readyCount(),
    };
    last = now;
    samples.push(sample);
    if (samples.length > HISTORY) samples.shift();
    if (clients.size === 0) return;
    broadcast("sample", sample);
    if (Date.now() >= nextState) broadcast("state", snapshot());
  };
  const report = (r: ConsoleReport): void => {
    reports.push(r);
    if (reports.length > MAX_REPORTS) reports.shift();
    broadcast("report", r);
  };
  const onHog = (h: HogReport): void =>
    report({ at: Date.now(), kind: "hog", text: `#${h.id} ${h.name} held the thread for ${h.heldMs} ms` });
  // The leak detector (docs/inspect.md) reports through process warnings of this name.
  const onWarning = (w: Error): void => {
    if (w.name === "TaskletLeakWarning") report({ at: Date.now(), kind: "leak", text: w.message });
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (!tokenMatches(url.searchParams.get("token"), token)) {
      res.writeHead(403, { "content-type": "text/plain; charset=utf-8" });
      res.end("tasklet console: forbidden: open the URL the program printed at start (it carries the token)\n");
      return;
    }
    if (req.method !== "GET") {
      res.writeHead(405, { allow: "GET" }).end();
      return;
    }
    if (url.pathname === "/") {
      res.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        "content-security-policy":
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
        "referrer-policy": "no-referrer",
      });
      res.end(PAGE);
    } else if (url.pathname === "/state") {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify({ state: snapshot(), samples, reports }));
    } else if (url.pathname === "/events") {
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
        connection: "keep-alive",
      });
      clients.add(res);
      res.on("close", () => clients.delete(res));
      send(res, "hello", { pid: process.pid, argv: process.argv.slice(1), samples, reports });
      send(res, "state", Date.now() < nextState && latest !== null ? latest : snapshot());
    } else {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
    }
  };

  const server: Server = createServer(handle);
  // Neither the server nor a page's connection keeps the program alive.
  server.on("connection", (socket) => socket.unref());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.unref();
  const timer = setInterval(tick, SAMPLE_MS);
  timer.unref();
  const offHog = addHogListener(onHog);
  process.on("warning", onWarning);
  const address = server.address();
  const boundPort = typeof address === "object" && address !== null ? address.port : port;
  const pageUrl = `http://127.0.0.1:${boundPort}/?token=${token}`;
  announce(`tasklet console: ${pageUrl}`);
  return {
    url: pageUrl,
    port: boundPort,
    close(): Promise<void> {
      clearInterval(timer);
      offHog();
      process.off("warning", onWarning);
      for (const res of clients) res.end();
      clients.clear();
      started = null;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function tokenMatches(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

// TASKLET_CONSOLE=1: the main thread's console starts when the package loads.
if (isMainThread && consoleRequested()) {
  startConsole().catch((e: unknown) => {
    process.stderr.write(`tasklet console: could not start: ${e instanceof Error ? e.message : String(e)}\n`);
  });
}
