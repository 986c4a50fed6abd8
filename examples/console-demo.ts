// A program to look at with the live console (docs/inspect.md):
//   npm run build && npx tasklet run dist/examples/console-demo.js --console [seconds]
// and open the URL it prints. Producers and consumers on a channel, workers that
// take turns on a lock, a listener on a channel nobody sends to, a waiter on an
// event never set, a spinner and a spawner (the chart), and two movers that lock
// two mutexes in opposite orders under timeout(): a wait-for cycle for a second at
// a time, until one gives up and retries (the graph shows it in red).
import { channel, Event, Mutex, type Operation, schedule, sleep, spawn, TimeoutError, timeout } from "../src/index.js";

function* producer(out: ReturnType<typeof channel<number>>): Operation<void> {
  for (let i = 0; ; i++) {
    yield* out.send(i);
    yield* sleep(10);
  }
}

function* consumer(from: ReturnType<typeof channel<number>>): Operation<void> {
  for (;;) {
    yield* from.recv();
    yield* sleep(150);
  }
}

function* worker(lock: Mutex): Operation<void> {
  for (;;) {
    yield* lock.lock();
    try {
      yield* sleep(100);
    } finally {
      lock.unlock();
    }
  }
}

function* mover(first: Mutex, second: Mutex): Operation<void> {
  for (;;) {
    yield* first.lock();
    try {
      yield* sleep(50);
      yield* timeout(1000, second.lock());
      second.unlock();
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
    } finally {
      first.unlock();
    }
    yield* sleep(Math.random() * 300);
  }
}

function* spinner(): Operation<void> {
  for (let i = 1; ; i++) {
    yield* schedule();
    if (i % 2000 === 0) yield* sleep(20);
  }
}

function* spawner(): Operation<void> {
  for (let i = 0; ; i++) {
    spawn(() => sleep(30), { name: `short-${i % 10}` });
    yield* sleep(100);
  }
}

/** Runs the show for `seconds` (default: until killed). */
export default function* demo(seconds = "0"): Operation<void> {
  const jobs = channel<number>(2);
  for (let i = 1; i <= 2; i++) spawn(() => producer(jobs), { name: `producer-${i}` });
  spawn(() => consumer(jobs), { name: "consumer" });
  const lock = new Mutex();
  for (let i = 1; i <= 3; i++) spawn(() => worker(lock), { name: `worker-${i}` });
  const quiet = channel<string>();
  spawn(() => quiet.recv(), { name: "listener" });
  const gate = new Event();
  spawn(() => gate.wait(), { name: "gatekeeper" });
  const a = new Mutex();
  const b = new Mutex();
  spawn(() => mover(a, b), { name: "mover-ab" });
  spawn(() => mover(b, a), { name: "mover-ba" });
  spawn(spinner, { name: "spinner" });
  spawn(spawner, { name: "spawner" });
  const s = Number(seconds);
  yield* sleep(s > 0 ? s * 1000 : Number.POSITIVE_INFINITY);
}
