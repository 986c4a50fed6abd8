// A pipeline: a producer, three workers and a collector joined by channels, in a scope.
// The collector selects between results and a stall timer; closing a channel ends the
// loops downstream of it. Run it: npm run build && node dist/examples/pipeline.js
import { after, type Channel, channel, main, type Operation, scope, select, sleep } from "../src/index.js";

function* producer(out: Channel<number>, n: number): Operation<void> {
  for (let i = 1; i <= n; i++) yield* out.send(i); // waits while 4 jobs are queued
  out.close(); // the workers drain what was sent, then see the end
}

function* worker(id: number, jobs: Channel<number>, results: Channel<string>): Operation<void> {
  for (;;) {
    const job = yield* jobs.recvOrDone();
    if (job.done) return;
    yield* sleep(job.value % 3); // pretend to work
    yield* results.send(`${job.value}^2 = ${job.value * job.value} (worker ${id})`);
  }
}

main(function* () {
  const jobs = channel<number>(4);
  const results = channel<string>();
  const lines = yield* scope(function* (s) {
    s.spawn(() => producer(jobs, 9), { name: "producer" });
    const workers = [1, 2, 3].map((id) => s.spawn(() => worker(id, jobs, results), { name: `worker-${id}` }));
    s.spawn(
      function* () {
        for (const w of workers) yield* w.join();
        results.close(); // every worker is done: the collector's loop ends
      },
      { name: "closer" },
    );
    const got: string[] = [];
    for (;;) {
      const r = yield* select(results.recvOrDone(), after(1000));
      if (r.index === 1) throw new Error("the pipeline stalled for a second");
      if (r.value.done) return got;
      got.push(r.value.value);
    }
  });
  // Workers finish in an order the sleeps decide; print by job number.
  lines.sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  for (const line of lines) console.log(line);
});
