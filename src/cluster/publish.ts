/**
 * Durable publishing: a message that must reach a JetStream stream exactly
 * once, over a link that may drop, stall or lose the server's reply.
 *
 * Every try carries the same `Nats-Msg-Id`, so the stream stores the
 * message once however many tries reach it (JetStream's duplicate window,
 * 2 minutes by default). A try whose acknowledgement does not come in time
 * may still have been stored: it is tried again, never taken as a failure
 * while the link may come back. Only an error that another try cannot
 * change (the stream is gone, the message is too big, the connection was
 * closed on purpose) ends the tries, and so does `giveUpMs`, which callers
 * keep well inside the duplicate window.
 *
 * The other side of the same rule, for leaving a cluster: `within` bounds a
 * wait on a server that may never answer again.
 */

// Wall-clock waits between tries, as the server's own timeouts are: never virtual time.
import { setTimeout as delay } from "node:timers/promises";
import type { JetStreamClient } from "@nats-io/jetstream";

/** Errors after which the same publish may succeed: a timeout, a link down, JetStream not answering yet. */
export function transient(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  switch (e.name) {
    case "TimeoutError":
    case "NoRespondersError":
    case "JetStreamNotEnabled":
    case "ConnectionError":
      return true;
    case "RequestError":
      return (e as Error & { isNoResponders?: () => boolean }).isNoResponders?.() === true;
    case "JetStreamApiError":
      // 503: the stream has no leader for the moment (a server restarting).
      return (e as Error & { code?: number }).code === 503;
    default:
      return false;
  }
}

export interface DurableOptions {
  /** The message's id for the stream's deduplication: the same for every try. */
  msgID: string;
  /** How long one try waits for the server's acknowledgement. */
  timeoutMs: number;
  /** Stop trying after this long (the last error is thrown). */
  giveUpMs: number;
  /** Checked before each retry: true when nobody wants the message anymore. */
  abandoned?: () => boolean;
}

/** Publishes `data` to `subject` until the stream confirms it; resolves with its stream sequence. */
export async function publishDurably(
  js: JetStreamClient,
  subject: string,
  data: Uint8Array,
  o: DurableOptions,
): Promise<number> {
  const end = Date.now() + o.giveUpMs;
  for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
    try {
      const ack = await js.publish(subject, data, { msgID: o.msgID, timeout: o.timeoutMs });
      return ack.seq;
    } catch (e) {
      if (!transient(e) || Date.now() + wait > end || o.abandoned?.() === true) throw e;
    }
    await delay(wait);
  }
}

/** How long each step of leaving a cluster may wait for the server. */
export const LEAVE_MS = 2000;

/**
 * Waits for `p` at most `ms` (wall clock); true when it settled in time. For
 * the steps of leaving a cluster, which a server that is gone would
 * otherwise hold forever (a request is bounded by its timeout, but a
 * connection's drain or a pull waits for a reconnect that may never come).
 */
export async function within(ms: number, p: Promise<unknown>): Promise<boolean> {
  const timer = new AbortController();
  const settled = p.then(
    () => true,
    () => true,
  );
  const late = delay(ms, false, { signal: timer.signal }).catch(() => false);
  const r = await Promise.race([settled, late]);
  timer.abort();
  return r;
}
