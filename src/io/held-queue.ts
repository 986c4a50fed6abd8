/**
 * HeldQueue: a FIFO of waiting nodes whose source is outside the runtime
 * (a socket, a process, a signal, a pipe), each counted once in its
 * runtime's `holds` for as long as it is queued.
 *
 * Deadlock detection (runtime.ts) counts `rt.holds`: a tasklet blocked in
 * accept(), recv() or a process's exit waits on the outside world, which
 * may still wake it, so it is not a deadlock. The count is taken in `push`
 * and given back exactly once by whoever takes the node off: `shift`,
 * `remove` (a withdrawal), `wake`, `wakeAll`/`failAll`.
 *
 * The queue serves a single wait and a select case alike: a waker takes the
 * node off, then ends its wait through `rt.wakeNode` (core/wait.ts).
 */

import { type WaitNode, WaitQueue } from "../core/wait.js";

export class HeldQueue {
  private readonly q = new WaitQueue();

  get length(): number {
    return this.q.length;
  }

  push(n: WaitNode): void {
    this.q.pushBack(n);
    n.t.rt.holds++;
  }

  /** The first waiter, or null. */
  first(): WaitNode | null {
    return this.q.first();
  }

  /** Takes the first node off (its hold given back), or null; the caller wakes it. */
  shift(): WaitNode | null {
    const n = this.q.shift();
    if (n !== null) n.t.rt.holds--;
    return n;
  }

  /** Takes `n` off if it is here (a withdrawal); returns whether it was. */
  remove(n: WaitNode): boolean {
    if (n.queue !== this.q) return false;
    n.unlink();
    n.t.rt.holds--;
    return true;
  }

  /** Takes `n` (which is here) off and wakes it with `value` (or throws it in the waiter). */
  wake(n: WaitNode, value: unknown, isError = false): void {
    this.remove(n);
    const rt = n.t.rt;
    if (isError) rt.wakeNodeThrow(n, value);
    else rt.wakeNode(n, value);
  }

  /** Wakes every waiter with `value` (or throws it in each). */
  wakeAll(value: unknown, isError = false): void {
    for (let n = this.shift(); n !== null; n = this.shift()) {
      const rt = n.t.rt;
      if (isError) rt.wakeNodeThrow(n, value);
      else rt.wakeNode(n, value);
    }
  }

  /** Ends every wait with `error` (the source closed or failed). */
  failAll(error: unknown): void {
    this.wakeAll(error, true);
  }
}
