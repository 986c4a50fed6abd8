/**
 * ClusterChannel over NATS: a channel shared by name across the processes
 * of a cluster, with credit-based backpressure (Reactive Streams' request(n),
 * Akka StreamRefs): a receiving process grants each sender `capacity`
 * credits and grants one more for each value one of its tasklets takes, so
 * a sender is never more than `capacity` values ahead of the receivers.
 *
 * Roles are taken on use: a process becomes a sender at its first `send`
 * and a receiver at its first `recv`/`recvOrDone`/`tryRecv` (a process that
 * only sends never takes values). Several of each may share a name: every
 * receiver grants every sender, and a sender gives each value to one
 * receiver that has credit (the one with the most), so a value is received
 * once.
 *
 * Subjects, for channel N of cluster C (`p` = tasklet.C.ch.N):
 *   p.open          a sender announces itself: {sender, node}; receivers grant it;
 *   p.hello         a new receiver: senders announce themselves again;
 *   p.r.<receiver>  data to a receiver: [sender, seq, values, kind]: the
 *                   values numbered seq, seq+1, …, batched per turn of the
 *                   sender's event loop (kind 1: the sender closed the
 *                   channel after value `seq - 1`);
 *   p.s.<sender>    to a sender: grants {receiver, node, n} and "closed".
 * Data and a close travel on one subject from one connection, so they stay
 * in order; `seq` counts each (sender, receiver) pair's values from 1, and a
 * receiver that sees a gap fails the channel (`ChannelGapError`).
 *
 * Failure: every heartbeat, a side that waits checks that the nodes of its
 * peers still heartbeat (the cluster's KV bucket); a lost receiver holding
 * unacknowledged values, or a lost sender that had not closed, fails the
 * channel with `ChannelPeerLostError` (receivers first get what arrived).
 *
 * Invariants: `credit` of a receiver is what that receiver granted minus
 * what was sent to it; a waiting sender (in `senders`) holds its value in
 * its node and is served in FIFO order as credit arrives; `inbound` is
 * non-empty only while no receiver tasklet waits.
 */

import { ChannelClosedError, ChannelError } from "../core/errors.js";
import { NOT_READY, type NotReady, type WaitNode } from "../core/wait.js";
import { WaitOp } from "../core/wait-op.js";
import { HeldQueue } from "../io/held-queue.js";
import type { RecvResult, SelectableOp, TryRecvResult } from "../sync/channel.js";
import { decode, encode } from "./wire.js";

/**
 * A cluster channel's values arrived out of order or with one missing
 * (a link that lost messages): the channel is failed rather than silently
 * short.
 */
export class ChannelGapError extends ChannelError {
  override name = "ChannelGapError";
}

/** A cluster channel's peer process was lost while values were in flight to or from it. */
export class ChannelPeerLostError extends ChannelError {
  override name = "ChannelPeerLostError";
}

/**
 * A channel shared by name across a cluster (`cluster.channel<T>(name,
 * capacity)`): `send`, `recv` and `recvOrDone` are operations and select
 * cases, as with `Channel` and `ThreadChannel`; values are structured-clone-
 * able data.
 */
export interface ClusterChannel<T> {
  /** The name it is shared by across the cluster. */
  readonly name: string;
  /** How many values a sender may have in flight, not yet taken by receivers. */
  readonly capacity: number;
  /** Waits while this sender has `capacity` values not yet taken by receivers; throws `ChannelError` once closed. */
  send(v: T): SelectableOp<void>;
  /** The next value; throws `ChannelClosedError` once closed and drained. */
  recv(): SelectableOp<T>;
  /** `{ done: false, value }`, or `{ done: true }` once closed and drained. */
  recvOrDone(): SelectableOp<RecvResult<T>>;
  /** A value if one is here now. */
  tryRecv(): TryRecvResult<T>;
  /** Closes the channel for every process: values already sent are still received. */
  close(): void;
}

/** What the channel needs from its cluster. */
export interface ChannelHost {
  readonly node: string;
  /** Process-unique id of this endpoint (subject token). */
  readonly id: string;
  prefix: string;
  publish(subject: string, data: Uint8Array): void;
  subscribe(subject: string, cb: (data: Uint8Array) => void): { unsubscribe(): void };
  /** Whether `node` heartbeats. */
  alive(node: string): Promise<boolean>;
  heartbeatMs: number;
}

const DATA = 0;
const CLOSE = 1;
const OR_DONE = 1;
const DONE: RecvResult<never> = Object.freeze({ done: true, value: undefined });

type Data = [sender: string, seq: number, values: unknown[] | undefined, kind: number];

/** Values sent in one turn go out as one message, up to this many. */
const BATCH = 512;
type ToSender = { type: "grant"; receiver: string; node: string; n: number } | { type: "closed" };

interface Receiver {
  node: string;
  credit: number;
  /** Values sent to it (the last seq). */
  seq: number;
  /** Credits it granted in all: `granted - seq` is what it may still take before this sender waits. */
  granted: number;
  closeSent: boolean;
  /** Values sent this turn and not yet published (the first is number `seq - batch.length + 1`). */
  batch: unknown[] | null;
}

interface Sender {
  node: string;
  expected: number;
  /** Values taken by local tasklets and not yet granted back. */
  owed: number;
  closed: boolean;
}

export class NatsChannel<T> implements ClusterChannel<T> {
  // Sender side.
  private readonly receivers = new Map<string, Receiver>();
  private readonly senders = new HeldQueue();
  private asSender: { unsubscribe(): void } | null = null;
  // Receiver side.
  private readonly sendersSeen = new Map<string, Sender>();
  private readonly inbound: [string, unknown][] = [];
  private head = 0;
  private readonly receiversWaiting = new HeldQueue();
  private asReceiver: { unsubscribe(): void }[] | null = null;
  private flushQueued = false;
  // Both.
  private closed = false;
  private failed: Error | null = null;
  private watch: ReturnType<typeof setInterval> | null = null;
  private readonly recvOp = new ClusterRecvOp<T>(this, 0);
  private readonly recvOrDoneOp = new ClusterRecvOp<RecvResult<T>>(this as NatsChannel<unknown>, OR_DONE);

  constructor(
    readonly name: string,
    readonly capacity: number,
    private readonly host: ChannelHost,
  ) {}

  send(v: T): ClusterSendOp {
    this.becomeSender();
    return new ClusterSendOp(this as NatsChannel<unknown>, v);
  }

  recv(): ClusterRecvOp<T> {
    this.becomeReceiver();
    return this.recvOp;
  }

  recvOrDone(): ClusterRecvOp<RecvResult<T>> {
    this.becomeReceiver();
    return this.recvOrDoneOp;
  }

  tryRecv(): TryRecvResult<T> {
    this.becomeReceiver();
    if (this.head < this.inbound.length) return { ok: true, value: this.take() as T };
    if (this.failed !== null) throw this.failed;
    return { ok: false, closed: this.closed };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [id, r] of this.receivers) this.sendClose(id, r);
    for (const id of this.sendersSeen.keys()) this.toSender(id, { type: "closed" });
    this.senders.failAll(new ChannelError(`send on closed cluster channel ${this.name}`));
    this.endReceivers();
  }

  describe(): string {
    return `cluster channel ${this.name}`;
  }

  /** Stops the channel's subscriptions and checks (the cluster closes). */
  dispose(): void {
    this.asSender?.unsubscribe();
    for (const s of this.asReceiver ?? []) s.unsubscribe();
    if (this.watch !== null) clearInterval(this.watch);
    this.fail(new ChannelError(`cluster channel ${this.name}: the cluster was closed`));
  }

  // ---- sender side ----------------------------------------------------------

  private becomeSender(): void {
    if (this.asSender !== null) return;
    const p = this.host.prefix;
    const inbox = this.host.subscribe(`${p}.s.${this.host.id}`, (d) => this.onToSender(decode<ToSender>(d)));
    const hello = this.host.subscribe(`${p}.hello`, () => this.announce());
    this.asSender = {
      unsubscribe: () => {
        inbox.unsubscribe();
        hello.unsubscribe();
      },
    };
    this.announce();
    this.startWatch();
  }

  private announce(): void {
    this.host.publish(`${this.host.prefix}.open`, encode({ sender: this.host.id, node: this.host.node }));
  }

  private onToSender(m: ToSender): void {
    if (m.type === "closed") {
      if (this.closed) return;
      this.closed = true;
      this.senders.failAll(new ChannelError(`send on closed cluster channel ${this.name}`));
      this.endReceivers();
      return;
    }
    let r = this.receivers.get(m.receiver);
    if (r === undefined) {
      r = { node: m.node, credit: 0, seq: 0, granted: 0, closeSent: false, batch: null };
      this.receivers.set(m.receiver, r);
      if (this.closed) this.sendClose(m.receiver, r);
    }
    r.credit += m.n;
    r.granted += m.n;
    // Serve waiting senders in order while credit lasts.
    for (let n = this.senders.first(); n !== null; n = this.senders.first()) {
      const to = this.pick();
      if (to === null) break;
      this.senders.shift();
      this.transmit(to, n.value);
      n.t.rt.wakeNode(n, undefined);
    }
  }

  /** The receiver with the most credit, or null. */
  private pick(): string | null {
    let best: string | null = null;
    let most = 0;
    for (const [id, r] of this.receivers) {
      if (r.credit > most) {
        most = r.credit;
        best = id;
      }
    }
    return best;
  }

  private transmit(to: string, v: unknown): void {
    const r = this.receivers.get(to) as Receiver;
    r.credit--;
    r.seq++;
    if (r.batch === null) {
      r.batch = [v];
      if (!this.flushQueued) {
        this.flushQueued = true;
        void Promise.resolve().then(() => this.flushTurn());
      }
    } else {
      r.batch.push(v);
      if (r.batch.length >= BATCH) this.publishBatch(to, r);
    }
  }

  private publishBatch(to: string, r: Receiver): void {
    const batch = r.batch as unknown[];
    r.batch = null;
    const d: Data = [this.host.id, r.seq - batch.length + 1, batch, DATA];
    let data: Uint8Array;
    try {
      data = encode(d);
    } catch (e) {
      // Values are checked at send; should one still fail here, the receiver would see a gap: fail now, saying why.
      this.fail(
        new ChannelError(`cluster channel ${this.name}: a value could not be serialized: ${(e as Error).message}`),
      );
      return;
    }
    this.host.publish(`${this.host.prefix}.r.${to}`, data);
  }

  /** End of a turn: publish the values batched for each receiver, and the credits owed to each sender. */
  private flushTurn(): void {
    this.flushQueued = false;
    for (const [id, r] of this.receivers) if (r.batch !== null) this.publishBatch(id, r);
    for (const [id, st] of this.sendersSeen) if (st.owed > 0) this.grant(id, st);
  }

  private sendClose(to: string, r: Receiver): void {
    if (r.closeSent) return;
    r.closeSent = true;
    if (r.batch !== null) this.publishBatch(to, r);
    const d: Data = [this.host.id, r.seq + 1, undefined, CLOSE];
    this.host.publish(`${this.host.prefix}.r.${to}`, encode(d));
  }

  /** @internal ClusterSendOp: sends now if a receiver has credit. */
  pollSend(v: unknown): undefined | NotReady {
    if (this.failed !== null) throw this.failed;
    if (this.closed) throw new ChannelError(`send on closed cluster channel ${this.name}`);
    if (this.senders.length > 0) return NOT_READY; // FIFO: earlier senders first
    const to = this.pick();
    if (to === null) return NOT_READY;
    if (typeof v === "object" && v !== null) {
      try {
        encode(v);
      } catch (e) {
        throw new TypeError(
          `cluster channel ${this.name}: send: the value is not structured-cloneable: ${(e as Error).message}`,
        );
      }
    } else if (typeof v === "function" || typeof v === "symbol") {
      throw new TypeError(`cluster channel ${this.name}: send: a ${typeof v} is not structured-cloneable`);
    }
    this.transmit(to, v);
    return undefined;
  }

  /** @internal */
  enqueueSender(n: WaitNode): void {
    this.senders.push(n);
  }

  /** @internal */
  dequeueSender(n: WaitNode): void {
    this.senders.remove(n);
  }

  // ---- receiver side --------------------------------------------------------

  private becomeReceiver(): void {
    if (this.asReceiver !== null) return;
    const p = this.host.prefix;
    this.asReceiver = [
      this.host.subscribe(`${p}.r.${this.host.id}`, (d) => this.onData(decode<Data>(d))),
      this.host.subscribe(`${p}.open`, (d) => this.onOpen(decode<{ sender: string; node: string }>(d))),
    ];
    this.host.publish(`${p}.hello`, encode({ receiver: this.host.id }));
    this.startWatch();
  }

  private toSender(sender: string, m: ToSender): void {
    this.host.publish(`${this.host.prefix}.s.${sender}`, encode(m));
  }

  private onOpen(m: { sender: string; node: string }): void {
    if (this.sendersSeen.has(m.sender)) return;
    this.sendersSeen.set(m.sender, { node: m.node, expected: 1, owed: 0, closed: false });
    if (this.closed) this.toSender(m.sender, { type: "closed" });
    else this.toSender(m.sender, { type: "grant", receiver: this.host.id, node: this.host.node, n: this.capacity });
  }

  private onData([sender, seq, values, kind]: Data): void {
    const s = this.sendersSeen.get(sender);
    if (s === undefined || this.failed !== null) return;
    if (seq !== s.expected) {
      this.fail(
        new ChannelGapError(
          `cluster channel ${this.name}: from ${s.node}, expected value #${s.expected} and got #${seq}: values were lost or reordered`,
        ),
      );
      return;
    }
    if (kind === CLOSE) {
      s.expected++;
      s.closed = true;
      if (!this.closed) {
        this.closed = true;
        for (const [id, other] of this.sendersSeen)
          if (id !== sender && !other.closed) this.toSender(id, { type: "closed" });
        this.senders.failAll(new ChannelError(`send on closed cluster channel ${this.name}`));
      }
      this.endReceivers();
      return;
    }
    const vs = values as unknown[];
    s.expected += vs.length;
    for (const value of vs) {
      const n = this.receiversWaiting.shift();
      if (n !== null) {
        this.owe(sender);
        n.t.rt.wakeNode(n, n.value === OR_DONE ? { done: false, value } : value);
      } else {
        this.inbound.push([sender, value]);
      }
    }
  }

  /** Takes the first buffered value (there is one) and owes its sender a credit. */
  private take(): unknown {
    const [sender, value] = this.inbound[this.head] as [string, unknown];
    this.inbound[this.head++] = undefined as never;
    if (this.head > 1024 && this.head * 2 > this.inbound.length) {
      this.inbound.splice(0, this.head);
      this.head = 0;
    }
    this.owe(sender);
    return value;
  }

  private owe(sender: string): void {
    const s = this.sendersSeen.get(sender);
    if (s === undefined) return;
    s.owed++;
    // Grant in batches: at once when a quarter of the window is owed, otherwise at the end of this turn.
    if (s.owed * 4 >= this.capacity) this.grant(sender, s);
    else if (!this.flushQueued) {
      this.flushQueued = true;
      void Promise.resolve().then(() => this.flushTurn());
    }
  }

  private grant(id: string, s: Sender): void {
    if (s.closed || this.closed) {
      s.owed = 0;
      return;
    }
    this.toSender(id, { type: "grant", receiver: this.host.id, node: this.host.node, n: s.owed });
    s.owed = 0;
  }

  /** Closed: waiting receivers get the end once nothing is buffered. */
  private endReceivers(): void {
    if (this.head < this.inbound.length) return;
    const err = this.failed ?? new ChannelClosedError(`recv on closed cluster channel ${this.name}`);
    for (let n = this.receiversWaiting.shift(); n !== null; n = this.receiversWaiting.shift()) {
      const rt = n.t.rt;
      if (n.value === OR_DONE && this.failed === null) rt.wakeNode(n, DONE);
      else rt.wakeNodeThrow(n, err);
    }
  }

  /** @internal ClusterRecvOp */
  pollRecv(flavour: number): unknown {
    if (this.head < this.inbound.length) {
      const v = this.take();
      return flavour === OR_DONE ? { done: false, value: v } : v;
    }
    if (this.failed !== null) throw this.failed;
    if (this.closed) {
      if (flavour === OR_DONE) return DONE;
      throw new ChannelClosedError(`recv on closed cluster channel ${this.name}`);
    }
    return NOT_READY;
  }

  /** @internal */
  enqueueReceiver(n: WaitNode, flavour: number): void {
    n.value = flavour;
    this.receiversWaiting.push(n);
  }

  /** @internal */
  dequeueReceiver(n: WaitNode): void {
    this.receiversWaiting.remove(n);
  }

  // ---- failure --------------------------------------------------------------

  private fail(e: Error): void {
    if (this.failed !== null) return;
    this.failed = e;
    this.senders.failAll(e);
    this.endReceivers();
  }

  /** While something waits on a peer, checks every heartbeat that the peers' nodes are alive. */
  private startWatch(): void {
    if (this.watch !== null) return;
    this.watch = setInterval(() => void this.check(), this.host.heartbeatMs);
    this.watch.unref();
  }

  private async check(): Promise<void> {
    if (this.failed !== null) return;
    for (const [id, r] of this.receivers) {
      // Values given to a receiver and not taken back as credit may be lost with it.
      const unacked = r.seq - (r.granted - this.capacity);
      if (unacked > 0 && !(await this.host.alive(r.node))) {
        this.receivers.delete(id);
        this.fail(
          new ChannelPeerLostError(
            `cluster channel ${this.name}: receiving node ${r.node} was lost with up to ${unacked} values not yet taken`,
          ),
        );
        return;
      }
    }
    for (const s of this.sendersSeen.values()) {
      if (!s.closed && !this.closed && !(await this.host.alive(s.node))) {
        this.fail(
          new ChannelPeerLostError(
            `cluster channel ${this.name}: sending node ${s.node} was lost before it closed the channel`,
          ),
        );
        return;
      }
    }
  }
}

class ClusterSendOp extends WaitOp<void> {
  constructor(
    private readonly ch: NatsChannel<unknown>,
    private readonly v: unknown,
  ) {
    super();
  }
  poll(): undefined | NotReady {
    return this.ch.pollSend(this.v);
  }
  enqueue(n: WaitNode): void {
    n.value = this.v;
    this.ch.enqueueSender(n);
  }
  override dequeue(n: WaitNode): void {
    this.ch.dequeueSender(n);
  }
  describe(): string {
    return `send on ${this.ch.describe()} (waiting for credit)`;
  }
}

class ClusterRecvOp<R> extends WaitOp<R> {
  constructor(
    private readonly ch: NatsChannel<unknown>,
    private readonly flavour: number,
  ) {
    super();
  }
  poll(): R | NotReady {
    return this.ch.pollRecv(this.flavour) as R | NotReady;
  }
  enqueue(n: WaitNode): void {
    this.ch.enqueueReceiver(n, this.flavour);
  }
  override dequeue(n: WaitNode): void {
    this.ch.dequeueReceiver(n);
  }
  describe(): string {
    return `${this.flavour === OR_DONE ? "recvOrDone" : "recv"} on ${this.ch.describe()}`;
  }
}
