// accept(), recv() and recvfrom() are Waitables (core/wait.ts), so the sync
// layer's select can wait on them beside channels and timers. These tests
// check the rule a select relies on: the case that loses takes nothing
// (test/sync/select-cases.test.ts has a case of every other kind).
import assert from "node:assert/strict";
import { test } from "node:test";
import { runtime } from "../../src/core/runtime.js";
import { run, select } from "../../src/index.js";
import { bindUdp, connect, listen } from "../../src/io/index.js";
import { closeAfterEach } from "../helpers.js";

const HOST = "127.0.0.1";

const track = closeAfterEach();

test("a select over recv and accept: recv wins with the bytes, the losing accept leaves the next connection queued", async () => {
  await run(function* () {
    const holds = runtime().holds;
    const server = track(yield* listen({ port: 0, host: HOST }));
    const client = track(yield* connect({ host: HOST, port: server.address.port }));
    const conn = track(yield* server.accept());
    const buf = Buffer.alloc(8);
    yield* client.send("data");
    const r = yield* select(conn.recv(buf), server.accept());
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
    const r = yield* select(conn.recv(buf), server.accept());
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
    const r = yield* select(a.recvfrom(buf), b.recvfrom(buf));
    assert.equal(r.index, 1);
    yield* s.sendto("to a", HOST, a.address.port);
    const d = yield* a.recvfrom(buf);
    assert.equal(buf.toString("utf8", 0, d.n), "to a");
  });
});
