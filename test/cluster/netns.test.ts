// The cluster across network namespaces (as root): a bridge namespace with the nats-server and the
// client, and three namespaces with a `tasklet node` each, joined to the bridge by veth pairs.
// Cutting the link of the node running a job moves the job to another node within the ack wait.
// Skips, saying why, without root (ip netns) or without nats-server.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { bridgedLan, ip, ipOrThrow } from "../helpers.js";
import { natsMissing } from "./harness.js";

const CLI = fileURLToPath(new URL("../../src/inspect/cli.js", import.meta.url));
const CLUSTER = JSON.stringify(new URL("../../src/cluster/index.js", import.meta.url).href);
const CORE = JSON.stringify(new URL("../../src/index.js", import.meta.url).href);
const JOBS = JSON.stringify(new URL("./fixtures/jobs.js", import.meta.url).href);
const ACK_WAIT_MS = 1500;
const SERVER = "10.232.0.254";

function skipReason(): string | null {
  if (process.platform !== "linux") return "network namespaces are Linux only";
  const missing = natsMissing();
  if (missing !== null) return missing;
  const probe = `tcl-probe-${randomBytes(3).toString("hex")}`;
  const r = ip("netns", "add", probe);
  if (!r.ok) return `ip netns add is refused here: ${r.err}`;
  ip("netns", "del", probe);
  return null;
}

const reason = skipReason();
if (reason !== null) console.log(`# cluster netns test skipped: ${reason}`);

/** Lines of JSON a child prints, as they come. */
function events(child: ChildProcess): { next(event: string): Promise<Record<string, unknown>>; text(): string } {
  const seen: Record<string, unknown>[] = [];
  let text = "";
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout as NonNullable<typeof child.stdout> }).on("line", (line) => {
    text += `${line}\n`;
    try {
      seen.push(JSON.parse(line) as Record<string, unknown>);
    } catch {}
    for (const w of waiters.splice(0)) w();
  });
  child.stderr?.on("data", (d: Buffer) => {
    text += d.toString();
  });
  return {
    text: () => text,
    async next(event: string) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const e = seen.find((x) => x["event"] === event);
        if (e !== undefined) return e;
        assert.ok(Date.now() < deadline && child.exitCode === null, `no "${event}" from the client:\n${text}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
  };
}

test("three nodes in three network namespaces: cutting the link of the node running a job moves the job within the ack wait", {
  skip: reason ?? false,
  timeout: 90_000,
}, async () => {
  const tag = randomBytes(2).toString("hex");
  const spaces: string[] = [];
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), "tasklet-netns-"));
  try {
    const { br, hosts } = bridgedLan("tcl", tag, ["n1", "n2", "n3"], "10.232.0", spaces);
    ipOrThrow("-n", br, "addr", "add", `${SERVER}/24`, "dev", "br0");
    ipOrThrow("-n", br, "link", "set", "lo", "up");
    const server = spawn("ip", ["netns", "exec", br, "nats-server", "-a", SERVER, "-p", "4222", "-js", "-sd", dir], {
      stdio: "ignore",
    });
    children.push(server);
    const url = `nats://${SERVER}:4222`;
    const script = `import { joinCluster } from ${CLUSTER};
import { run, sleep } from ${CORE};
const say = (o) => console.log(JSON.stringify(o));
let c;
for (let i = 0; ; i++) {
  try { c = await joinCluster({ servers: ${JSON.stringify(url)}, cluster: "net", name: "client", ackWaitMs: ${ACK_WAIT_MS} }); break; }
  catch (e) { if (i > 100) throw e; await new Promise((r) => setTimeout(r, 100)); }
}
say({ event: "ready" });
while ((await c.nodes()).filter((n) => n.workers > 0).length < 3) await new Promise((r) => setTimeout(r, 100));
say({ event: "nodes" });
await run(function* () {
  const job = c.spawn(${JOBS}, "slow", 4000, "moved");
  while (job.state !== "running") yield* sleep(2);
  const first = job.node;
  const t0 = Date.now();
  say({ event: "started", node: first });
  while (job.node === first && job.isRunning()) yield* sleep(2);
  say({ event: "moved", node: job.node, ms: Date.now() - t0 });
  const r = yield* job.join();
  say({ event: "joined", r, deliveries: job.deliveries });
});
await c.close(0);
process.exit(0);`;
    const client = spawn("ip", ["netns", "exec", br, process.execPath, "--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(client);
    const out = events(client);
    await out.next("ready");
    for (const h of hosts) {
      const node = spawn(
        "ip",
        [
          "netns",
          "exec",
          h.ns,
          process.execPath,
          CLI,
          "node",
          "--servers",
          url,
          "--workers",
          "1",
          "--name",
          h.name,
          "--cluster",
          "net",
          "--ack-wait-ms",
          String(ACK_WAIT_MS),
        ],
        { stdio: "ignore" },
      );
      children.push(node);
    }
    await out.next("nodes");
    const started = await out.next("started");
    const victim = hosts.find((h) => h.name === started["node"]);
    assert.ok(victim !== undefined, out.text());
    ipOrThrow("-n", br, "link", "set", `p${victim.dev}`, "down"); // the cut
    const moved = await out.next("moved");
    assert.notEqual(moved["node"], victim.name);
    assert.ok((moved["ms"] as number) < ACK_WAIT_MS + 2000, `moved after ${moved["ms"]} ms (ack wait ${ACK_WAIT_MS})`);
    const joined = await out.next("joined");
    assert.deepEqual(joined["r"], { tag: "moved", node: moved["node"] });
    assert.equal(joined["deliveries"], 2);
    console.log(
      `# the job moved from ${victim.name} to ${moved["node"]} ${moved["ms"]} ms after it started (cut at once)`,
    );
  } finally {
    for (const c of children) c.kill("SIGKILL");
    for (const ns of spaces) ip("netns", "del", ns);
    rmSync(dir, { recursive: true, force: true });
  }
});
