// Skynet with plain async/await and a minimal hand-written rendezvous channel.
import { Chan } from "../../lib/async-chan.js";
import { report, size } from "../../lib/report.js";

async function skynet(out: Chan<number>, num: number, size: number, div: number): Promise<void> {
  if (size === 1) {
    await out.send(num);
    return;
  }
  const rc = new Chan<number>();
  const sub = size / div;
  for (let i = 0; i < div; i++) void skynet(rc, num + i * sub, sub, div);
  let sum = 0;
  for (let i = 0; i < div; i++) sum += await rc.recv();
  await out.send(sum);
}

const leaves = size(1_000_000);
const start = performance.now();
const ch = new Chan<number>();
void skynet(ch, 0, leaves, 10);
const sum = await ch.recv();
report(start, sum);
