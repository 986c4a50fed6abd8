import { type Channel, channel, main, type Operation, sleep, spawn } from "../../src/index.js";

// The producer runs until it is killed; its finally is its cleanup.
function* producer(out: Channel<number>): Operation<void> {
  try {
    for (let i = 0; ; i++) {
      yield* sleep(10);
      yield* out.send(i);
    }
  } finally {
    console.log("producer stopped");
  }
}

main(function* () {
  const ch = channel<number>();
  const p = spawn(producer(ch));
  for (let i = 0; i < 3; i++) console.log(`got ${yield* ch.recv()}`);
  p.kill();
  try {
    yield* p.join();
  } catch {
    console.log("producer was killed");
  }
});
