// The neighbourhood daemon (examples/neighborhood), unchanged, on three
// simulated hosts of one SimNetwork: discovery, a lost announcement, a
// device going down, and reproducibility.
import assert from "node:assert/strict";
import { test } from "node:test";
import { EXPIRY_PERIODS, type NeighborEvent, Neighborhood } from "../../examples/neighborhood/neighborhood.js";
import { type Operation, sleep } from "../../src/index.js";
import { createTaskletSystem, SimNetwork } from "../../src/system/index.js";
import { explore, runTest } from "../../src/testing/index.js";
import { now } from "../../src/time/clock.js";
import { pollUntil } from "../helpers.js";

/** T: the period of announcements, in ms of virtual time. */
const T = 1000;
/** How pollUntil waits for the daemons: a look every T/5, for at most 40 periods. */
const FORTY_PERIODS = { limitMs: 40 * T, everyMs: T / 5 };

/**
 * Runs a scenario under the deterministic runtime: virtual time (ten periods
 * take a few milliseconds), and a failure for any deadlock or any tasklet of
 * the daemons still alive when the scenario ended (a leak).
 */
function sim<R>(body: () => Operation<R>): Promise<R> {
  return runTest(body);
}

interface Node {
  name: string;
  hood: Neighborhood;
}

/** Events of every node, as `<ms since start> <node>: <kind> <peer>`. */
type Log = string[];

function* startNode(net: SimNetwork, name: string, addr: string, log: Log, t0: number): Operation<Node> {
  const host = net.host(name).addDevice("eth0", "lan", addr);
  const sys = createTaskletSystem({ network: host });
  const onEvent = (e: NeighborEvent): void => {
    const extra = e.kind === "hello" ? (e.ok ? " ok" : " failed") : "";
    log.push(`${Math.round(now() - t0)} ${name}: ${e.kind} ${e.id}${extra}`);
  };
  const hood = yield* Neighborhood.start(sys, {
    id: name,
    dev: "eth0",
    addr,
    udpPort: 5000,
    tcpPort: 5001,
    periodMs: T,
    onEvent,
  });
  return { name, hood };
}

function* startThree(net: SimNetwork, log: Log): Operation<Node[]> {
  const t0 = now();
  const nodes: Node[] = [];
  for (const [i, name] of ["a", "b", "c"].entries())
    nodes.push(yield* startNode(net, name, `10.0.0.${i + 1}`, log, t0));
  return nodes;
}

function peers(n: Node): string {
  return n.hood
    .table()
    .map((r) => `${r.id}:${r.hello}`)
    .join(",");
}

function allFound(nodes: Node[]): boolean {
  return nodes.every(
    (n) => n.hood.table().length === nodes.length - 1 && n.hood.table().every((r) => r.hello === "ok"),
  );
}

function* stopAll(nodes: Node[]): Operation<void> {
  for (const n of nodes) yield* n.hood.stop();
}

test("three simulated hosts find each other and complete a TCP hello with each neighbour", async () => {
  const log: Log = [];
  await sim(function* () {
    const net = new SimNetwork();
    const nodes = yield* startThree(net, log);
    try {
      yield* pollUntil("discovery", () => allFound(nodes), FORTY_PERIODS);
      assert.deepEqual(nodes.map(peers), ["b:ok,c:ok", "a:ok,c:ok", "a:ok,b:ok"]);
      assert.ok(net.stats.delivered > 0);
    } finally {
      yield* stopAll(nodes);
    }
  });
  assert.equal(log.filter((l) => l.includes(" up ")).length, 6, log.join("\n"));
  assert.equal(log.filter((l) => l.includes(" down ")).length, 0, log.join("\n"));
});

test("a lost announcement does not drop a neighbour (silence 2·T < 3·T)", async () => {
  const log: Log = [];
  await sim(function* () {
    const net = new SimNetwork();
    const nodes = yield* startThree(net, log);
    try {
      yield* pollUntil("discovery", () => allFound(nodes), FORTY_PERIODS);
      const dropped = net.stats.dropped;
      net.dropFrom("a", 1);
      yield* sleep(EXPIRY_PERIODS * T * 2);
      assert.equal(net.stats.dropped, dropped + 1, "exactly one announcement was lost");
      assert.deepEqual(nodes.map(peers), ["b:ok,c:ok", "a:ok,c:ok", "a:ok,b:ok"]);
    } finally {
      yield* stopAll(nodes);
    }
  });
  assert.deepEqual(
    log.filter((l) => l.includes(" down ")),
    [],
  );
});

test("a device that goes down is dropped by its neighbours 3·T after it was last heard, and drops them; the others keep each other", async () => {
  const log: Log = [];
  let expected = 0;
  await sim(function* () {
    const net = new SimNetwork();
    const t0 = now();
    const nodes = yield* startThree(net, log);
    const [a, b, c] = nodes as [Node, Node, Node];
    try {
      yield* pollUntil("discovery", () => allFound(nodes), FORTY_PERIODS);
      yield* sleep(2.5 * T); // cut in the middle of a period
      const cut = now();
      // Announcements go out every T from the start: c was last heard at the last multiple of T.
      expected = Math.floor((cut - t0) / T) * T + EXPIRY_PERIODS * T;
      net.setDeviceUp("c", "eth0", false);
      yield* pollUntil("c dropped", () => peers(a) === "b:ok" && peers(b) === "a:ok" && peers(c) === "", {
        ...FORTY_PERIODS,
        limitMs: EXPIRY_PERIODS * T * 4,
      });
      // c was last heard at most T before the cut: nobody dropped it sooner than 2·T after.
      assert.ok(now() - cut >= (EXPIRY_PERIODS - 1) * T, `dropped after ${now() - cut} ms`);
      net.setDeviceUp("c", "eth0", true);
      yield* pollUntil("c back", () => allFound(nodes), FORTY_PERIODS);
    } finally {
      yield* stopAll(nodes);
    }
  });
  const downs = log.filter((l) => l.includes(" down "));
  assert.deepEqual(downs.map((l) => l.replace(/^\d+ /, "")).sort(), [
    "a: down c",
    "b: down c",
    "c: down a",
    "c: down b",
  ]);
  // Under virtual time, to the millisecond.
  assert.deepEqual(
    downs.map((l) => Number(l.split(" ")[0])),
    [expected, expected, expected, expected],
    log.join("\n"),
  );
});

/** A whole scenario with seeded losses; returns the log of every node. */
function* lossyScenario(seed: number): Operation<Log> {
  const log: Log = [];
  const net = new SimNetwork({ seed, dropProbability: 0.3 });
  const nodes = yield* startThree(net, log);
  try {
    yield* sleep(20 * T);
    net.setDeviceUp("c", "eth0", false);
    yield* sleep(10 * T);
    net.setDeviceUp("c", "eth0", true);
    yield* sleep(10 * T);
  } finally {
    yield* stopAll(nodes);
  }
  return log;
}

test("reproducible: the same seed gives the same events at the same virtual instants, under 30% losses", async () => {
  const first = await sim(() => lossyScenario(7));
  const again = await sim(() => lossyScenario(7));
  assert.deepEqual(again, first);
  assert.ok(
    first.some((l) => l.includes(" down ")),
    "30% losses and a cut device drop someone",
  );
  const other = await sim(() => lossyScenario(8));
  assert.notDeepEqual(other, first);
});

test("under 50 seeded schedules: discovery, one lost announcement kept, a cut device dropped at the exact instant", async () => {
  await explore(
    () =>
      (function* () {
        const log: Log = [];
        const net = new SimNetwork();
        const t0 = now();
        const nodes = yield* startThree(net, log);
        try {
          yield* pollUntil("discovery", () => allFound(nodes), FORTY_PERIODS);
          net.dropFrom("b", 1);
          yield* sleep(2.5 * T);
          assert.ok(allFound(nodes), "a lost announcement dropped nobody");
          net.setDeviceUp("c", "eth0", false);
          const expected = Math.floor((now() - t0) / T) * T + EXPIRY_PERIODS * T;
          yield* sleep(5 * T);
          const downs = log.filter((l) => l.includes(" down "));
          assert.deepEqual(
            downs.map((l) => Number(l.split(" ")[0])),
            [expected, expected, expected, expected],
          );
        } finally {
          yield* stopAll(nodes);
        }
      })(),
    { runs: 50, seed: 1 },
  );
});
