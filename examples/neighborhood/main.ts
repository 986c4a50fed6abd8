// The neighbourhood daemon as a program: the "ntkd package" of the ntkd tasklet system,
// which picks the tasklet system (this runtime, real sockets) and hands it
// to the module. Prints one JSON line per change of the table, and the
// table when it stops (after --duration ms, or at SIGTERM/SIGINT).
//
//   node dist/examples/neighborhood/main.js --id a --dev veth0 --addr 10.0.0.1 \
//     [--period 100] [--udp-port 26970] [--tcp-port 26971] [--duration 2000]
import { parseArgs } from "node:util";
import { main } from "../../src/index.js";
import { createTaskletSystem } from "../../src/system/index.js";
import { Neighborhood } from "./neighborhood.js";

const { values } = parseArgs({
  options: {
    id: { type: "string" },
    dev: { type: "string" },
    addr: { type: "string" },
    period: { type: "string", default: "100" },
    "udp-port": { type: "string", default: "26970" },
    "tcp-port": { type: "string", default: "26971" },
    duration: { type: "string" },
  },
});
if (values.id === undefined || values.dev === undefined || values.addr === undefined) {
  process.stderr.write("usage: main.js --id NAME --dev DEVICE --addr ADDRESS [--period MS] [--duration MS]\n");
  process.exit(64);
}
const opts = {
  id: values.id,
  dev: values.dev,
  addr: values.addr,
  periodMs: Number(values.period),
  udpPort: Number(values["udp-port"]),
  tcpPort: Number(values["tcp-port"]),
};
const print = (o: object): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};

main(function* () {
  const sys = createTaskletSystem();
  const hood = yield* Neighborhood.start(sys, { ...opts, onEvent: (e) => print({ event: e.kind, ...e }) });
  print({ event: "started", id: opts.id });
  try {
    yield* sys.msWait(values.duration === undefined ? 2 ** 31 - 1 : Number(values.duration));
  } finally {
    const table = hood.table();
    yield* hood.stop();
    print({ event: "table", id: opts.id, table });
  }
});
