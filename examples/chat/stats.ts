/**
 * Counters and latency histograms of the chat showcase.
 *
 * The histogram is log-linear (HdrHistogram's layout, in miniature):
 * values in microseconds, exact below 64, then 32 buckets per power of two,
 * so a percentile is within about 3 % of the true value; recording is an
 * array increment. One histogram covers the whole run (the summary), a
 * second one the last tick (the live line) and is reset at each tick.
 */

/** Buckets: enough for 2^32 µs (71 minutes). */
const BUCKETS = 1024;
const SUB = 32;

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  max = 0;

  /** Records a latency of `ms` milliseconds. */
  record(ms: number): void {
    const us = ms <= 0 ? 0 : Math.min(Math.round(ms * 1000), 0xffffffff) >>> 0;
    const c = this.counts;
    const k = indexOf(us);
    c[k] = (c[k] as number) + 1;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** The latency in ms at percentile `p` (0–100); 0 when empty. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] as number;
      if (seen >= rank) return Math.min(mid(i) / 1000, this.max);
    }
    return this.max;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.max = 0;
  }
}

function indexOf(us: number): number {
  if (us < 2 * SUB) return us;
  const shift = 31 - Math.clz32(us) - 5;
  return shift * SUB + (us >>> shift);
}

/** The middle of bucket `i`, in µs. */
function mid(i: number): number {
  if (i < 2 * SUB) return i;
  const shift = (i >> 5) - 1;
  const low = ((i & (SUB - 1)) + SUB) * 2 ** shift;
  return low + (2 ** shift - 1) / 2;
}

/** What the clients and the server count while the showcase runs. */
export class Stats {
  /** Chat messages written by clients. */
  sent = 0;
  /** Chat messages read by clients (each message reaches every member of its room). */
  delivered = 0;
  /** Connections made by clients. */
  connected = 0;
  /** Sessions accepted by the server. */
  accepted = 0;
  /** Errors seen by clients (a connection refused or reset). */
  errors = 0;
  /** Clients the server dropped because their outbox went over its bound (they did not read, or not fast enough). */
  droppedSlow = 0;
  /** Clients the server dropped for a line over its length limit. */
  droppedLongLine = 0;
  readonly latency = new Histogram();
  readonly window = new Histogram();

  /** One delivery, `ms` after it was sent. */
  deliver(ms: number): void {
    this.delivered++;
    this.latency.record(ms);
    this.window.record(ms);
  }
}
