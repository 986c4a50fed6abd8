// The reference scheduler of the bench's `limit` column (bench/lib/reference.ts): it computes what
// the other runtimes compute, and in tasklet's order (same program, same trace), so the column
// measures the same work.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as ref from "../../bench/lib/reference.js";
import * as tasklet from "../../src/index.js";

type Op<T> = { [Symbol.iterator](): Iterator<unknown, T, unknown> };
type Gen<T> = Generator<unknown, T, unknown>;
interface Api {
  run<T>(g: Gen<T>): Promise<T>;
  spawn<T>(g: Gen<T>): { join(): Op<T> };
  schedule(): Op<void>;
  sleep(ms: number): Op<void>;
  chan<T>(): { send(v: T): Op<void>; recv(): Op<T> };
}
const REF: Api = { ...ref, chan: () => new ref.Chan() };
const TASKLET: Api = {
  // The generators here yield only what tasklet's operations yield (tasklet.Suspend).
  run: (g) => tasklet.run(g as tasklet.Operation<never>),
  spawn: (g) => tasklet.spawn(g as tasklet.Operation<never>),
  schedule: tasklet.schedule,
  sleep: tasklet.sleep,
  chan: () => tasklet.channel(),
};

/** Spawns, schedules and joins, logging each step: the order contract of docs/design.md. */
async function spawnTrace(api: Api): Promise<string[]> {
  const log: string[] = [];
  function* child(name: string, turns: number): Gen<string> {
    log.push(`${name} starts`);
    for (let k = 1; k <= turns; k++) {
      yield* api.schedule();
      log.push(`${name} turn ${k}`);
    }
    return name;
  }
  function* root(): Gen<string[]> {
    const a = api.spawn(child("a", 2));
    const b = api.spawn(child("b", 1));
    log.push("root spawned a, b");
    yield* api.schedule();
    log.push("root back");
    const c = api.spawn(child("c", 0));
    log.push(`joined ${yield* a.join()}`);
    log.push(`joined ${yield* c.join()}`);
    log.push(`joined ${yield* b.join()}`);
    return log;
  }
  return api.run(root());
}

test("the reference starts spawned tasks when their spawner suspends, in spawn order, and joins as tasklet does", async () => {
  const got = await spawnTrace(REF);
  assert.deepEqual(got.slice(0, 3), ["root spawned a, b", "a starts", "b starts"]);
  assert.deepEqual(got.slice(-3), ["joined a", "joined c", "joined b"]);
  assert.deepEqual(got, await spawnTrace(TASKLET));
});

/** Three senders queue on a rendezvous channel before its receiver comes; then a receiver waits first. */
async function channelTrace(api: Api): Promise<string[]> {
  const log: string[] = [];
  const ch = api.chan<number>();
  function* sender(v: number): Gen<void> {
    log.push(`send ${v}`);
    yield* ch.send(v);
    log.push(`sent ${v}`);
  }
  function* root(): Gen<string[]> {
    for (const v of [1, 2, 3]) api.spawn(sender(v));
    yield* api.schedule();
    for (let i = 0; i < 3; i++) log.push(`recv ${yield* ch.recv()}`);
    const late = api.spawn(sender(4));
    log.push(`recv ${yield* ch.recv()}`); // waits: the sender comes after
    yield* late.join();
    return log;
  }
  return api.run(root());
}

test("a rendezvous send on the reference waits for a receiver; values and senders go in FIFO order, as on tasklet's channel", async () => {
  const got = await channelTrace(REF);
  // The receiver takes each queued value without waiting; the woken senders run after it
  // suspends; the late sender finds the receiver waiting and goes on without waiting.
  assert.deepEqual(got, [
    ...["send 1", "send 2", "send 3", "recv 1", "recv 2", "recv 3"],
    ...["send 4", "sent 4", "sent 1", "sent 2", "sent 3", "recv 4"],
  ]);
  assert.deepEqual(got, await channelTrace(TASKLET));
});

/** Sleepers of 30, 10, 20 and 10 ms, all started in one step: the order they wake in. */
async function sleepTrace(api: Api): Promise<number[]> {
  const woke: number[] = [];
  function* sleeper(id: number, ms: number): Gen<void> {
    yield* api.sleep(ms);
    woke.push(id);
  }
  function* root(): Gen<number[]> {
    const ts = [30, 10, 20, 10].map((ms, id) => api.spawn(sleeper(id, ms)));
    for (const t of ts) yield* t.join();
    return woke;
  }
  return api.run(root());
}

test("sleepers on the reference wake in deadline order, equal sleeps in the order of the calls, as on tasklet", async () => {
  assert.deepEqual(await sleepTrace(REF), [1, 3, 2, 0]);
  assert.deepEqual(await sleepTrace(TASKLET), [1, 3, 2, 0]);
});

test("the reference's join of an ended task returns its result without waiting; its sums are the benchmarks' results", async () => {
  function* leaf(i: number): Gen<number> {
    return i;
  }
  function* skynet(num: number, size: number): Gen<number> {
    if (size === 1) return num;
    const kids = Array.from({ length: 10 }, (_, i) => ref.spawn(skynet(num + (i * size) / 10, size / 10)));
    let sum = 0;
    for (const k of kids) sum += yield* k.join();
    return sum;
  }
  const sum = await ref.run(
    (function* () {
      const ts = Array.from({ length: 100 }, (_, i) => ref.spawn(leaf(i)));
      yield* ref.schedule(); // every leaf has ended
      let s = 0;
      for (const t of ts) s += yield* t.join();
      return s + (yield* skynet(0, 1000));
    })(),
  );
  assert.equal(sum, (100 * 99) / 2 + (1000 * 999) / 2);
});

test("the reference rejects run when every task is blocked, and when a task throws", async () => {
  const ch = new ref.Chan<number>();
  await assert.rejects(
    ref.run(
      (function* () {
        return yield* ch.recv();
      })(),
    ),
    /every task is blocked/,
  );
  await assert.rejects(
    ref.run(
      (function* (): Gen<number> {
        yield* ref.schedule();
        throw new Error("boom");
      })(),
    ),
    /boom/,
  );
});
