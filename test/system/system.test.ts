// The ntkd tasklet interface's sentences, one by one, against createTaskletSystem() over the
// real runtime: tasklets, dispatch, channels (system-io.test.ts: sockets,
// processes, files).
import assert from "node:assert/strict";
import { test } from "node:test";
import { KilledError, NotJoinableError, run } from "../../src/index.js";
import { ChannelError, createTaskletSystem, type ITaskletSpawnable, type Operation } from "../../src/system/index.js";
import { errorOf } from "../helpers.js";

const sys = createTaskletSystem();

/** The ntkd tasklet interface's way: a class whose members are the arguments and whose func is the body. */
class Step implements ITaskletSpawnable<string> {
  constructor(
    private readonly log: string[],
    private readonly name: string,
    private readonly steps: number,
  ) {}
  *func(): Operation<string> {
    this.log.push(`${this.name} started`);
    for (let i = 0; i < this.steps; i++) yield* sys.schedule();
    this.log.push(`${this.name} ended`);
    return this.name;
  }
}

test("spawn: the new tasklet does not start until the current one yields (schedule)", async () => {
  const log: string[] = [];
  await run(function* () {
    const h = sys.spawn(new Step(log, "child", 0), true);
    log.push("spawned");
    assert.equal(h.isRunning(), true);
    yield* sys.schedule();
    log.push("parent resumed");
    assert.equal(yield* h.join(), "child");
    assert.equal(h.isRunning(), false);
  });
  assert.deepEqual(log, ["spawned", "child started", "child ended", "parent resumed"]);
});

test("spawn: not joinable by default (join throws NotJoinableError); joinable on request", async () => {
  await run(function* () {
    const h = sys.spawn(new Step([], "x", 0));
    assert.equal(h.isJoinable(), false);
    assert.throws(() => h.join(), NotJoinableError);
    const j = sys.spawn(new Step([], "y", 0), true);
    assert.equal(j.isJoinable(), true);
    assert.equal(yield* j.join(), "y");
  });
});

test("spawn: kill ends a tasklet blocked in msWait; join then throws KilledError", async () => {
  await run(function* () {
    let cleaned = false;
    const h = sys.spawn(
      {
        *func() {
          try {
            yield* sys.msWait(60_000);
          } finally {
            cleaned = true;
          }
        },
      },
      true,
    );
    yield* sys.schedule();
    assert.equal(h.isRunning(), true);
    h.kill();
    yield* errorOf(h.join(), KilledError);
    assert.equal(cleaned, true);
    assert.equal(h.isRunning(), false);
  });
});

test("exitTasklet ends the tasklet from any depth; join returns its value; finally blocks run", async () => {
  const log: string[] = [];
  function* deep(n: number): Operation<void> {
    try {
      if (n === 0) yield* sys.exitTasklet("from the bottom");
      else yield* deep(n - 1);
      log.push("not reached");
    } finally {
      log.push(`unwound ${n}`);
    }
  }
  await run(function* () {
    const h = sys.spawn(
      {
        *func() {
          yield* deep(2);
          return "not reached";
        },
      },
      true,
    );
    assert.equal(yield* h.join(), "from the bottom");
  });
  assert.deepEqual(log, ["unwound 0", "unwound 1", "unwound 2"]);
});

test("msWait blocks the current tasklet only: others run meanwhile", async () => {
  const log: string[] = [];
  await run(function* () {
    const sleeper = sys.spawn(
      {
        *func() {
          yield* sys.msWait(20);
          log.push("sleeper woke");
        },
      },
      true,
    );
    const worker = sys.spawn(new Step(log, "worker", 3), true);
    yield* worker.join();
    yield* sleeper.join();
  });
  assert.deepEqual(log, ["worker started", "worker ended", "sleeper woke"]);
});

test("dispatch: the ntkd tasklet interface's example — t2's processing starts only after t1's ended", async () => {
  const log: string[] = [];
  class Processing implements ITaskletSpawnable<void> {
    constructor(private readonly by: string) {}
    *func(): Operation<void> {
      log.push(`processing started (${this.by})`);
      yield* sys.msWait(5);
      log.push(`processing ended (${this.by})`);
    }
  }
  await run(function* () {
    const dt = sys.createDispatchableTasklet();
    assert.equal(dt.isEmpty(), true);
    const t1 = sys.spawn(
      {
        *func() {
          yield* dt.dispatch(new Processing("t1"));
        },
      },
      true,
    );
    const t2 = sys.spawn(
      {
        *func() {
          yield* sys.msWait(1);
          yield* dt.dispatch(new Processing("t2"));
        },
      },
      true,
    );
    yield* t1.join();
    yield* t2.join();
    assert.equal(dt.isEmpty(), false);
    yield* dt.dispatch({ *func() {} }, true);
    assert.equal(dt.isEmpty(), true);
  });
  assert.deepEqual(log, [
    "processing started (t1)",
    "processing ended (t1)",
    "processing started (t2)",
    "processing ended (t2)",
  ]);
});

test("dispatch: waitEnd returns when the body ended, waitStart when it started, neither at once", async () => {
  const log: string[] = [];
  const body = (name: string): ITaskletSpawnable<void> => ({
    *func() {
      log.push(`${name} start`);
      yield* sys.msWait(2);
      log.push(`${name} end`);
    },
  });
  await run(function* () {
    const dt = sys.createDispatchableTasklet();
    yield* dt.dispatch(body("a"));
    log.push("a dispatched");
    yield* dt.dispatch(body("b"), false, true);
    log.push("b started");
    yield* dt.dispatch(body("c"), true);
    log.push("c ended");
  });
  assert.deepEqual(log, [
    "a dispatched",
    "a start",
    "a end",
    "b start",
    "b started",
    "b end",
    "c start",
    "c end",
    "c ended",
  ]);
});

test("bad arguments are refused at the call, naming the argument", async () => {
  await run(function* () {
    assert.throws(() => sys.msWait(-1), /msWait: msec/);
    assert.throws(() => sys.spawn({} as ITaskletSpawnable), /spawn: sp must be an object with a func\(\) method/);
    assert.throws(() => sys.spawn(new Step([], "x", 0), "yes" as unknown as boolean), /joinable must be a boolean/);
    assert.throws(() => sys.getServerStreamSocket(70_000), /port must be an integer/);
    assert.throws(() => sys.getClientStreamSocket("", 1), /destAddr/);
    assert.throws(() => sys.getServerDatagramSocket(1, ""), /dev must be/);
    assert.throws(() => sys.createDispatchableTasklet().dispatch(null as unknown as ITaskletSpawnable), /dispatch: sp/);
    assert.throws(
      () => createTaskletSystem({ network: {} as never }),
      /options\.network must be a Network .*, got an object: it has no listen\(\) method/,
    );
  });
});

// ---- channels ---------------------------------------------------------------------------------

test("channel send blocks the sender until the message was read", async () => {
  const log: string[] = [];
  await run(function* () {
    const ch = sys.getChannel<string>();
    const sender = sys.spawn(
      {
        *func() {
          log.push("send");
          yield* ch.send("m");
          log.push("sent");
        },
      },
      true,
    );
    yield* sys.msWait(5);
    log.push(`balance ${ch.getBalance()}`);
    log.push(`recv ${yield* ch.recv()}`);
    yield* sender.join();
  });
  assert.deepEqual(log, ["send", "balance 1", "recv m", "sent"]);
});

test("channel sendAsync neither blocks nor yields; getBalance counts waiting values (+) and waiting receivers (-)", async () => {
  await run(function* () {
    const ch = sys.getChannel<number>();
    let ran = false;
    sys.spawn({
      *func() {
        ran = true;
      },
    });
    ch.sendAsync(1);
    ch.sendAsync(2);
    assert.equal(ran, false, "sendAsync did not yield to the spawned tasklet");
    assert.equal(ch.getBalance(), 2);
    assert.equal(yield* ch.recv(), 1);
    assert.equal(yield* ch.recv(), 2);
    const receivers = [1, 2, 3].map(() =>
      sys.spawn(
        {
          *func() {
            return yield* ch.recv();
          },
        },
        true,
      ),
    );
    yield* sys.schedule();
    assert.equal(ch.getBalance(), -3);
    for (const r of receivers) r.kill();
    yield* sys.schedule();
    assert.equal(ch.getBalance(), 0, "killed receivers are no longer waiting");
  });
});

test("channel recv respects the order of waiting tasklets: the first to wait gets the first message", async () => {
  await run(function* () {
    const ch = sys.getChannel<string>();
    const got: string[] = [];
    const receivers = ["r1", "r2", "r3"].map((name) =>
      sys.spawn(
        {
          *func() {
            got.push(`${name}:${yield* ch.recv()}`);
          },
        },
        true,
      ),
    );
    yield* sys.schedule();
    for (const m of ["a", "b", "c"]) ch.sendAsync(m);
    for (const r of receivers) yield* r.join();
    assert.deepEqual(got, ["r1:a", "r2:b", "r3:c"]);
  });
});

test("channel recvWithTimeout throws ChannelError after the timeout, consuming nothing", async () => {
  await run(function* () {
    const ch = sys.getChannel<string>();
    yield* errorOf(ch.recvWithTimeout(5), ChannelError);
    ch.sendAsync("late");
    assert.equal(yield* ch.recvWithTimeout(1000), "late");
    assert.throws(() => ch.recvWithTimeout(-1), /timeoutMsec/);
  });
});
