/**
 * Keeps this thread's event loop alive while a tasklet waits for another
 * thread. A pending `Atomics.waitAsync` does not (on Node 20 a worker whose
 * only pending work is one exits at once, its wait never woken), and a
 * message port may be unref'd, so a thread whose only pending work is a
 * cross-thread wait would otherwise exit under it. One ref'd interval per thread, held while
 * the count of such waits is above zero; it never fires in practice.
 */

let count = 0;
let handle: ReturnType<typeof setInterval> | null = null;

function noop(): void {}

/** A tasklet of this thread starts waiting for another thread. */
export function holdThread(): void {
  if (count++ === 0) handle = setInterval(noop, 1 << 30);
}

/** That wait ended (woken or withdrawn). */
export function releaseThread(): void {
  if (--count === 0 && handle !== null) {
    clearInterval(handle);
    handle = null;
  }
}

/** A tasklet parks on a cross-thread source: its runtime must not see a deadlock, its thread must not exit. */
export function crossWaitStarts(t: { rt: { holds: number } }): void {
  t.rt.holds++;
  holdThread();
}

/** That wait ended (woken or withdrawn). */
export function crossWaitEnds(t: { rt: { holds: number } }): void {
  t.rt.holds--;
  releaseThread();
}
