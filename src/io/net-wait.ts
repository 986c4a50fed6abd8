/**
 * The checks of arguments that TCP and UDP share.
 *
 * The rest of what they share is the common machinery: the operations that
 * are select cases (recv, accept, recvfrom) are `WaitOp`s (core/wait-op.ts)
 * whose nodes live on a socket's `HeldQueue`s (held-queue.ts), one per
 * direction, and the one-shot host calls (listen, connect, bind, sendto) are
 * `HostOp`s (waiting.ts), as file and DNS calls are. Both keep `rt.holds`.
 */

import { typeError } from "../core/check.js";

/** Checks a buffer argument: a non-empty Uint8Array. */
export function checkBuf(what: string, buf: unknown): Uint8Array {
  if (!(buf instanceof Uint8Array)) throw typeError(what, "buf", "a Uint8Array (or Buffer)", buf);
  if (buf.length === 0) throw new RangeError(`${what}: buf must be a non-empty Uint8Array, got an empty one`);
  return buf;
}

/** Checks a port argument: an integer in 0..65535 (one check, in core, shared with the system layer). */
export { checkPort } from "../core/check.js";
