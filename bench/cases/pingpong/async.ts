// Ping-pong with plain async/await and a minimal hand-written rendezvous channel.
import { report, size } from "../../lib/report.js";

/** A rendezvous channel: send resolves when a receiver took the value. */
class Chan<T> {
  private readonly receivers: ((v: T) => void)[] = [];
  private readonly senders: { v: T; done: () => void }[] = [];
  send(v: T): Promise<void> {
    const r = this.receivers.shift();
    if (r !== undefined) {
      r(v);
      return Promise.resolve();
    }
    return new Promise((done) => this.senders.push({ v, done }));
  }
  recv(): Promise<T> {
    const s = this.senders.shift();
    if (s !== undefined) {
      s.done();
      return Promise.resolve(s.v);
    }
    return new Promise((resolve) => this.receivers.push(resolve));
  }
}

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
