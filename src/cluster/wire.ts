/**
 * What crosses the network, and under which names. Payloads are V8's
 * structured-clone serialization (both ends are Node), so job arguments and
 * values are what a worker thread accepts, minus shared memory.
 *
 * Names, for a cluster C:
 *   stream  TASKLET_C (work-queue retention) on subject tasklet.C.jobs,
 *           one durable pull consumer "nodes" shared by every serving node;
 *   tasklet.C.client.<client>  a spawning process's inbox: "started" (news
 *           only: a lost one changes nothing but the handle's state until
 *           the outcome comes);
 *   stream  TASKLET_C_OUT (work-queue retention, kept `keepOutcomesMs`) on
 *           tasklet.C.out.<client>: the jobs' outcomes, each waiting until
 *           its submitter's durable consumer (named after the client)
 *           acknowledges it, so a submitter away for a while misses none;
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

/** News to a submitter's inbox: a node took its job. */
export interface Started {
  type: "started";
  id: string;
  node: string;
  delivery: number;
}

/** A job's end, through the outcome stream. */
export interface Outcome {
  type: "result";
  id: string;
  node: string;
  delivery: number;
  /** "lost": the job's deliveries are used up; the client names the node it lost. */
  outcome: "ok" | "error" | "killed" | "lost";
  value?: unknown;
  error?: WireError;
}

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
  outcomes: `TASKLET_${cluster}_OUT`,
  outAll: `tasklet.${cluster}.out.>`,
  out: (client: string) => `tasklet.${cluster}.out.${client}`,
  kill: `tasklet.${cluster}.kill`,
  bucket: `tasklet_nodes_${cluster}`,
  consumer: "nodes",
});

export const encode = (v: unknown): Uint8Array => serialize(v);
export const decode = <T>(b: Uint8Array): T => deserialize(b) as T;
