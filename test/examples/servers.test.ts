import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as net from "node:net";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

/** Bound on each wait, so a failing test ends instead of hanging. */
const STEP_LIMIT_MS = 20_000;

/** Reads lines from a stream one at a time; null once the stream ended. */
function lineReader(input: NodeJS.ReadableStream, what: string): () => Promise<string | null> {
  const rl = createInterface({ input });
  const queue: string[] = [];
  let closed = false;
  let waiting: ((l: string | null) => void) | null = null;
  rl.on("line", (l) => {
    if (waiting !== null) {
      const w = waiting;
      waiting = null;
      w(l);
    } else queue.push(l);
  });
  rl.on("close", () => {
    closed = true;
    waiting?.(null);
  });
  return () => {
    const l = queue.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (closed) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no line from ${what} in time`)), STEP_LIMIT_MS);
      waiting = (x) => {
        clearTimeout(t);
        resolve(x);
      };
    });
  };
}

function startExample(name: string): { child: ChildProcess; next: () => Promise<string | null> } {
  const file = fileURLToPath(new URL(`../../examples/${name}.js`, import.meta.url));
  const child = spawn(process.execPath, [file, "0"], { stdio: ["ignore", "pipe", "pipe"] });
  return { child, next: lineReader(child.stdout as NodeJS.ReadableStream, name) };
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

async function connectTo(port: number): Promise<net.Socket> {
  const s = net.connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    s.once("connect", resolve);
    s.once("error", reject);
  });
  return s;
}

test("examples/echo-server: echoes each client; SIGTERM runs every connection's cleanup and exits 143", async () => {
  const { child, next } = startExample("echo-server");
  const sockets: net.Socket[] = [];
  try {
    const port = Number(/port (\d+)/.exec((await next()) ?? "")?.[1]);
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
  const { child, next } = startExample("chat-server");
  const sockets: net.Socket[] = [];
  try {
    const port = Number(/port (\d+)/.exec((await next()) ?? "")?.[1]);
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
