// tcp-echo, plain Node: a `net` server written the usual callback way.
// 100 connections on loopback (_client.ts, another process), each sending
// n small messages and waiting for each echo. Latencies in microseconds.
import * as net from "node:net";
import { report, size } from "../../lib/report.js";
import { figures, runClient } from "./_run-client.js";

const n = size(2000);
const server = net.createServer((s) => {
  s.setNoDelay(true);
  s.on("data", (d) => s.write(d));
  s.on("end", () => s.end());
  s.on("error", () => s.destroy());
});
server.listen(0, "127.0.0.1", async () => {
  const port = (server.address() as net.AddressInfo).port;
  const c = await runClient(port, n);
  report(performance.now() - c.ms, c.msgs, figures(c));
  server.close();
  process.exit(0);
});
