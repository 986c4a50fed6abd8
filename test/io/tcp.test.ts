import assert from "node:assert/strict";
import * as net from "node:net";
import { test } from "node:test";
import { runtime } from "../../src/core/runtime.js";
import {
  ClosedError,
  IOError,
  KilledError,
  type Operation,
  run,
  schedule,
  sleep,
  spawn,
  TimeoutError,
  timeout,
} from "../../src/index.js";
import { connect, listen } from "../../src/io/index.js";
import type { TcpConn } from "../../src/io/tcp-conn.js";
import { closeAfterEach, errorOf, pollUntil } from "../helpers.js";

const HOST = "127.0.0.1";

const track = closeAfterEach();

/** How `pollUntil` looks here: each ms, for at most 10 s. */
const POLL = { everyMs: 1, limitMs: 10_000 };

function* echo(conn: TcpConn): Operation<void> {
  const buf = Buffer.alloc(4096);
  try {
    for (;;) {
      const n = yield* conn.recv(buf);
      yield* conn.send(buf.subarray(0, n));
    }
  } catch (e) {
    if (!(e instanceof ClosedError)) throw e;
  } finally {
    conn.close();
  }
}

test("echo: what a client sends comes back; both ends know each other's address", async () => {
  await run(function* () {
    const server = track(yield* listen({ port: 0, host: HOST }));
    const port = server.address.port;
    const srv = spawn(function* () {
      const conn = track(yield* server.accept());
      assert.equal(conn.myPort, port);
      assert.equal(conn.myAddress, HOST);
      yield* echo(conn);
      return conn.peerPort;
    });
    const conn = track(yield* connect({ host: HOST, port }));
    assert.equal(conn.peerAddress, HOST);
    assert.equal(conn.peerPort, port);
    const got = Buffer.alloc(11);
    yield* conn.send("hello world");
    yield* conn.recvExactly(got);
    assert.equal(got.toString(), "hello world");
    conn.close();
    assert.equal(yield* srv.join(), conn.myPort);
    server.close();
  });
});

test("recv: bytes sent before a FIN are delivered first, then ClosedError; half-close still lets us send", async () => {
  await run(function* () {
    const server = track(yield* listen({ port: 0, host: HOST }));
    const srv = spawn(function* () {
      const conn = track(yield* server.accept());
      const buf = Buffer.alloc(100);
      let text = "";
      try {
        for (;;) text += buf.toString("utf8", 0, yield* conn.recv(buf));
      } catch (e) {
        assert.ok(e instanceof ClosedError, String(e));
      }
      yield* conn.send(`got ${text}`); // the client only shut its sending half
      conn.close();
    });
    const conn = track(yield* connect({ host: HOST, port: server.address.port }));
    yield* conn.send("abc");
    yield* conn.send("def");
    conn.shutdown();
    yield* errorOf(conn.send("late"), ClosedError); // no send after shutdown
    yield* srv.join();
    assert.equal(yield* conn.readLine(), "got abcdef");
    yield* errorOf(conn.readLine(), ClosedError);
    conn.close();
    server.close();
  });
});

test("send blocks while the peer does not read; nothing is lost and the reader's buffer stays bounded", async () => {
  const CHUNK = 64 * 1024;
  const TOTAL = 64 * CHUNK; // 4 MiB: far more than the kernel's and Node's buffers together
  await run(function* () {
    const server = track(yield* listen({ port: 0, host: HOST }));
    const client = track(yield* connect({ host: HOST, port: server.address.port }));
    const conn = track(yield* server.accept());
    let sent = 0;
    const sender = spawn(function* () {
      const chunk = Buffer.alloc(CHUNK);
      for (let off = 0; off < TOTAL; off += CHUNK) {
        for (let i = 0; i < CHUNK; i++) chunk[i] = (off + i) % 251;
        yield* client.send(chunk);
        sent += CHUNK;
      }
      client.shutdown();
    });
    // The reader does not read: the sender must end up blocked in send.
    yield* pollUntil("the sender blocks", () => sender.stateName === "blocked" && runtime().holds > 0, POLL);
    const before = sent;
    yield* sleep(20);
    assert.equal(sent, before, "no send completed while the peer read nothing");
    assert.ok(sent < TOTAL, `sent ${sent} of ${TOTAL}`);
    assert.ok(conn.available <= 64 * 1024 + CHUNK, `unread bytes kept in memory: ${conn.available}`);
    // Now read everything and check every byte.
    const buf = Buffer.alloc(10_000);
    let got = 0;
    try {
      for (;;) {
        const n = yield* conn.recv(buf);
        for (let i = 0; i < n; i++) if (buf[i] !== (got + i) % 251) assert.fail(`byte ${got + i} differs`);
        got += n;
      }
    } catch (e) {
      assert.ok(e instanceof ClosedError, String(e));
    }
    assert.equal(got, TOTAL);
    yield* sender.join();
    conn.close();
    client.close();
    server.close();
  });
});

test("connect to a port nobody listens on throws IOError ECONNREFUSED", async () => {
  await run(function* () {
    const server = track(yield* listen({ port: 0, host: HOST }));
    const port = server.address.port;
    server.close();
    yield* sleep(1);
    const e = yield* errorOf(connect({ host: HOST, port }));
    assert.ok(e instanceof IOError, String(e));
    assert.equal(e.code, "ECONNREFUSED");
  });
});

test("a reset peer: bytes received before the reset are delivered, then ClosedError with code ECONNRESET, for recv and send alike", async () => {
  const plain = net.createServer((s) => {
    s.write("x", () => {
      s.once("data", () => s.resetAndDestroy()); // reset once our side has read "x" and asked for more
    });
  });
  await new Promise<void>((r) => plain.listen(0, HOST, r));
  try {
    await run(function* () {
      const conn = track(yield* connect({ host: HOST, port: (plain.address() as net.AddressInfo).port }));
      const buf = Buffer.alloc(10);
      assert.equal(yield* conn.recv(buf), 1);
      assert.equal(buf.toString("utf8", 0, 1), "x");
      yield* conn.send("go");
      const e = yield* errorOf(conn.recv(buf));
      assert.ok(e instanceof ClosedError, `a lost peer is a ClosedError: ${e}`);
      assert.equal(e.code, "ECONNRESET");
      const s = yield* errorOf(conn.send("more"));
      assert.ok(s instanceof ClosedError, String(s));
      assert.equal(s.code, "ECONNRESET");
      conn.close();
    });
  } finally {
    plain.close();
  }
});

test("kill withdraws a tasklet blocked in accept, recv, send or connect; the sockets stay usable", async () => {
  await run(function* () {
    const holds = runtime().holds;
    const server = track(yield* listen({ port: 0, host: HOST }));
    const port = server.address.port;
    // accept
    const acceptor = spawn(server.accept());
    yield* schedule();
    assert.equal(acceptor.stateName, "blocked");
    acceptor.kill();
    yield* errorOf(acceptor.join(), KilledError);
    assert.equal(runtime().holds, holds);
    // a later accept still gets the next connection
    const client = track(yield* connect({ host: HOST, port }));
    const conn = track(yield* server.accept());
    // recv
    const reader = spawn(conn.recv(Buffer.alloc(10)));
    yield* schedule();
    assert.equal(reader.stateName, "blocked");
    reader.kill();
    yield* errorOf(reader.join());
    yield* client.send("kept");
    const buf = Buffer.alloc(4);
    yield* conn.recvExactly(buf);
    assert.equal(buf.toString(), "kept", "the killed recv took nothing");
    // send: fill the buffers until a sender blocks, kill it
    const big = Buffer.alloc(1024 * 1024);
    const sender = spawn(function* () {
      for (;;) yield* client.send(big);
    });
    yield* pollUntil("the sender blocks", () => sender.stateName === "blocked", POLL);
    sender.kill();
    yield* errorOf(sender.join());
    // connect (killed while the handshake is under way)
    const connector = spawn(connect({ host: HOST, port }));
    yield* schedule();
    assert.equal(connector.stateName, "blocked");
    connector.kill();
    yield* errorOf(connector.join(), KilledError);
    assert.equal(runtime().holds, holds, "every withdrawn wait gave its hold back");
    client.close();
    conn.close();
    server.close();
  });
});

test("a recv that times out takes nothing: bytes arriving later are there for the next recv", async () => {
  await run(function* () {
    const server = track(yield* listen({ port: 0, host: HOST }));
    const client = track(yield* connect({ host: HOST, port: server.address.port }));
    const conn = track(yield* server.accept());
    const buf = Buffer.alloc(16);
    yield* errorOf(timeout(10, conn.recv(buf)), TimeoutError);
    yield* client.send("late data");
    const n = yield* conn.recv(buf);
    assert.equal(buf.toString("utf8", 0, n), "late data");
    // and data already there when the timeout's recv starts is returned at once
    yield* client.send("now");
    yield* pollUntil("the bytes arrived", () => conn.available === 3, POLL);
    assert.equal(yield* timeout(0, conn.recv(buf)), 3);
    client.close();
    conn.close();
    server.close();
  });
});

test("a tasklet blocked in accept() is not a deadlock: a client that comes later is accepted", async () => {
  const addr = await run(function* () {
    const server = track(yield* listen({ port: 0, host: HOST }));
    return { server, port: server.address.port };
  });
  const t = setTimeout(
    () =>
      net
        .connect(addr.port, HOST)
        .on("error", () => {})
        .end(),
    100,
  );
  try {
    const peer = await run(function* () {
      const conn = track(yield* addr.server.accept());
      conn.close();
      return conn.peerAddress;
    });
    assert.equal(peer, HOST);
  } finally {
    clearTimeout(t);
    addr.server.close();
  }
});

test("readLine splits lines across chunks, strips CRLF, and returns a last line without newline", async () => {
  await run(function* () {
    const server = track(yield* listen({ port: 0, host: HOST }));
    const client = track(yield* connect({ host: HOST, port: server.address.port }));
    const conn = track(yield* server.accept());
    const writer = spawn(function* () {
      for (const part of ["one\r\ntw", "o\n", "", "thr", "ee\nfour"]) {
        if (part !== "") yield* client.send(part);
        yield* sleep(2);
      }
      client.shutdown();
    });
    const lines: string[] = [];
    try {
      for (;;) lines.push(yield* conn.readLine());
    } catch (e) {
      assert.ok(e instanceof ClosedError, String(e));
    }
    assert.deepEqual(lines, ["one", "two", "three", "four"]);
    yield* writer.join();
    client.close();
    conn.close();
    server.close();
  });
});

test("bad arguments fail at the call with a clear error", async () => {
  await run(function* () {
    assert.throws(() => connect({ host: HOST, port: 70000 }), RangeError);
    assert.throws(() => connect({ host: "", port: 80 }), TypeError);
    assert.throws(() => listen({ port: -1 }), RangeError);
    const server = track(yield* listen({ port: 0, host: HOST }));
    const client = track(yield* connect({ host: HOST, port: server.address.port }));
    assert.throws(() => client.recv(Buffer.alloc(0)), RangeError);
    assert.throws(() => client.recv("x" as unknown as Uint8Array), TypeError);
    assert.throws(() => client.send(42 as unknown as Uint8Array), TypeError);
    // readLine's limit: NaN would turn it off, a string would be converted silently.
    assert.throws(() => client.readLine(Number.NaN), {
      name: "RangeError",
      message: "readLine: maxBytes must be an integer >= 0, got NaN",
    });
    assert.throws(() => client.readLine("5" as unknown as number), {
      name: "RangeError",
      message: 'readLine: maxBytes must be an integer >= 0, got string "5"',
    });
    assert.throws(() => client.readLine(-1), RangeError);
    assert.throws(() => client.readLine(1.5), RangeError);
    client.close();
    server.close();
  });
});

test("listen on a port in use throws IOError EADDRINUSE", async () => {
  await run(function* () {
    const server = track(yield* listen({ port: 0, host: HOST }));
    const e = yield* errorOf(listen({ port: server.address.port, host: HOST }));
    assert.ok(e instanceof IOError, String(e));
    assert.equal(e.code, "EADDRINUSE");
    server.close();
  });
});

test("readLine reads a line longer than the read buffer's high-water mark; a line over maxBytes throws RangeError", {
  timeout: 20_000,
}, async () => {
  await run(function* () {
    const server = track(yield* listen({ port: 0, host: HOST }));
    const client = track(yield* connect({ host: HOST, port: server.address.port }));
    const conn = track(yield* server.accept());
    const long = "x".repeat(300_000);
    spawn(client.send(`${long}\nshort\n`));
    assert.equal((yield* conn.readLine(1_000_000)).length, long.length);
    assert.equal(yield* conn.readLine(), "short");
    spawn(client.send(`${"y".repeat(2000)}\n`));
    const e = yield* errorOf(conn.readLine(1000));
    assert.ok(e instanceof RangeError, String(e));
  });
});

test("connect from a given local address: the server sees it as the peer", async () => {
  await run(function* () {
    const server = track(yield* listen({ port: 0, host: "0.0.0.0" }));
    const client = track(yield* connect({ host: HOST, port: server.address.port, localAddress: "127.0.0.2" }));
    const conn = track(yield* server.accept());
    assert.equal(client.myAddress, "127.0.0.2");
    assert.equal(conn.peerAddress, "127.0.0.2");
  });
});

test("abort drops a peer that does not read at once; close would wait for it to read", async () => {
  await run(function* () {
    const server = track(yield* listen({ port: 0, host: HOST }));
    const client = track(yield* connect({ host: HOST, port: server.address.port }));
    const conn = track(yield* server.accept());
    const sender = spawn(function* () {
      for (;;) yield* conn.send(Buffer.alloc(256 * 1024));
    });
    yield* pollUntil("the sender blocks", () => sender.stateName === "blocked", POLL);
    conn.abort();
    yield* errorOf(sender.join(), ClosedError); // the blocked sender got ClosedError
    assert.ok(conn.socket.destroyed, "the socket is gone at once");
    const buf = Buffer.alloc(64 * 1024);
    const e = yield* errorOf(
      (function* () {
        for (;;) yield* client.recv(buf);
      })(),
    );
    assert.ok(e instanceof IOError, `the peer sees the end (reset or FIN): ${e}`);
  });
});
