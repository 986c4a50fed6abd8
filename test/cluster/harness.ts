// Real processes for the cluster tests: a nats-server on free loopback ports (which never outlives the
// process that started it) and `tasklet node` processes. A test that needs a server skips, printing why, when none can be had.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { get } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../src/inspect/cli.js", import.meta.url));

/** Why there is no nats-server on this machine, or null when there is one. */
export function natsMissing(): string | null {
  const r = spawnSync("nats-server", ["--version"], { encoding: "utf8" });
  if (r.error !== undefined)
    return `nats-server cannot be run (${r.error.message}); install it: apt-get install nats-server`;
  return null;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get({ host: "127.0.0.1", port, path: "/healthz", timeout: 500 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => {
      req.destroy();
      resolve(false);
    });
  });
}

export interface NatsServer {
  url: string;
  stop(): Promise<void>;
}

/** Starts `nats-server -js` on free loopback ports; resolves once its health endpoint says ok. */
export async function startNats(): Promise<NatsServer> {
  const port = await freePort();
  const mport = await freePort();
  const d = await startDaemon(
    "nats-server",
    (dir) => ["-a", "127.0.0.1", "-p", String(port), "-m", String(mport), "-js", "-sd", dir],
    () => healthy(mport),
  );
  return { url: `nats://127.0.0.1:${port}`, stop: d.stop };
}

/**
 * Starts a server program with a fresh data directory (`args(dir)`) and
 * resolves once `ready()` says so; `stop()` ends it (SIGTERM) and removes
 * the directory. The bench's redis-server starts the same way.
 *
 * The server never outlives this process: a shell holds it and reads a
 * pipe from this process, and when the pipe closes (`stop()`, or this
 * process ending in any way, SIGKILL included) it ends the server and waits
 * for it.
 */
export async function startDaemon(
  cmd: string,
  args: (dir: string) => string[],
  ready: () => Promise<boolean>,
): Promise<{ stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `tasklet-${cmd}-`));
  const hold = '"$@" & d=$!; while read -r _; do :; done; kill "$d"; wait "$d"';
  const p = spawn("sh", ["-c", hold, "sh", cmd, ...args(dir)], { stdio: ["pipe", "pipe", "pipe"] });
  let log = "";
  const keep = (b: Buffer) => {
    log += b.toString();
  };
  p.stdout?.on("data", keep);
  p.stderr?.on("data", keep);
  const stop = async () => {
    if (p.exitCode === null && p.signalCode === null) {
      const ended = new Promise((r) => p.once("exit", r));
      p.stdin?.end();
      await ended;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await ready())) {
    if (p.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${cmd} did not become ready: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { stop };
}

export interface NodeProcess {
  name: string;
  proc: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal) once the process ended. */
  exited: Promise<number | string>;
}

/** Starts `tasklet node` and resolves once it says it serves. */
export async function startNode(
  url: string,
  name: string,
  {
    workers = 2,
    ackWaitMs = 1500,
    cluster = "test",
    drainMs = 30_000,
  }: { workers?: number; ackWaitMs?: number; cluster?: string; drainMs?: number } = {},
): Promise<NodeProcess> {
  const proc = spawn(
    process.execPath,
    [
      CLI,
      "node",
      "--servers",
      url,
      "--workers",
      String(workers),
      "--name",
      name,
      "--cluster",
      cluster,
      "--ack-wait-ms",
      String(ackWaitMs),
      "--drain-ms",
      String(drainMs),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  proc.stdout?.on("data", (b: Buffer) => {
    out += b.toString();
  });
  proc.stderr?.on("data", (b: Buffer) => {
    out += b.toString();
  });
  const exited = new Promise<number | string>((r) => proc.once("exit", (code, sig) => r(code ?? (sig as string))));
  const deadline = Date.now() + 15_000;
  while (!out.includes("serving")) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`tasklet node ${name} did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { name, proc, output: () => out, exited };
}

/** SIGKILLs whatever still runs. */
export async function killAll(nodes: NodeProcess[]): Promise<void> {
  for (const n of nodes) if (n.proc.exitCode === null && n.proc.signalCode === null) n.proc.kill("SIGKILL");
  await Promise.all(nodes.map((n) => n.exited));
}
