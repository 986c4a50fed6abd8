// A redis-server of its own for the bullmq case, on a free loopback port with no persistence,
// started as the cluster tests start nats-server (test/cluster/harness.ts) and stopped by pid.
import { spawnSync } from "node:child_process";
import { connect } from "node:net";
import { freePort, startDaemon } from "../../../test/cluster/harness.js";

/** Why there is no redis-server on this machine, or null when there is one. */
export function redisMissing(): string | null {
  const r = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (r.error !== undefined)
    return `redis-server cannot be run (${r.error.message}); install it: apt-get install redis-server`;
  return null;
}

function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port }, () => s.write("PING\r\n"));
    s.setTimeout(500, () => s.destroy());
    s.on("data", (b) => {
      s.destroy();
      resolve(b.toString().startsWith("+PONG"));
    });
    s.on("error", () => resolve(false));
    s.on("close", () => resolve(false));
  });
}

export interface RedisServer {
  port: number;
  stop(): Promise<void>;
}

/** Starts redis-server on a free loopback port, no persistence; resolves once it answers PING. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const d = await startDaemon(
    "redis-server",
    (dir) => ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no", "--dir", dir],
    () => pong(port),
  );
  return { port, stop: d.stop };
}
