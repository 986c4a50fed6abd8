// A first program: three tasklets, a join with a value, a kill with cleanup.
// Run it: npm run build && node dist/examples/first.js
import { main, type Operation, sleep, spawn } from "../src/index.js";

function* worker(name: string, ms: number): Operation<string> {
  yield* sleep(ms);
  return `${name} slept ${ms} ms`;
}

function* ticker(): Operation<void> {
  try {
    for (let i = 1; ; i++) {
      yield* sleep(10);
      console.log(`tick ${i}`);
    }
  } finally {
    console.log("ticker cleans up"); // runs when the ticker is killed
  }
}

main(function* () {
  const a = spawn(() => worker("a", 30), { name: "a" });
  const b = spawn(() => worker("b", 15), { name: "b" });
  const t = spawn(ticker, { name: "ticker" });
  console.log(yield* b.join());
  console.log(yield* a.join());
  t.kill();
  try {
    yield* t.join();
  } catch (e) {
    console.log(`ticker ended with ${(e as Error).name}`); // KilledError, after its cleanup ran
  }
});
