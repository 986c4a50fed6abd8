/** Runs _client.js against a server on `port` and returns its figures. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface ClientFigures {
  ms: number;
  msgs: number;
  p50: number;
  p99: number;
}

export const CONNECTIONS = 100;

/** Server CPU time (user + system, ms) used while the client ran: less noisy than wall time on a busy machine. */
export interface ClientFiguresWithCpu extends ClientFigures {
  cpuMs: number;
  userMs: number;
}

export async function runClient(port: number, messages: number): Promise<ClientFiguresWithCpu> {
  const before = process.cpuUsage();
  const c = await runClientProcess(port, messages);
  const cpu = process.cpuUsage(before);
  return { ...c, cpuMs: (cpu.user + cpu.system) / 1000, userMs: cpu.user / 1000 };
}

function runClientProcess(port: number, messages: number): Promise<ClientFigures> {
  const file = fileURLToPath(new URL("./_client.js", import.meta.url));
  const child = spawn(process.execPath, [file, String(port), String(CONNECTIONS), String(messages)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`client exited with ${code}`));
      else resolve(JSON.parse(out) as ClientFigures);
    });
  });
}

/** The extra fields of the report line. */
export function figures(c: ClientFiguresWithCpu): Record<string, number> {
  return {
    p50: c.p50,
    p99: c.p99,
    msgsPerSec: Math.round((c.msgs / c.ms) * 1000),
    serverCpuUsPerMsg: Math.round((c.cpuMs / c.msgs) * 10000) / 10,
    serverUserUsPerMsg: Math.round((c.userMs / c.msgs) * 10000) / 10,
  };
}
