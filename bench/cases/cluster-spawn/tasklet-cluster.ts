// cluster-spawn through NATS: a JetStream work queue to one `tasklet node --workers 2` process.
import { joinCluster } from "../../../src/cluster/index.js";
import { run } from "../../../src/index.js";
import { killAll, startNats, startNode } from "../../../test/cluster/harness.js";
import { report, size } from "../../lib/report.js";
import { latencyJobs, percentiles } from "./_latency.js";

const JOBS = new URL("./_jobs.js", import.meta.url);
const n = size(5_000);
const server = await startNats();
const node = await startNode(server.url, "bench-node", { workers: 2, cluster: "bench", ackWaitMs: 30_000 });
// A failed run (a spawn whose publish timed out on a loaded machine) must not leave the node and server behind.
try {
  const cluster = await joinCluster({ servers: server.url, cluster: "bench", name: "bench-client" });
  await run(function* () {
    yield* cluster.spawn(JOBS, "inc", 0).join(); // warm the node's worker before timing
  });
  const lat = await run(function* () {
    const out: number[] = [];
    for (let i = 0; i < latencyJobs(n); i++) {
      const t0 = performance.now();
      yield* cluster.spawn<number>(JOBS, "inc", i).join();
      out.push(performance.now() - t0);
    }
    return out;
  });
  const start = performance.now();
  const sum = await run(function* () {
    const jobs = Array.from({ length: n }, (_, i) => cluster.spawn<number>(JOBS, "inc", i));
    let sum = 0;
    for (const j of jobs) sum += yield* j.join();
    return sum;
  });
  report(start, sum, percentiles(lat));
  await cluster.close(0);
} finally {
  await killAll([node]);
  await server.stop();
}
