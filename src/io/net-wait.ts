/**
 * Waiting on a socket: the machinery shared by TCP and UDP.
 *
 * A socket keeps one `HostQueue` per direction (readers, writers, acceptors).
 * A tasklet that cannot complete at once puts a `WaitNode` on it; the
 * socket's host callback ('data', 'drain', 'connection', 'message') takes
 * the first node off and ends its wait through `rt.wakeNode`, so the same
 * code serves a single wait and a case of a select (wait.ts).
 *
 * Deadlock detection: every node on a HostQueue counts once in `rt.holds`
 * (runtime.ts) for as long as it is queued: a tasklet blocked in accept() or
 * recv() waits on the outside world, which may still wake it, so it is not
 * a deadlock. The count is taken in `push` and given back by whoever takes
 * the node off (`shift`, `remove`, `failAll`), exactly once.
 *
 * `NetOp` is the base of an operation that is also a `Waitable`: `start`
 * polls, and parks the tasklet on its own reusable node otherwise; a kill or
 * a timeout withdraws the node without side effects (nothing consumed).
 */

import { IOError } from "../core/errors.js";
import { Op, PARK, type Park } from "../core/op.js";
import type { Tasklet } from "../core/tasklet.js";
import { type Blocker, NOT_READY, type NotReady, type Waitable, type WaitNode, WaitQueue } from "../core/wait.js";

/** A FIFO of waiting nodes, each counted in its runtime's `holds`. */
export class HostQueue {
  private readonly q = new WaitQueue();

  get length(): number {
    return this.q.length;
  }

  push(n: WaitNode): void {
    this.q.pushBack(n);
    (n.t as Tasklet).rt.holds++;
  }

  first(): WaitNode | null {
    return this.q.first();
  }

  /** Takes the first node off (its hold given back), or null. */
  shift(): WaitNode | null {
    const n = this.q.shift();
    if (n !== null) (n.t as Tasklet).rt.holds--;
    return n;
  }

  /** Takes `n` off if it is on this queue (a withdrawal). */
  remove(n: WaitNode): void {
    if (n.queue !== this.q) return;
    n.unlink();
    (n.t as Tasklet).rt.holds--;
  }

  /** Ends every wait with `error` (the socket closed or failed). */
  failAll(error: unknown): void {
    for (let n = this.shift(); n !== null; n = this.shift()) (n.t as Tasklet).rt.wakeNodeThrow(n, error);
  }
}

/**
 * An operation on a socket that is also a `Waitable`, so that select can use
 * it: `poll` completes at once or returns NOT_READY without side effects;
 * `enqueue`/`dequeue` register on the socket's queue.
 */
export abstract class NetOp<T> extends Op<T> implements Waitable<T>, Blocker {
  abstract poll(t: Tasklet): T | NotReady;
  abstract enqueue(n: WaitNode): void;
  abstract dequeue(n: WaitNode): void;
  abstract describe(): string;

  start(t: Tasklet): T | Park {
    const v = this.poll(t);
    if (v !== NOT_READY) return v;
    this.enqueue(t.node());
    t.rt.park(t, this);
    return PARK;
  }

  withdraw(t: Tasklet): void {
    this.dequeue(t.node());
  }
}

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

/** A Node error (with `code`, `syscall`) as an `IOError` carrying the system code. */
export function toIOError(e: unknown, what: string): IOError {
  if (e instanceof IOError) return e;
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === "string" ? err.code : undefined;
  const msg = err instanceof Error ? err.message : String(e);
  return new IOError(`${what}: ${msg}`, { cause: e, code });
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
