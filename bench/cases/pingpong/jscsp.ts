// pingpong with js-csp: two unbuffered channels, ping and pong as processes.
import csp, { type Chan } from "js-csp";
import { report, size } from "../../lib/report.js";

function* pong(a: Chan<number>, b: Chan<number>, n: number): Generator<unknown, void, unknown> {
  for (let i = 0; i < n; i++) yield csp.put(b, ((yield csp.take(a)) as number) + 1);
}

function* ping(n: number, done: (sum: number) => void): Generator<unknown, void, unknown> {
  const a = csp.chan<number>();
  const b = csp.chan<number>();
  const p = csp.go(pong, [a, b, n]);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    yield csp.put(a, i);
    sum += (yield csp.take(b)) as number;
  }
  yield csp.take(p);
  done(sum);
}

const n = size(1_000_000);
const start = performance.now();
const sum = await new Promise<number>((resolve) => csp.go(ping, [n, resolve]));
report(start, sum);
