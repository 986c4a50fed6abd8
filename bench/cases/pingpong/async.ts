// Ping-pong with plain async/await and a minimal hand-written rendezvous channel.
import { Chan } from "../../lib/async-chan.js";
import { report, size } from "../../lib/report.js";

async function ponger(ping: Chan<number>, pong: Chan<number>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await pong.send((await ping.recv()) + 1);
}

async function pinger(ping: Chan<number>, pong: Chan<number>, n: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    await ping.send(i);
    sum += await pong.recv();
  }
  return sum;
}

const n = size(1_000_000);
const start = performance.now();
const ping = new Chan<number>();
const pong = new Chan<number>();
const done = ponger(ping, pong, n);
const sum = await pinger(ping, pong, n);
await done;
report(start, sum);
