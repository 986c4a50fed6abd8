import assert from "node:assert/strict";
import { test } from "node:test";
import { ChannelTimeoutError, now, type Operation } from "../../src/index.js";
import type { ITasklet } from "../../src/system/index.js";
import { createTaskletSystem, explore, runTest } from "../../src/testing/index.js";

/** A module that knows only ITasklet: an echo server, three clients, a receive with a 10-minute timeout. */
function* echoModule(sys: ITasklet): Operation<string[]> {
  const log: string[] = [];
  const server = yield* sys.getServerStreamSocket(7000);
  const serverTask = sys.spawn(
    {
      *func() {
        for (let i = 0; i < 3; i++) {
          const conn = yield* server.accept();
          sys.spawn({
            *func() {
              const b = new Uint8Array(64);
              const n = yield* conn.recv(b);
              yield* sys.msWait(1000 * (3 - i));
              yield* conn.send(b.subarray(0, n));
              conn.close();
            },
          });
        }
      },
    },
    true,
  );
  const clients = ["a", "b", "c"].map((name) =>
    sys.spawn(
      {
        *func() {
          const conn = yield* sys.getClientStreamSocket("127.0.0.1", 7000);
          yield* conn.send(new TextEncoder().encode(name));
          const b = new Uint8Array(64);
          const n = yield* conn.recv(b);
          log.push(`${new TextDecoder().decode(b.subarray(0, n))}@${now()}`);
          conn.close();
        },
      },
      true,
    ),
  );
  for (const c of clients) yield* c.join();
  yield* serverTask.join();
  server.close();
  const ch = sys.getChannel<number>();
  try {
    yield* ch.recvWithTimeout(600_000);
  } catch (e) {
    assert.ok(e instanceof ChannelTimeoutError, String(e));
    log.push(`timeout@${now()}`);
  }
  return log;
}

test("a module written against ITasklet runs on simulated sockets and virtual time, the same way every run", async () => {
  const fifo = await runTest(() => echoModule(createTaskletSystem()));
  assert.deepEqual(fifo, ["c@1000", "b@2000", "a@3000", "timeout@603000"]);
  for (const seed of [3, 4, 5]) {
    const first = await runTest(() => echoModule(createTaskletSystem()), { seed });
    assert.equal(first.at(-1), "timeout@603000");
    assert.deepEqual(await runTest(() => echoModule(createTaskletSystem()), { seed }), first, `seed ${seed}`);
  }
});

test("explore runs an ITasklet module under many schedules", async () => {
  const r = await explore(() => echoModule(createTaskletSystem()), { runs: 30, seed: 11 });
  assert.equal(r.runs, 30);
  assert.throws(() => createTaskletSystem(null as never), /createTaskletSystem: options must be an object/);
});
