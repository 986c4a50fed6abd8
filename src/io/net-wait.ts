/**
 * The checks of arguments that TCP and UDP share.
 *
 * The rest of what they share is the common machinery: the operations that
 * are select cases (recv, accept, recvfrom) are `WaitOp`s (core/wait-op.ts)
 * whose nodes live on a socket's `HeldQueue`s (held-queue.ts), one per
 * direction, and the one-shot host calls (listen, connect, bind, sendto) are
 * `HostOp`s (waiting.ts), as file and DNS calls are. Both keep `rt.holds`.
 */

/** Checks a buffer argument: a non-empty Uint8Array. */
export function checkBuf(what: string, buf: unknown): Uint8Array {
  if (!(buf instanceof Uint8Array)) {
    throw new TypeError(`${what}: buf must be a Uint8Array (or Buffer), got ${describe(buf)}`);
  }
  if (buf.length === 0) throw new RangeError(`${what}: buf must not be empty`);
  return buf;
}

/** Checks a port argument: an integer in 0..65535. */
export function checkPort(what: string, port: unknown, name = "port"): number {
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`${what}: ${name} must be an integer in 0..65535, got ${String(port)}`);
  }
  return port;
}

export function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return (v as object).constructor?.name ?? "an object";
  return typeof v;
}
