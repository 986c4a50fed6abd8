import assert from "node:assert/strict";
import type * as net from "node:net";
import { test } from "node:test";
import { connectTo, exitOf, lineReader, startExample } from "./server-child.js";

test("examples/echo-server: echoes each client; SIGTERM runs every connection's cleanup and exits 143", async () => {
  const { child, next, port } = await startExample("echo-server");
  const sockets: net.Socket[] = [];
  try {
    const a = await connectTo(port);
    const b = await connectTo(port);
    sockets.push(a, b);
    const echoed = (s: net.Socket, text: string) =>
      new Promise<string>((resolve) => {
        let got = "";
        s.on("data", (d) => {
          got += d;
          if (got.length >= text.length) resolve(got);
        });
        s.write(text);
      });
    assert.equal(await echoed(a, "from a"), "from a");
    assert.equal(await echoed(b, "from b"), "from b");
    child.kill("SIGTERM");
    assert.equal(await exitOf(child), 143);
    const out: string[] = [];
    for (let l = await next(); l !== null; l = await next()) out.push(l);
    assert.equal(out.filter((l) => l.endsWith(" gone")).length, 2, out.join("\n"));
  } finally {
    for (const s of sockets) s.destroy();
    child.kill("SIGKILL");
  }
});

test("examples/chat-server: a line from one client reaches the other, prefixed with its sender", async () => {
  const { child, port } = await startExample("chat-server");
  const sockets: net.Socket[] = [];
  try {
    const a = await connectTo(port);
    sockets.push(a);
    const fromA = lineReader(a, "client a");
    const b = await connectTo(port);
    sockets.push(b);
    const fromB = lineReader(b, "client b");
    const bName = `127.0.0.1:${b.localPort}`;
    assert.equal(await fromA(), `* ${bName} joined`);
    b.write("hello from b\n");
    assert.equal(await fromA(), `${bName}: hello from b`);
    a.write("hi b\r\n");
    assert.equal(await fromB(), `127.0.0.1:${a.localPort}: hi b`);
    b.end();
    assert.equal(await fromA(), `* ${bName} left`);
  } finally {
    for (const s of sockets) s.destroy();
    child.kill("SIGKILL");
  }
});
