// tcp-echo, tasklet: one tasklet per connection, blocking-style recv/send.
// Same load as node.ts (_client.ts, another process).
import { ClosedError, type Operation, run, spawn } from "../../../src/index.js";
import { listen, type TcpConn, type TcpServer } from "../../../src/io/index.js";
import { report, size } from "../../lib/report.js";
import { figures, runClient } from "./_run-client.js";

const n = size(2000);

function* echo(conn: TcpConn): Operation<void> {
  const buf = Buffer.allocUnsafe(16 * 1024);
  try {
    for (;;) {
      const k = yield* conn.recv(buf);
      yield* conn.send(buf.subarray(0, k));
    }
  } catch (e) {
    if (!(e instanceof ClosedError)) throw e;
  } finally {
    conn.close();
  }
}

function* serve(server: TcpServer): Operation<void> {
  try {
    for (;;) {
      const conn = yield* server.accept();
      spawn(() => echo(conn), { joinable: false });
    }
  } catch (e) {
    if (!(e instanceof ClosedError)) throw e;
  }
}

const server = await run(listen({ port: 0, host: "127.0.0.1" }));
const serving = run(() => serve(server));
const c = await runClient(server.address.port, n);
report(performance.now() - c.ms, c.msgs, figures(c));
server.close();
await serving;
process.exit(0);
