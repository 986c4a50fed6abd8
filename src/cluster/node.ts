/**
 * The node program, `tasklet node --servers URL [--workers N] [--name NAME]
 * [--cluster C] [--ack-wait-ms MS] [--drain-ms MS] [--publish-timeout-ms MS]
 * [--keep-outcomes-ms MS]`: joins the cluster and
 * serves jobs until SIGTERM or SIGINT, which drain it (no new pulls;
 * running jobs finish, for at most --drain-ms, then go back to the queue).
 * Prints one line when it serves, one when it has drained.
 */

import { availableParallelism } from "node:os";
import { joinCluster } from "./index.js";
import type { NatsCluster } from "./nats-cluster.js";

export const NODE_USAGE = `usage: tasklet node --servers nats://HOST:PORT [--workers N] [--name NAME] [--cluster C] [--ack-wait-ms MS] [--drain-ms MS]
       [--publish-timeout-ms MS] [--keep-outcomes-ms MS]

Serves the cluster's jobs on N worker threads (default: the number of cores)
until SIGTERM or SIGINT, which drain the node (running jobs finish for at
most --drain-ms, default 30000, then go back to the queue). The other flags
are joinCluster's options of the same names (docs/cluster.md).`;

interface NodeArgs {
  servers: string[];
  workers: number;
  name: string | undefined;
  cluster: string | undefined;
  ackWaitMs: number | undefined;
  drainMs: number;
  publishTimeoutMs: number | undefined;
  keepOutcomesMs: number | undefined;
}

/** Parses `tasklet node`'s flags; throws an Error whose message is for the user. */
export function parseNodeArgs(argv: readonly string[]): NodeArgs {
  const out: NodeArgs = {
    servers: [],
    workers: availableParallelism(),
    name: undefined,
    cluster: undefined,
    ackWaitMs: undefined,
    drainMs: 30_000,
    publishTimeoutMs: undefined,
    keepOutcomesMs: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const eq = a.indexOf("=");
    const flag = eq >= 0 ? a.slice(0, eq) : a;
    const value = (): string => {
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v === "") throw new Error(`${flag} needs a value`);
      return v;
    };
    const int = (min: number): number => {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be a whole number >= ${min}, got ${v}`);
      return n;
    };
    if (flag === "--servers") out.servers.push(...value().split(","));
    else if (flag === "--workers") out.workers = int(1);
    else if (flag === "--name") out.name = value();
    else if (flag === "--cluster") out.cluster = value();
    else if (flag === "--ack-wait-ms") out.ackWaitMs = int(100);
    else if (flag === "--drain-ms") out.drainMs = int(0);
    else if (flag === "--publish-timeout-ms") out.publishTimeoutMs = int(10);
    else if (flag === "--keep-outcomes-ms") out.keepOutcomesMs = int(1000);
    else throw new Error(`unknown flag: ${a}`);
  }
  if (out.servers.length === 0) throw new Error("--servers is required (e.g. --servers nats://127.0.0.1:4222)");
  return out;
}

/** Runs the node program; resolves with the exit code once drained. */
export async function runNodeCommand(argv: readonly string[]): Promise<number> {
  let args: NodeArgs;
  try {
    args = parseNodeArgs(argv);
  } catch (e) {
    process.stderr.write(`tasklet node: ${(e as Error).message}\n\n${NODE_USAGE}\n`);
    return 2;
  }
  if (args.name !== undefined) process.env["TASKLET_NODE_NAME"] = args.name;
  const cluster = (await joinCluster({
    servers: args.servers,
    workers: args.workers,
    ...(args.name !== undefined ? { name: args.name } : {}),
    ...(args.cluster !== undefined ? { cluster: args.cluster } : {}),
    ...(args.ackWaitMs !== undefined ? { ackWaitMs: args.ackWaitMs } : {}),
    ...(args.publishTimeoutMs !== undefined ? { publishTimeoutMs: args.publishTimeoutMs } : {}),
    ...(args.keepOutcomesMs !== undefined ? { keepOutcomesMs: args.keepOutcomesMs } : {}),
  })) as NatsCluster;
  process.env["TASKLET_NODE_NAME"] = cluster.name;
  process.stdout.write(`tasklet node ${cluster.name}: serving ${args.servers.join(",")} on ${args.workers} workers\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  process.stdout.write(`tasklet node ${cluster.name}: draining\n`);
  await cluster.close(args.drainMs);
  process.stdout.write(`tasklet node ${cluster.name}: drained\n`);
  return 0;
}
