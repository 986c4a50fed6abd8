/**
 * `npm start`: the chat showcase (examples/chat/showcase.ts).
 *
 *   node dist/examples/start.js [--clients N] [--seconds S] [--room R] [--think MS] [--json]
 *
 * Prints a live line of progress (rewritten in place on a terminal, one
 * line a second otherwise) and a summary; exits 0 when the numbers agree.
 * `kill -QUIT <pid>` while it runs prints a dump of every tasklet.
 */

import { main, type Operation } from "../src/index.js";
import { type ChatOptions, chat, formatSummary } from "./chat/showcase.js";

const DEFAULTS = { clients: 2000, seconds: 15, room: 10, think: 0 };

function parse(argv: readonly string[]): ChatOptions & { json: boolean } {
  const v = { ...DEFAULTS };
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--json") {
      json = true;
      continue;
    }
    const m = /^--(clients|seconds|room|think)(?:=(.*))?$/.exec(a);
    if (m === null)
      throw new RangeError(`unknown argument ${a}; flags: --clients N --seconds S --room R --think MS --json`);
    const key = m[1] as keyof typeof DEFAULTS;
    const raw = m[2] ?? argv[++i];
    const x = Number(raw);
    const min = key === "clients" || key === "room" ? 1 : 0;
    if (raw === undefined || !Number.isFinite(x) || x < min || (key !== "seconds" && !Number.isInteger(x))) {
      throw new RangeError(`--${key} must be a ${key === "seconds" ? "number" : "whole number"} >= ${min}, got ${raw}`);
    }
    v[key] = x;
  }
  return { clients: v.clients, seconds: v.seconds, roomSize: Math.min(v.room, v.clients), thinkMs: v.think, json };
}

let options: ReturnType<typeof parse>;
try {
  options = parse(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(2);
}

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
