// cluster-chan with raw NATS: one publish per value (V8-serialized, as the cluster channel's payloads)
// from one connection to a subscription on another; no flow control, no sequence checks.
import { deserialize, serialize } from "node:v8";
import { connect } from "@nats-io/transport-node";
import { startNats } from "../../../test/cluster/harness.js";
import { report, size } from "../../lib/report.js";

const n = size(500_000);
const server = await startNats();
const tx = await connect({ servers: server.url });
const rx = await connect({ servers: server.url });
let sum = 0;
let got = 0;
const done = new Promise<void>((resolve) => {
  rx.subscribe("values", {
    callback: (_e, m) => {
      sum += deserialize(m.data) as number;
      if (++got === n) resolve();
    },
  });
});
await rx.flush();
const start = performance.now();
for (let i = 0; i < n; i++) {
  tx.publish("values", serialize(i));
  // Let the client write out now and then, as an application's loop would (one turn per 1000).
  if (i % 1000 === 999) await new Promise<void>((r) => setImmediate(r));
}
await tx.flush();
await done;
report(start, sum);
await tx.close();
await rx.close();
await server.stop();
