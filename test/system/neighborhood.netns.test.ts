// The neighbourhood daemon for real: one process per network namespace,
// the namespaces joined by a veth pair, real UDP broadcast bound to the veth
// device and real TCP. Skips, saying why, where namespaces are refused (not
// root, no CAP_SYS_ADMIN) or where this build has no real network.
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { realNetworkAvailable } from "../../src/system/index.js";

const MAIN = fileURLToPath(new URL("../../examples/neighborhood/main.js", import.meta.url));
/** T of the daemons, in ms. */
const T = 100;
/** How long a real-clock wait may take beyond its nominal time on a noisy machine. */
const TOLERANCE_MS = 3000;

function ip(...args: string[]): { ok: boolean; err: string } {
  const r = spawnSync("ip", args, { encoding: "utf8", timeout: 10_000 });
  return { ok: r.status === 0, err: `${r.stderr ?? ""}${r.error?.message ?? ""}`.trim() };
}

function must(...args: string[]): void {
  const r = ip(...args);
  if (!r.ok) throw new Error(`ip ${args.join(" ")}: ${r.err}`);
}

/** Why the test cannot run here, or null. */
function skipReason(): string | null {
  if (!realNetworkAvailable) return "this build has no real network (src/io's UDP bound to a device has not landed)";
  if (process.platform !== "linux") return "network namespaces are Linux only";
  const probe = `tsk-probe-${randomBytes(3).toString("hex")}`;
  const r = ip("netns", "add", probe);
  if (!r.ok) return `ip netns add is refused here: ${r.err}`;
  ip("netns", "del", probe);
  return null;
}

interface Daemon {
  child: ChildProcess;
  events: Record<string, unknown>[];
  stderr: string;
  exited: Promise<number | null>;
}

function startDaemon(ns: string, id: string, dev: string, addr: string, durationMs: number): Daemon {
  const child = spawn(
    "ip",
    [
      "netns",
      "exec",
      ns,
      process.execPath,
      MAIN,
      "--id",
      id,
      "--dev",
      dev,
      "--addr",
      addr,
      "--period",
      String(T),
    ].concat(["--duration", String(durationMs)]),
    { stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  const d: Daemon = { child, events: [], stderr: "", exited: new Promise((res) => child.on("exit", (c) => res(c))) };
  let buf = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    buf += chunk.toString();
    for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
      d.events.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      buf = buf.slice(nl + 1);
    }
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    d.stderr += chunk.toString();
  });
  return d;
}

function killDaemon(d: Daemon): void {
  if (d.child.exitCode !== null || d.child.signalCode !== null || d.child.pid === undefined) return;
  try {
    process.kill(-d.child.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

async function until(what: string, cond: () => boolean, limitMs: number): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const has = (d: Daemon, event: string, id: string, extra?: (e: Record<string, unknown>) => boolean): boolean =>
  d.events.some((e) => e.event === event && e.id === id && (extra === undefined || extra(e)));

const reason = skipReason();

test("two daemons in two network namespaces joined by veth find each other, say hello over TCP, and drop each other when the link goes down", {
  skip: reason ?? false,
  timeout: 60_000,
}, async () => {
  const tag = randomBytes(3).toString("hex");
  const nsA = `tsk-a-${tag}`;
  const nsB = `tsk-b-${tag}`;
  const daemons: Daemon[] = [];
  try {
    must("netns", "add", nsA);
    must("netns", "add", nsB);
    must("link", "add", `tska${tag}`, "type", "veth", "peer", "name", `tskb${tag}`);
    must("link", "set", `tska${tag}`, "netns", nsA);
    must("link", "set", `tskb${tag}`, "netns", nsB);
    for (const [ns, dev, addr] of [
      [nsA, `tska${tag}`, "10.231.0.1/24"],
      [nsB, `tskb${tag}`, "10.231.0.2/24"],
    ] as const) {
      must("-n", ns, "addr", "add", addr, "dev", dev);
      must("-n", ns, "link", "set", dev, "up");
      must("-n", ns, "link", "set", "lo", "up");
    }
    const a = startDaemon(nsA, "a", `tska${tag}`, "10.231.0.1", 60_000);
    const b = startDaemon(nsB, "b", `tskb${tag}`, "10.231.0.2", 60_000);
    daemons.push(a, b);
    const failed = (): boolean => a.child.exitCode !== null || b.child.exitCode !== null;
    await until(
      "both hellos",
      () => failed() || (has(a, "hello", "b", (e) => e.ok === true) && has(b, "hello", "a", (e) => e.ok === true)),
      20 * T + TOLERANCE_MS,
    );
    assert.ok(!failed(), `a daemon exited early:\n${a.stderr}\n${b.stderr}`);
    assert.ok(has(a, "up", "b", (e) => e.addr === "10.231.0.2"));
    assert.ok(has(b, "up", "a", (e) => e.addr === "10.231.0.1"));

    const cut = Date.now();
    must("-n", nsB, "link", "set", `tskb${tag}`, "down");
    await until("both drops", () => has(a, "down", "b") && has(b, "down", "a"), 3 * T + TOLERANCE_MS);
    assert.ok(Date.now() - cut >= 2 * T, "a neighbour is kept for at least 2·T after its last announcement");

    for (const d of daemons) d.child.kill("SIGTERM");
    const codes = await Promise.all(daemons.map((d) => d.exited));
    // main() ends a program stopped by SIGTERM with 128 + 15, after its cleanup ran.
    assert.deepEqual(codes, [143, 143], `${a.stderr}\n${b.stderr}`);
    const tables = daemons.map((d) => d.events.find((e) => e.event === "table")?.table);
    assert.deepEqual(tables, [[], []], "after the drop both tables are empty");
  } finally {
    for (const d of daemons) killDaemon(d);
    await Promise.all(daemons.map((d) => Promise.race([d.exited, new Promise((r) => setTimeout(r, 2000))])));
    ip("netns", "del", nsA);
    ip("netns", "del", nsB);
  }
});
