import { type Channel, channel, KilledError, type Operation, run, sleep, spawn } from "../../src/index.js";

function* ticks(n: number, out: Channel<number>): Operation<string> {
  for (let i = 1; i <= n; i++) {
    yield* sleep(5);
    yield* out.send(i);
  }
  out.close();
  return `sent ${n}`;
}

function* forever(): Operation<void> {
  try {
    yield* sleep(60_000);
  } finally {
    console.log("cleanup ran");
  }
}

// Plain async code drives tasklets: for await over a channel, a tasklet's end
// as a promise, and run() under an AbortSignal.
const ch = channel<number>();
const t = spawn(ticks(3, ch));
for await (const v of ch) console.log(`tick ${v}`);
console.log(await t.result());
try {
  await run(forever(), { signal: AbortSignal.timeout(20) });
} catch (e) {
  if (!(e instanceof KilledError)) throw e;
  console.log(`run was killed: ${(e.cause as Error).name}`);
}
