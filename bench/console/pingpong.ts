// bench/cases/pingpong's tasklet case, optionally under the live console: with `console`
// it starts the console, prints its URL and waits for a line on stdin (the driver's
// browser has the page open by then) before the timed part. Driven by bench/console/ab.ts.
import { once } from "node:events";
import { type Channel, channel, type Operation, run, spawn, startConsole } from "../../src/index.js";
import { report, size } from "../lib/report.js";

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

const n = size(10_000_000);
if (process.argv[3] === "console") {
  const c = await startConsole({ announce: (line) => process.stdout.write(`${line}\n`) });
  await once(process.stdin, "data");
  process.stdin.pause();
  void c;
}
const cpu0 = process.cpuUsage();
const start = performance.now();
const sum = await run(function* () {
  const ping = channel<number>();
  const pong = channel<number>();
  spawn(ponger(ping, pong, n));
  return yield* pinger(ping, pong, n);
});
const cpu = process.cpuUsage(cpu0);
// The process's CPU time in the timed part: what the console costs the program, without the browser's share of the cores.
report(start, sum, { cpuMs: Math.round((cpu.user + cpu.system) / 1000) });
