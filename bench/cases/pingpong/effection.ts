// pingpong with Effection: two channels (createChannel; Effection's channels are unbounded
// broadcast streams, so a send never waits; the round trip still makes ping wait for pong).
// Each side subscribes before the first send, as Effection requires.
import { createChannel, type Operation, run, spawn, withResolvers } from "effection";
import { report, size } from "../../lib/report.js";

const n = size(1_000_000);
const start = performance.now();
const sum = await run(function* (): Operation<number> {
  const a = createChannel<number>();
  const b = createChannel<number>();
  const pongSubscribed = withResolvers<void>();
  const replies = yield* b;
  const pong = yield* spawn(function* () {
    const requests = yield* a;
    pongSubscribed.resolve();
    for (let i = 0; i < n; i++) {
      const r = yield* requests.next();
      yield* b.send((r.value as number) + 1);
    }
  });
  yield* pongSubscribed.operation;
  let s = 0;
  for (let i = 0; i < n; i++) {
    yield* a.send(i);
    s += (yield* replies.next()).value as number;
  }
  yield* pong;
  return s;
});
report(start, sum);
