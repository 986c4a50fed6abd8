// cluster-chan with tasklets: n values over a cluster channel between two NATS connections.
import { joinCluster } from "../../../src/cluster/index.js";
import { run, spawn } from "../../../src/index.js";
import { startNats } from "../../../test/cluster/harness.js";
import { report, size } from "../../lib/report.js";

const n = size(500_000);
const server = await startNats();
const a = await joinCluster({ servers: server.url, cluster: "bench", name: "tx" });
const b = await joinCluster({ servers: server.url, cluster: "bench", name: "rx" });
const start = performance.now();
const sum = await run(function* () {
  const tx = a.channel<number>("values", 1024);
  const rx = b.channel<number>("values", 1024);
  rx.tryRecv(); // b receives
  const sender = spawn(function* () {
    for (let i = 0; i < n; i++) yield* tx.send(i);
    tx.close();
  });
  let sum = 0;
  for (let r = yield* rx.recvOrDone(); !r.done; r = yield* rx.recvOrDone()) sum += r.value;
  yield* sender.join();
  return sum;
});
report(start, sum);
await a.close(0);
await b.close(0);
await server.stop();
