// Ping-pong on the reference scheduler (bench/lib/reference.ts), the limit of tasklet's design:
// n round trips over two rendezvous channels between two tasks.
import { Chan, run, spawn } from "../../lib/reference.js";
import { report, size } from "../../lib/report.js";

function* ponger(ping: Chan<number>, pong: Chan<number>, n: number): Generator<unknown, void, unknown> {
  for (let i = 0; i < n; i++) yield* pong.send((yield* ping.recv()) + 1);
}

function* pinger(ping: Chan<number>, pong: Chan<number>, n: number): Generator<unknown, number, unknown> {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    yield* ping.send(i);
    sum += yield* pong.recv();
  }
  return sum;
}

function* main(n: number): Generator<unknown, number, unknown> {
  const ping = new Chan<number>();
  const pong = new Chan<number>();
  spawn(ponger(ping, pong, n));
  return yield* pinger(ping, pong, n);
}

const n = size(1_000_000);
const start = performance.now();
const sum = await run(main(n));
report(start, sum);
