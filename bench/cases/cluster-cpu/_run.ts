// cluster-cpu's body, for 1, 2 or 3 node processes of one worker each.
import { joinCluster } from "../../../src/cluster/index.js";
import { run } from "../../../src/index.js";
import { killAll, startNats, startNode } from "../../../test/cluster/harness.js";
import type { report as Report } from "../../lib/report.js";
import { JOBS } from "../../lib/threads-jobs.js";

const MODULE = new URL("../../lib/threads-jobs.js", import.meta.url);

/** `rounds` and `report` come from the case file (which the harness finds by its use of report.js). */
export async function cpuOnNodes(count: number, rounds: number, report: typeof Report): Promise<void> {
  const server = await startNats();
  const nodes = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      startNode(server.url, `cpu${i + 1}`, { workers: 1, cluster: "bench", ackWaitMs: 60_000 }),
    ),
  );
  const cluster = await joinCluster({ servers: server.url, cluster: "bench", name: "bench-client" });
  await run(function* () {
    // Warm every node's worker before timing.
    const warm = Array.from({ length: count * 2 }, (_, i) => cluster.spawn(MODULE, "hashTasklet", i, 1));
    for (const w of warm) yield* w.join();
  });
  const start = performance.now();
  const sum = await run(function* () {
    const jobs = Array.from({ length: JOBS }, (_, i) => cluster.spawn<number>(MODULE, "hashTasklet", i, rounds));
    let sum = 0;
    for (const j of jobs) sum = (sum + (yield* j.join())) >>> 0;
    return sum;
  });
  report(start, sum);
  await cluster.close(0);
  await killAll(nodes);
  await server.stop();
}
