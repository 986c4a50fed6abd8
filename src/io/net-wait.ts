/**
 * What TCP and UDP share beside the common wait machinery: `HostWait`, the
 * single wait of a parked tasklet on a host callback (connect, listen,
 * sendto) that is not a select case, and the checks of arguments.
 *
 * The operations that are select cases (recv, accept, recvfrom) are
 * `WaitOp`s (core/wait-op.ts) whose nodes live on a socket's `HeldQueue`s
 * (held-queue.ts): one per direction (readers, writers, acceptors). The
 * socket's host callback ('data', 'drain', 'connection', 'message') takes
 * the first node off and ends its wait through `rt.wakeNode`, so the same
 * code serves a single wait and a case of a select (core/wait.ts).
 *
 * Deadlock detection: a HostWait counts once in `rt.holds` (runtime.ts)
 * from its making until it is woken or withdrawn, whichever comes first.
 */

import type { Tasklet } from "../core/tasklet.js";
import type { Blocker } from "../core/wait.js";

/** A parked tasklet's single wait on a host callback (connect, listen, sendto): not a Waitable. */
export class HostWait implements Blocker {
  live = true;
  constructor(
    readonly t: Tasklet,
    private readonly what: string,
    private readonly onWithdraw: (() => void) | null,
  ) {
    t.rt.holds++;
  }
  /** Ends the wait with `v`; false if it was withdrawn or ended already. */
  wake(v: unknown): boolean {
    if (!this.live) return false;
    this.live = false;
    this.t.rt.holds--;
    this.t.rt.wake(this.t, v);
    return true;
  }
  wakeThrow(e: unknown): boolean {
    if (!this.live) return false;
    this.live = false;
    this.t.rt.holds--;
    this.t.rt.wakeThrow(this.t, e);
    return true;
  }
  withdraw(): void {
    if (!this.live) return;
    this.live = false;
    this.t.rt.holds--;
    this.onWithdraw?.();
  }
  describe(): string {
    return this.what;
  }
}

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
