/**
 * `npm start`: the chat showcase (examples/chat/showcase.ts).
 *
 *   node dist/examples/start.js [--clients N] [--seconds S] [--room R] [--think MS] [--json]
 *
 * Prints a live line of progress (rewritten in place on a terminal, one
 * line a second otherwise) and a summary; exits 0 when the numbers agree.
 * `kill -QUIT <pid>` while it runs prints a dump of every tasklet.
 */

import { parseArgs } from "node:util";
import { main, type Operation } from "../src/index.js";
import { type ChatOptions, chat, formatSummary } from "./chat/showcase.js";

const USAGE = `usage: node dist/examples/start.js [--clients N] [--seconds S] [--room R] [--think MS] [--json]
  --clients N   client tasklets, each with a TCP connection (default 2000)
  --seconds S   how long they chat (default 15)
  --room R      members of a room (default 10)
  --think MS    pause of a client between two messages (default 0)
  --json        the summary as JSON`;

const DEFAULTS = { clients: 2000, seconds: 15, room: 10, think: 0 };

/** A flag's number: `--seconds` may be fractional, the others are whole; all have a minimum. */
function numberOf(key: keyof typeof DEFAULTS, raw: string | undefined): number {
  if (raw === undefined) return DEFAULTS[key];
  const x = Number(raw);
  const min = key === "clients" || key === "room" ? 1 : 0;
  if (raw.trim() === "" || !Number.isFinite(x) || x < min || (key !== "seconds" && !Number.isInteger(x))) {
    throw new RangeError(`--${key} must be a ${key === "seconds" ? "number" : "whole number"} >= ${min}, got ${raw}`);
  }
  return x;
}

function parse(argv: string[]): (ChatOptions & { json: boolean }) | null {
  let values: { [k in keyof typeof DEFAULTS]?: string } & { json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        clients: { type: "string" },
        seconds: { type: "string" },
        room: { type: "string" },
        think: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    throw new RangeError(`${(e as Error).message}\n${USAGE}`);
  }
  if (values.help === true) return null;
  const clients = numberOf("clients", values.clients);
  return {
    clients,
    seconds: numberOf("seconds", values.seconds),
    roomSize: Math.min(numberOf("room", values.room), clients),
    thinkMs: numberOf("think", values.think),
    json: values.json === true,
  };
}

let parsed: ReturnType<typeof parse>;
try {
  parsed = parse(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(2);
}
if (parsed === null) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const options = parsed;

const tty = process.stdout.isTTY === true;
function* showcase(): Operation<void> {
  process.stdout.write(
    `tasklet chat showcase: ${options.clients} clients, ${options.seconds} s (pid ${process.pid}: kill -QUIT ${process.pid} prints a dump of every tasklet)\n`,
  );
  const summary = yield* chat({
    ...options,
    tickMs: tty ? 500 : 1000,
    onTick: (line) => process.stdout.write(tty ? `\r${line}\x1b[K` : `${line}\n`),
  });
  if (tty) process.stdout.write("\n");
  process.stdout.write(`${options.json ? JSON.stringify(summary) : formatSummary(summary)}\n`);
  const ok =
    summary.delivered === summary.expected && summary.readByClients === summary.delivered && summary.errors === 0;
  if (!ok) process.exitCode = 1;
}

main(showcase, { name: "showcase" });
