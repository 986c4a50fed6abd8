import { after, call, channel, main, select, sleep, spawn, until } from "../../src/index.js";

// A tasklet that answers on a channel, a promise from async code, and a deadline.
main(function* () {
  const mirror = channel<string>();
  const t = spawn(function* () {
    yield* sleep(50);
    yield* mirror.send("mirror");
  });
  const primary = new Promise<string>((resolve) => setTimeout(() => resolve("primary"), 10));
  const r = yield* select(mirror.recv(), until(primary), after(1000));
  if (r.index === 2) console.log("nobody answered in time");
  else console.log(`first: ${r.value}`);
  t.kill(); // the loser; its send is withdrawn, nothing is left behind
  yield* call(() => primary);
});
