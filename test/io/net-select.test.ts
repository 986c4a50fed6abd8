// accept(), recv() and recvfrom() are Waitables (core/wait.ts), so a select
// can wait on them beside channels and timers. These tests drive them with a
// minimal two-case select written against the protocol alone (poll, enqueue,
// dequeue, wake through rt.wakeNode), and check the rule a select relies on:
// the case that loses takes nothing.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { Op, PARK, type Park } from "../../src/core/op.js";
import { runtime } from "../../src/core/runtime.js";
import type { Tasklet } from "../../src/core/tasklet.js";
import { type Blocker, NOT_READY, type Selector, type Waitable, WaitNode } from "../../src/core/wait.js";
import { type Operation, run } from "../../src/index.js";
import { bindUdp, connect, listen } from "../../src/io/index.js";

const HOST = "127.0.0.1";

const opened: { close(): void }[] = [];
function track<T extends { close(): void }>(x: T): T {
  opened.push(x);
  return x;
}
afterEach(() => {
  for (const x of opened.splice(0)) x.close();
});

/** Waits for the first of two Waitables: `{ index, value }`. */
class FirstOf extends Op<{ index: number; value: unknown }> implements Selector, Blocker {
  private nodes: WaitNode[] = [];
  constructor(private readonly cases: Waitable<unknown>[]) {
    super();
  }
  start(t: Tasklet): { index: number; value: unknown } | Park {
    for (let i = 0; i < this.cases.length; i++) {
      const v = (this.cases[i] as Waitable<unknown>).poll(t);
      if (v !== NOT_READY) return { index: i, value: v };
    }
    this.nodes = this.cases.map((c, i) => {
      const n = new WaitNode(t);
      n.sel = this;
      n.tag = i;
      c.enqueue(n);
      return n;
    });
    t.rt.park(t, this);
    return PARK;
  }
  win(n: WaitNode, value: unknown, isError: boolean): void {
    this.dequeueAll(n);
    const t = n.t as Tasklet;
    if (isError) t.rt.wakeThrow(t, value);
    else t.rt.wake(t, { index: n.tag, value });
  }
  withdraw(): void {
    this.dequeueAll(null);
  }
  private dequeueAll(except: WaitNode | null): void {
    for (const [i, n] of this.nodes.entries()) if (n !== except) (this.cases[i] as Waitable<unknown>).dequeue(n);
  }
  describe(): string {
    return "first of";
  }
}

function firstOf(...cases: Waitable<unknown>[]): Operation<{ index: number; value: unknown }> {
  return new FirstOf(cases);
}

test("a select over recv and accept: recv wins with the bytes, the losing accept leaves the next connection queued", async () => {
  await run(function* () {
    const holds = runtime().holds;
    const server = track(yield* listen({ port: 0, host: HOST }));
    const client = track(yield* connect({ host: HOST, port: server.address.port }));
    const conn = track(yield* server.accept());
    const buf = Buffer.alloc(8);
    yield* client.send("data");
    const r = yield* firstOf(conn.recv(buf), server.accept());
    assert.equal(r.index, 0);
    assert.equal(buf.toString("utf8", 0, r.value as number), "data");
    assert.equal(runtime().holds, holds, "the losing accept gave its hold back");
    const late = track(yield* connect({ host: HOST, port: server.address.port }));
    const accepted = track(yield* server.accept());
    assert.equal(accepted.peerPort, late.myPort, "the connection went to the plain accept, not the lost case");
  });
});

test("a select over recv and accept: accept wins, and bytes that come later wait for the next recv", async () => {
  await run(function* () {
    const server = track(yield* listen({ port: 0, host: HOST }));
    const client = track(yield* connect({ host: HOST, port: server.address.port }));
    const conn = track(yield* server.accept());
    const buf = Buffer.alloc(8);
    const holds = runtime().holds;
    const second = track(yield* connect({ host: HOST, port: server.address.port }));
    const r = yield* firstOf(conn.recv(buf), server.accept());
    assert.equal(r.index, 1);
    track(r.value as { close(): void });
    assert.equal(runtime().holds, holds);
    yield* client.send("kept");
    assert.equal(yield* conn.recv(buf), 4);
    assert.equal(buf.toString("utf8", 0, 4), "kept");
    second.close();
  });
});

test("a select over two UDP sockets: the one that gets a datagram wins; the other keeps its own for later", async () => {
  await run(function* () {
    const a = track(yield* bindUdp({ port: 0, address: HOST }));
    const b = track(yield* bindUdp({ port: 0, address: HOST }));
    const s = track(yield* bindUdp({ port: 0, address: HOST }));
    const buf = Buffer.alloc(8);
    const sender = s.sendto("to b", HOST, b.address.port);
    yield* sender;
    const r = yield* firstOf(a.recvfrom(buf), b.recvfrom(buf));
    assert.equal(r.index, 1);
    yield* s.sendto("to a", HOST, a.address.port);
    const d = yield* a.recvfrom(buf);
    assert.equal(buf.toString("utf8", 0, d.n), "to a");
  });
});
