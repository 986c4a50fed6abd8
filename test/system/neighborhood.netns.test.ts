// The neighbourhood daemon for real: one process per network namespace,
// each joined by a veth pair to a bridge (in a namespace of its own), real
// UDP broadcast bound to the veth device and real TCP. Skips, saying why,
// where namespaces are refused (not root, no CAP_SYS_ADMIN, not Linux).
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { bridgedLan, ip, ipOrThrow, pollUntilAsync } from "../helpers.js";

const MAIN = fileURLToPath(new URL("../../examples/neighborhood/main.js", import.meta.url));
/** T of the daemons, in ms. */
const T = 100;
/** How long a real-clock wait may take beyond its nominal time on a noisy machine. */
const TOLERANCE_MS = 3000;

/** Why the test cannot run here, or null. */
function skipReason(): string | null {
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

const has = (d: Daemon, event: string, id: string, extra?: (e: Record<string, unknown>) => boolean): boolean =>
  d.events.some((e) => e.event === event && e.id === id && (extra === undefined || extra(e)));

const reason = skipReason();

test("three daemons in three network namespaces (veth to one bridge) find each other, say hello over TCP, and drop the one whose link went down", {
  skip: reason ?? false,
  timeout: 60_000,
}, async () => {
  const tag = randomBytes(3).toString("hex");
  const names = ["a", "b", "c"] as const;
  const spaces: string[] = [];
  const daemons: Daemon[] = [];
  try {
    const { hosts } = bridgedLan("tsk", tag, names, "10.231.0", spaces);
    for (const [i, h] of hosts.entries()) daemons.push(startDaemon(h.ns, names[i] as string, h.dev, h.addr, 60_000));
    const [a, b, c] = daemons as [Daemon, Daemon, Daemon];
    const stderr = (): string => daemons.map((d) => d.stderr).join("\n");
    const failed = (): boolean => daemons.some((d) => d.child.exitCode !== null);
    const helloed = (d: Daemon, id: string): boolean => has(d, "hello", id, (e) => e.ok === true);
    await pollUntilAsync(
      "every hello",
      () => failed() || names.every((x, i) => names.every((y) => x === y || helloed(daemons[i] as Daemon, y))),
      { limitMs: 20 * T + TOLERANCE_MS, everyMs: 20 },
    );
    assert.ok(!failed(), `a daemon exited early:\n${stderr()}`);
    assert.ok(has(a, "up", "b", (e) => e.addr === "10.231.0.2"));
    assert.ok(has(c, "up", "a", (e) => e.addr === "10.231.0.1"));

    const cut = Date.now();
    const hc = hosts[2] as { ns: string; dev: string };
    ipOrThrow("-n", hc.ns, "link", "set", hc.dev, "down");
    await pollUntilAsync(
      "the drops of c",
      () => has(a, "down", "c") && has(b, "down", "c") && has(c, "down", "a") && has(c, "down", "b"),
      { limitMs: 3 * T + TOLERANCE_MS, everyMs: 20 },
    );
    assert.ok(Date.now() - cut >= 2 * T, "a neighbour is kept for at least 2·T after its last announcement");
    // Stay a while: a and b, still linked, keep each other.
    await new Promise((r) => setTimeout(r, 4 * T));
    assert.ok(!has(a, "down", "b") && !has(b, "down", "a"), "a and b never dropped each other");

    for (const d of daemons) d.child.kill("SIGTERM");
    const codes = await Promise.all(daemons.map((d) => d.exited));
    // main() ends a program stopped by SIGTERM with 128 + 15, after its cleanup ran.
    assert.deepEqual(codes, [143, 143, 143], stderr());
    const tables = daemons.map((d) =>
      ((d.events.find((e) => e.event === "table")?.table ?? []) as { id: string }[]).map((r) => r.id),
    );
    assert.deepEqual(tables, [["b"], ["a"], []]);
  } finally {
    for (const d of daemons) killDaemon(d);
    await Promise.all(daemons.map((d) => Promise.race([d.exited, new Promise((r) => setTimeout(r, 2000))])));
    for (const ns of spaces) ip("netns", "del", ns);
  }
});
