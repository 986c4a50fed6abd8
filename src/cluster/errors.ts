/**
 * The cluster layer's errors. A lost node is named; a remote error keeps its
 * class name, message and stack (threads/protocol.ts rebuilds it).
 */

import { TaskletError } from "../core/errors.js";

/**
 * The node running a job was lost (its process died, or its link to the
 * server was cut for longer than the ack wait) and the job may not be run
 * again: it asked for at most `maxDeliver` deliveries and has had them all.
 * `node` names the last node it was seen running on (null if it was lost
 * before it said it had started); `deliveries` counts the deliveries.
 *
 * @example
 * const job = cluster.spawnWith({ maxDeliver: 1 }, jobs, "charge", order);
 * try { yield* job.join(); } catch (e) { if (e instanceof NodeLostError) console.log(`lost on ${e.node}`); }
 */
export class NodeLostError extends TaskletError {
  override name = "NodeLostError";
  constructor(
    message: string,
    /** The last node the job was seen running on; null if lost before it said it had started. */
    readonly node: string | null,
    /** How many times the job was delivered to a node. */
    readonly deliveries: number,
  ) {
    super(message);
  }
}
