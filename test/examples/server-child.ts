/**
 * Helpers of the tests that drive the example servers as their users do: a
 * child process running the compiled example, and plain Node sockets
 * (not tasklets) as its clients. Every wait is bounded by STEP_LIMIT_MS, so
 * a failing test ends instead of hanging.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as net from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** Bound on each wait, so a failing test ends instead of hanging (generous: the machine is noisy). */
export const STEP_LIMIT_MS = 20_000;

/** Reads lines from a stream one at a time; null once the stream ended. */
export function lineReader(input: NodeJS.ReadableStream, what: string): () => Promise<string | null> {
  const rl = createInterface({ input });
  const queue: string[] = [];
  let closed = false;
  let waiting: ((l: string | null) => void) | null = null;
  rl.on("line", (l) => {
    if (waiting !== null) {
      const w = waiting;
      waiting = null;
      w(l);
    } else queue.push(l);
  });
  const end = (): void => {
    closed = true;
    waiting?.(null);
    waiting = null;
  };
  rl.on("close", end);
  input.on("close", end); // a destroyed socket ends no readline

  return () => {
    const l = queue.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (closed) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no line from ${what} in time`)), STEP_LIMIT_MS);
      waiting = (x) => {
        clearTimeout(t);
        resolve(x);
      };
    });
  };
}

/** Reads lines until one satisfies `want`; fails if the stream ends first. */
export async function lineUntil(next: () => Promise<string | null>, want: (l: string) => boolean): Promise<string> {
  for (;;) {
    const l = await next();
    if (l === null) throw new Error("the stream ended before the line that was waited for");
    if (want(l)) return l;
  }
}

/** Starts `examples/<name>.js` on a free port; `next` reads its stdout's lines, `port` is the one it printed first. */
export async function startExample(
  name: string,
): Promise<{ child: ChildProcess; next: () => Promise<string | null>; port: number }> {
  const file = fileURLToPath(new URL(`../../examples/${name}.js`, import.meta.url));
  const child = spawn(process.execPath, [file, "0"], { stdio: ["ignore", "pipe", "inherit"] });
  const next = lineReader(child.stdout as NodeJS.ReadableStream, name);
  const port = Number(/port (\d+)/.exec((await next()) ?? "")?.[1]);
  return { child, next, port };
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

export async function connectTo(port: number): Promise<net.Socket> {
  const s = net.connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    s.once("connect", resolve);
    s.once("error", reject);
  });
  return s;
}

/** Writes `total` bytes of `line`s to `s`, waiting for 'drain' as the kernel asks; ends early if `s` goes. */
export async function pour(s: net.Socket, total: number, line: string): Promise<void> {
  const chunk = Buffer.from(line.repeat(Math.max(1, Math.floor((64 * 1024) / line.length))));
  for (let n = 0; n < total && !s.destroyed; n += chunk.length) {
    if (!s.write(chunk)) {
      await new Promise<void>((resolve) => {
        s.once("drain", resolve);
        s.once("close", resolve);
      });
    }
  }
}
