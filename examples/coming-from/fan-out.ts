import { type Channel, channel, main, type Operation, sleep, spawn } from "../../src/index.js";

// Three workers share one channel of jobs; each result goes to one channel.
function* worker(jobs: Channel<number>, results: Channel<number>): Operation<void> {
  for (let r = yield* jobs.recvOrDone(); !r.done; r = yield* jobs.recvOrDone()) {
    yield* sleep(10); // the work
    yield* results.send(r.value * r.value);
  }
}

main(function* () {
  const jobs = channel<number>();
  const results = channel<number>();
  const workers = [1, 2, 3].map(() => spawn(worker(jobs, results)));
  spawn(function* () {
    for (let i = 1; i <= 10; i++) yield* jobs.send(i);
    jobs.close();
  });
  spawn(function* () {
    for (const w of workers) yield* w.join();
    results.close();
  });
  let sum = 0;
  for (let r = yield* results.recvOrDone(); !r.done; r = yield* results.recvOrDone()) {
    sum += r.value;
  }
  console.log(`sum of squares 1..10: ${sum}`);
});
