// The CPU jobs of examples/threads spread over three `tasklet node` processes through NATS.
// The example starts its own nats-server (Debian: apt-get install nats-server) on a free
// loopback port and the three nodes, and stops them at the end. Without nats-server it
// runs the same jobs on an embedded cluster (one process, no broker).
// Run it: npm run build && node dist/examples/cluster/main.js
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Cluster, joinCluster } from "../../src/cluster/index.js";
import { run } from "../../src/index.js";

const JOBS = 12;
const ROUNDS = 100_000;
const jobs = new URL("../threads/jobs.js", import.meta.url); // the same module on every node
const cli = fileURLToPath(new URL("../../src/inspect/cli.js", import.meta.url));

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** Connects until the server answers (it is ready in about 0.1 s). */
async function connectWhenUp(url: string): Promise<Cluster> {
  for (let i = 0; ; i++) {
    try {
      return await joinCluster({ servers: url, name: "example-client" });
    } catch (e) {
      if (i === 50) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const children: ChildProcess[] = [];
let dir: string | null = null;
let cluster: Cluster;
// Ctrl-C (or whoever stops the example) must not leave the server and the nodes running.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    for (const c of children) c.kill("SIGKILL");
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
    process.exit(signal === "SIGINT" ? 130 : 143);
  });
}
if (spawnSync("nats-server", ["--version"]).error === undefined) {
  const port = await freePort();
  dir = mkdtempSync(join(tmpdir(), "tasklet-example-"));
  children.push(spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir], { stdio: "ignore" }));
  const url = `nats://127.0.0.1:${port}`;
  cluster = await connectWhenUp(url);
  for (const name of ["node-a", "node-b", "node-c"]) {
    children.push(
      spawn(process.execPath, [cli, "node", "--servers", url, "--workers", "1", "--name", name], { stdio: "ignore" }),
    );
  }
  while ((await cluster.nodes()).filter((n) => n.workers > 0).length < 3) await new Promise((r) => setTimeout(r, 50));
  console.log(`nats-server on ${url}, 3 node processes of one worker each`);
} else {
  console.log("no nats-server on this machine: an embedded cluster (apt-get install nats-server for the real thing)");
  cluster = await joinCluster({ workers: 2, name: "embedded" });
}

try {
  const { digests, where, ms } = await run(function* () {
    const start = performance.now();
    const handles = Array.from({ length: JOBS }, (_, i) =>
      cluster.spawn<string>(jobs, "hashChain", `job-${i}`, ROUNDS),
    );
    const digests: string[] = [];
    const where = new Map<string, number>();
    for (const h of handles) {
      digests.push(yield* h.join()); // a join that crosses processes
      where.set(h.node as string, (where.get(h.node as string) ?? 0) + 1);
    }
    return { digests, where, ms: performance.now() - start };
  });
  console.log(`${JOBS} jobs of ${ROUNDS} sha256 rounds in ${ms.toFixed(0)} ms`);
  for (const [node, n] of [...where].sort()) console.log(`  ${node}: ${n} jobs`);
  const { hashChain } = await import("../threads/jobs.js");
  const check = await run(() => hashChain("job-0", ROUNDS));
  console.log(
    `  job-0's digest ${check === digests[0] ? "agrees" : "DIFFERS"} with this process's: ${check.slice(0, 16)}…`,
  );
  process.exitCode = check === digests[0] ? 0 : 1;
} finally {
  await cluster.close(0);
  for (const c of children.reverse()) {
    const ended = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM");
    await ended;
  }
  if (dir !== null) rmSync(dir, { recursive: true, force: true });
}
