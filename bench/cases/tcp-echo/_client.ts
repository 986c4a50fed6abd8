/**
 * The load generator of the tcp-echo benchmark, the same for every server:
 * a separate process (so it does not share the server's thread), plain
 * Node callbacks. `node client.js <port> <connections> <messages>`: each
 * connection sends a MSG-byte message, waits for its whole echo, records
 * the round-trip time, and sends the next. Prints one JSON line:
 * {ms, msgs, p50, p99} (latencies in microseconds).
 */
import * as net from "node:net";

const MSG = 32;

const port = Number(process.argv[2]);
const conns = Number(process.argv[3] ?? 100);
const msgs = Number(process.argv[4] ?? 1000);
const payload = Buffer.alloc(MSG, 0x61);
const lat = new Float64Array(conns * msgs);
let nlat = 0;
let open = conns;
let start = 0;

function client(): void {
  const s = net.connect({ port, host: "127.0.0.1" });
  s.setNoDelay(true);
  let sent = 0;
  let got = 0;
  let t0 = 0;
  const send = (): void => {
    sent++;
    got = 0;
    t0 = performance.now();
    s.write(payload);
  };
  s.on("connect", () => {
    if (--pending === 0) {
      start = performance.now();
      for (const f of starters) f();
    }
  });
  starters.push(send);
  s.on("data", (d) => {
    got += d.length;
    if (got < MSG) return;
    lat[nlat++] = (performance.now() - t0) * 1000;
    if (sent < msgs) send();
    else s.end();
  });
  s.on("end", () => {
    s.destroy();
    if (--open === 0) done();
  });
  s.on("error", (e) => {
    console.error(e);
    process.exit(1);
  });
}

let pending = conns;
const starters: (() => void)[] = [];

function done(): void {
  const ms = performance.now() - start;
  const sorted = lat.subarray(0, nlat).sort();
  const pct = (p: number): number => Math.round(sorted[Math.min(nlat - 1, Math.floor(nlat * p))] as number);
  process.stdout.write(`${JSON.stringify({ ms, msgs: nlat, p50: pct(0.5), p99: pct(0.99) })}\n`);
}

for (let i = 0; i < conns; i++) client();
