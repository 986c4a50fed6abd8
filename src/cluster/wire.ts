/**
 * What crosses the network, and under which names. Payloads are V8's
 * structured-clone serialization (both ends are Node), so job arguments and
 * values are what a worker thread accepts, minus shared memory.
 *
 * Names, for a cluster C:
 *   stream  TASKLET_C (work-queue retention) on subject tasklet.C.jobs,
 *           one durable pull consumer "nodes" shared by every serving node;
 *   tasklet.C.client.<client>  a spawning process's inbox: started, result;
 *   tasklet.C.kill             kill broadcasts (payload: the job id);
 *   KV bucket tasklet_nodes_C  heartbeats, one key per node, expiring.
 */

import { deserialize, serialize } from "node:v8";
import type { WireError } from "../threads/protocol.js";

export interface JobMessage {
  id: string;
  client: string;
  module: string;
  exportName: string;
  args: unknown[];
  maxDeliver: number;
}

export type ToClient =
  | { type: "started"; id: string; node: string; delivery: number }
  | {
      type: "result";
      id: string;
      node: string;
      delivery: number;
      /** "lost": the job's deliveries are used up; the client names the node it lost. */
      outcome: "ok" | "error" | "killed" | "lost";
      value?: unknown;
      error?: WireError;
    };

export interface Heartbeat {
  name: string;
  workers: number;
  running: string[];
  seen: number;
}

export const names = (cluster: string) => ({
  stream: `TASKLET_${cluster}`,
  jobs: `tasklet.${cluster}.jobs`,
  client: (client: string) => `tasklet.${cluster}.client.${client}`,
  kill: `tasklet.${cluster}.kill`,
  bucket: `tasklet_nodes_${cluster}`,
  consumer: "nodes",
});

export const encode = (v: unknown): Uint8Array => serialize(v);
export const decode = <T>(b: Uint8Array): T => deserialize(b) as T;
