// Ping-pong: n round trips over two rendezvous channels between two tasklets.
import { type Channel, channel, type Operation, run, spawn } from "../../../src/index.js";
import { report, size } from "../../lib/report.js";

function* ponger(ping: Channel<number>, pong: Channel<number>, n: number): Operation<void> {
  for (let i = 0; i < n; i++) yield* pong.send((yield* ping.recv()) + 1);
}

function* pinger(ping: Channel<number>, pong: Channel<number>, n: number): Operation<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    yield* ping.send(i);
    sum += yield* pong.recv();
  }
  return sum;
}

const n = size(1_000_000);
const start = performance.now();
const sum = await run(function* () {
  const ping = channel<number>();
  const pong = channel<number>();
  spawn(ponger(ping, pong, n));
  return yield* pinger(ping, pong, n);
});
report(start, sum);
