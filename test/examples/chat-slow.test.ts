/**
 * The showcase server bounds each client's outbox: clients that write
 * without reading are dropped (and counted), the server's memory stays
 * flat, and the clients that read keep getting their answers.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type * as net from "node:net";
import { test } from "node:test";
import { connectTo, exitOf, lineReader, lineUntil, pour, startExample } from "./server-child.js";

const GOOD = 190;
const SLOW = 10;
const ROOM_SIZE = 10;
/** How long the slow clients flood while the good ones chat. */
const FLOOD_MS = 5000;
/**
 * Growth of the server's resident memory allowed while they flood. Before
 * the bound one such client took a server from 61 to 526 MB in 20 s;
 * measured with it: a few MB (the outboxes hold at most 256 KiB each).
 */
const RSS_GROWTH_MAX_MB = 64;

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m === null ? 0 : Number(m[1]) / 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("chat server: clients that write without reading are dropped and counted; memory stays flat; the others keep chatting", {
  timeout: 60_000,
}, async () => {
  const { child, next, port } = await startExample("chat/serve");
  const pid = child.pid as number;
  const sockets: net.Socket[] = [];
  let stop = false;
  try {
    // The good clients: a closed loop each (send, wait for the line to come back, think 20 ms).
    const rounds = new Array<number>(GOOD).fill(0);
    const closedByServer: number[] = [];
    const good = await Promise.all(
      Array.from({ length: GOOD }, async (_, id) => {
        const s = await connectTo(port);
        sockets.push(s);
        s.on("close", () => stop || closedByServer.push(id));
        const nextLine = lineReader(s, `client ${id}`);
        s.write(`J ${Math.floor(id / ROOM_SIZE)}\n`);
        assert.equal(await nextLine(), "W");
        return { s, nextLine };
      }),
    );
    const failures: string[] = [];
    for (const [id, { s, nextLine }] of good.entries()) {
      void (async () => {
        while (!stop) {
          const line = `m ${id} ${rounds[id]}`;
          s.write(`${line}\n`);
          await lineUntil(nextLine, (l) => l === line);
          rounds[id] = (rounds[id] as number) + 1;
          await sleep(20);
        }
      })().catch((e: Error) => stop || failures.push(`client ${id}: ${e.message}`));
    }
    const base = rssMB(pid);

    // The slow clients: one room of their own, flooding it, never reading.
    const dropped: number[] = [];
    const slow = await Promise.all(
      Array.from({ length: SLOW }, async (_, k) => {
        const s = await connectTo(port);
        sockets.push(s);
        s.on("error", () => {});
        s.on("close", () => dropped.push(k));
        s.pause();
        s.write("J 1000\n");
        return s;
      }),
    );
    const floods = slow.map((s) => pour(s, 1024 * 1024 * 1024, `${"f".repeat(511)}\n`));
    let peak = base;
    const start = Date.now();
    let roundsAtHalf: number[] = [];
    while (Date.now() - start < FLOOD_MS) {
      await sleep(250);
      peak = Math.max(peak, rssMB(pid));
      if (roundsAtHalf.length === 0 && Date.now() - start >= FLOOD_MS / 2) roundsAtHalf = [...rounds];
    }
    // A slow client is dropped once its outbox is full, which takes its flood through the
    // kernel's buffers first: on a loaded machine the last ones can need more than FLOOD_MS.
    const dropDeadline = Date.now() + 30_000;
    while (dropped.length < SLOW && Date.now() < dropDeadline) {
      await sleep(100);
      peak = Math.max(peak, rssMB(pid));
    }
    stop = true;
    console.log(`  server RSS ${base.toFixed(0)} MB before the flood, peak ${peak.toFixed(0)} MB`);
    assert.ok(peak - base < RSS_GROWTH_MAX_MB, `RSS grew from ${base.toFixed(0)} to ${peak.toFixed(0)} MB`);
    assert.equal(dropped.length, SLOW, `every slow client was dropped (${dropped.length} of ${SLOW})`);
    assert.deepEqual(failures, [], "no client that reads failed");
    assert.deepEqual(closedByServer, [], "no client that reads was dropped");
    const stalled = rounds.filter((r, id) => r <= (roundsAtHalf[id] as number)).length;
    assert.equal(stalled, 0, "every good client kept getting its answers while the slow ones flooded");
    for (const s of slow) s.destroy();
    await Promise.all(floods);
  } finally {
    stop = true;
    for (const s of sockets) s.destroy();
    child.kill("SIGTERM");
    await exitOf(child);
  }
  const said: string[] = [];
  for (let l = await next(); l !== null; l = await next()) said.push(l);
  assert.match(said.join("\n"), new RegExp(`dropped slow clients: ${SLOW},`));
});
