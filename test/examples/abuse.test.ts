/**
 * Every example server survives abusive clients while a well-behaved one
 * keeps getting answers: peers that never read and are then reset all at
 * once while the server is sending to them, half-closes, a line sent a byte
 * at a time (slowloris) and a line that never ends. The server process must
 * still be alive at the end (before: a reset was an IOError that escaped the
 * documented `catch (ClosedError)`, and the process died with exit 1).
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import type * as net from "node:net";
import { test } from "node:test";
import { connectTo, exitOf, lineReader, lineUntil, pour, startExample } from "./server-child.js";

/** A well-behaved client: `ask(i)` resolves once the server answered its i-th request. */
interface Probe {
  ask(i: number): Promise<void>;
}

interface Example {
  name: string;
  /** What an abusive client sends first (the showcase's clients join a room of their own). */
  hello: string;
  /** Bytes each client that never reads pours in (enough that the server blocks sending to it). */
  pour: number;
  probe(port: number, sockets: net.Socket[]): Promise<Probe>;
  /** A line the server prints when it stops, if it counts the clients it dropped. */
  summary?: RegExp;
}

async function open(port: number, sockets: net.Socket[]): Promise<net.Socket> {
  const s = await connectTo(port);
  s.on("error", () => {}); // the abusers' own sockets see resets too
  sockets.push(s);
  return s;
}

const LINE = `${"x".repeat(1023)}\n`;

const examples: Example[] = [
  {
    name: "echo-server",
    hello: "",
    pour: 8 * 1024 * 1024,
    async probe(port, sockets) {
      const s = await open(port, sockets);
      const next = lineReader(s, "the probe");
      return {
        async ask(i) {
          s.write(`ping ${i}\n`);
          await lineUntil(next, (l) => l === `ping ${i}`);
        },
      };
    },
  },
  {
    name: "chat-server",
    hello: "",
    pour: 256 * 1024,
    async probe(port, sockets) {
      const a = await open(port, sockets);
      const fromA = lineReader(a, "probe a");
      const b = await open(port, sockets);
      const bName = `127.0.0.1:${b.localPort}`;
      await lineUntil(fromA, (l) => l === `* ${bName} joined`);
      return {
        async ask(i) {
          b.write(`probe ${i}\n`);
          await lineUntil(fromA, (l) => l === `${bName}: probe ${i}`);
        },
      };
    },
  },
  {
    name: "chat/serve",
    hello: "J 2\n",
    pour: 256 * 1024,
    summary: /dropped for a line too long: 2$/,
    async probe(port, sockets) {
      const s = await open(port, sockets);
      const next = lineReader(s, "the probe");
      s.write("J 1\n");
      assert.equal(await next(), "W");
      return {
        async ask(i) {
          s.write(`probe ${i}\n`);
          await lineUntil(next, (l) => l === `probe ${i}`);
        },
      };
    },
  },
];

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const ex of examples) {
  test(`examples/${ex.name}: resets mid-send, peers that never read, half-closes and slowloris lines do not stop it serving`, {
    timeout: 60_000,
  }, async () => {
    const { child, next, port } = await startExample(ex.name);
    const sockets: net.Socket[] = [];
    const timers: NodeJS.Timeout[] = [];
    const said: string[] = [];
    try {
      const probe = await ex.probe(port, sockets);
      let asked = 0;
      await probe.ask(asked++);

      // Peers that never read, pouring bytes in: the server ends up blocked sending to them.
      const deaf = await Promise.all(Array.from({ length: 6 }, () => open(port, sockets)));
      const pours = deaf.map((s) => {
        s.pause();
        s.write(ex.hello);
        return pour(s, ex.pour, LINE);
      });
      // Slowloris: a line a byte at a time; and a line that never ends.
      for (let k = 0; k < 3; k++) {
        const s = await open(port, sockets);
        s.write(`${ex.hello}slow`);
        timers.push(setInterval(() => s.destroyed || s.write("."), 50));
      }
      for (let k = 0; k < 2; k++) {
        const s = await open(port, sockets);
        s.pause();
        s.write(ex.hello);
        void pour(s, 1024 * 1024, "y".repeat(4096));
      }
      await sleep(1000);
      await probe.ask(asked++);

      // Every deaf peer resets at once, in the middle of the server's sends.
      for (const s of deaf) s.resetAndDestroy();
      await Promise.all(pours);
      // Half-closes: a line, then FIN, never reading.
      for (let k = 0; k < 3; k++) {
        const s = await open(port, sockets);
        s.pause();
        s.end(`${ex.hello}bye\n`);
      }
      await sleep(500);
      for (let k = 0; k < 5; k++) await probe.ask(asked++);
      assert.ok(alive(child), `the server is still running (exit code ${child.exitCode})`);
    } finally {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      child.kill("SIGTERM");
      await exitOf(child);
      for (let l = await next(); l !== null; l = await next()) said.push(l);
    }
    // Both lines that never end were dropped and counted.
    if (ex.summary !== undefined)
      assert.ok(
        said.some((l) => ex.summary?.test(l)),
        said.join("\n"),
      );
  });
}
