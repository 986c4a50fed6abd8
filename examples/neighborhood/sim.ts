// The same module on three simulated hosts under virtual time: ten minutes
// of the protocol, with 10% of the datagrams lost (seeded) and host c's
// device down from minute 4 to minute 6. Prints each change of a table at
// its virtual instant, then the network's counters and the real time taken.
//
//   node dist/examples/neighborhood/sim.js [seed]
import { sleep } from "../../src/index.js";
import { createTaskletSystem, SimNetwork } from "../../src/system/index.js";
import { runTest } from "../../src/testing/index.js";
import { now } from "../../src/time/clock.js";
import { Neighborhood } from "./neighborhood.js";

const seed = Number(process.argv[2] ?? 3);
const T = 1000;
const started = performance.now();
await runTest(function* () {
  const net = new SimNetwork({ seed, dropProbability: 0.1 });
  const nodes: Neighborhood[] = [];
  for (const [i, id] of ["a", "b", "c"].entries()) {
    const addr = `10.0.0.${i + 1}`;
    const sys = createTaskletSystem({ network: net.host(id).addDevice("eth0", "lan", addr) });
    const onEvent = (e: { kind: string; id: string }): void => {
      console.log(`${(now() / 1000).toFixed(3).padStart(8)} s  ${id}: ${e.kind} ${e.id}`);
    };
    nodes.push(yield* Neighborhood.start(sys, { id, dev: "eth0", addr, udpPort: 1, tcpPort: 2, periodMs: T, onEvent }));
  }
  yield* sleep(240_000);
  net.setDeviceUp("c", "eth0", false);
  yield* sleep(120_000);
  net.setDeviceUp("c", "eth0", true);
  yield* sleep(240_000);
  for (const n of nodes) yield* n.stop();
  console.log(`network: ${JSON.stringify(net.stats)}`);
});
console.log(`10 virtual minutes took ${Math.round(performance.now() - started)} ms of real time`);
