import assert from "node:assert/strict";
import { test } from "node:test";
import { runtime } from "../../src/core/runtime.js";
import { ClosedError, IOError, run, schedule, sleep, spawn, TimeoutError, timeout } from "../../src/index.js";
import { bindUdp } from "../../src/io/index.js";
import { QUEUE_MAX } from "../../src/io/udp.js";
import { closeAfterEach, errorOf } from "../helpers.js";

const HOST = "127.0.0.1";

const track = closeAfterEach();

test("sendto and recvfrom: datagrams arrive whole, in order, with the sender's address and port", async () => {
  await run(function* () {
    const a = track(yield* bindUdp({ port: 0, address: HOST }));
    const b = track(yield* bindUdp({ port: 0, address: HOST }));
    for (const m of ["one", "two", "three"]) yield* a.sendto(m, HOST, b.address.port);
    const buf = Buffer.alloc(100);
    for (const m of ["one", "two", "three"]) {
      const d = yield* b.recvfrom(buf);
      assert.equal(buf.toString("utf8", 0, d.n), m);
      assert.equal(d.rmtIp, HOST);
      assert.equal(d.rmtPort, a.address.port);
      assert.equal(d.truncated, false);
    }
    a.close();
    b.close();
  });
});

test("recvfrom: a datagram longer than the buffer is truncated to it and says so", async () => {
  await run(function* () {
    const a = track(yield* bindUdp({ port: 0, address: HOST }));
    yield* a.sendto("0123456789", HOST, a.address.port);
    const buf = Buffer.alloc(4);
    const d = yield* a.recvfrom(buf);
    assert.equal(d.n, 4);
    assert.equal(d.truncated, true);
    assert.equal(buf.toString(), "0123");
    a.close();
  });
});

test("a recvfrom that is killed or times out takes nothing; close ends a waiting recvfrom with ClosedError", async () => {
  await run(function* () {
    const holds = runtime().holds;
    const a = track(yield* bindUdp({ port: 0, address: HOST }));
    const buf = Buffer.alloc(16);
    yield* errorOf(timeout(5, a.recvfrom(buf)), TimeoutError);
    const r = spawn(a.recvfrom(buf));
    yield* schedule();
    assert.equal(r.stateName, "blocked");
    r.kill();
    yield* errorOf(r.join());
    assert.equal(runtime().holds, holds);
    yield* a.sendto("kept", HOST, a.address.port);
    const d = yield* a.recvfrom(buf);
    assert.equal(buf.toString("utf8", 0, d.n), "kept");
    const waiter = spawn(a.recvfrom(buf));
    yield* schedule();
    a.close();
    yield* errorOf(waiter.join(), ClosedError);
    assert.equal(runtime().holds, holds);
  });
});

test("a socket bound to device lo receives what is sent to it over loopback", async () => {
  await run(function* () {
    const a = track(yield* bindUdp({ port: 0, device: "lo" }));
    const port = a.address.port;
    const b = track(yield* bindUdp({ port: 0, address: HOST }));
    yield* b.sendto("via lo", HOST, port);
    const buf = Buffer.alloc(16);
    const d = yield* a.recvfrom(buf);
    assert.equal(buf.toString("utf8", 0, d.n), "via lo");
    a.close();
    b.close();
  });
});

test("binding to a device that does not exist throws IOError ENODEV", async () => {
  await run(function* () {
    const e = yield* errorOf(bindUdp({ port: 0, device: "nosuchdev0" }));
    assert.ok(e instanceof IOError, String(e));
    assert.equal(e.code, "ENODEV");
  });
});

test("a broadcast needs the broadcast option: without it sendto throws IOError EACCES", async () => {
  await run(function* () {
    const a = track(yield* bindUdp({ port: 0 }));
    const e = yield* errorOf(a.sendto("x", "255.255.255.255", 9));
    assert.ok(e instanceof IOError, String(e));
    assert.equal(e.code, "EACCES");
    a.close();
  });
});

test("bad arguments fail at the call", async () => {
  await run(function* () {
    assert.throws(() => bindUdp({ port: 1e6 }), RangeError);
    assert.throws(() => bindUdp({ port: 0, device: "a-name-far-too-long" }), RangeError);
    assert.throws(() => bindUdp({ port: 0, device: "" }), TypeError);
    const a = track(yield* bindUdp({ port: 0, address: HOST }));
    assert.throws(() => a.recvfrom(Buffer.alloc(0)), RangeError);
    assert.throws(() => a.sendto("x", "", 5), TypeError);
    assert.throws(() => a.sendto("x", HOST, 0), RangeError);
    a.close();
  });
});

test("a device or address name with a NUL byte is refused at the call, not cut at the NUL (lo\\0x is not lo)", () => {
  assert.throws(() => bindUdp({ port: 0, device: "lo\0x" }), {
    name: "TypeError",
    message: 'bindUdp: options.device must not contain a NUL byte, got "lo\\u0000x"',
  });
  assert.throws(
    () => bindUdp({ port: 0, address: "127.0.0.1\0" }),
    /bindUdp: options.address must not contain a NUL byte/,
  );
});

test("a UDP socket nobody reads stops reading at QUEUE_MAX datagrams and resumes as they are read; order is kept", async () => {
  await run(function* () {
    const a = track(yield* bindUdp({ port: 0, address: HOST }));
    const b = track(yield* bindUdp({ port: 0, address: HOST }));
    const SENT = QUEUE_MAX * 3;
    const msg = Buffer.alloc(8);
    for (let i = 0; i < SENT; i++) {
      msg.writeUInt32BE(i, 0);
      yield* a.sendto(msg, HOST, b.address.port);
      if (i % 32 === 31) yield* sleep(1); // let the event loop read b's socket, as a paced sender would
    }
    yield* sleep(20);
    assert.ok(b.queued <= QUEUE_MAX, `kept ${b.queued} datagrams in memory`);
    assert.ok(b.queued >= QUEUE_MAX / 2, `kept ${b.queued}: the queue did fill before reading stopped`);
    const buf = Buffer.alloc(8);
    let got = 0;
    let last = -1;
    for (;;) {
      try {
        yield* timeout(200, b.recvfrom(buf));
      } catch (e) {
        if (e instanceof TimeoutError) break;
        throw e;
      }
      const seq = buf.readUInt32BE(0);
      assert.ok(seq > last, `datagram ${seq} after ${last}`);
      last = seq;
      got++;
    }
    assert.ok(got > QUEUE_MAX, `read ${got}: reading resumed after the queue drained`);
    a.close();
    b.close();
  });
});
