// Helpers of the inspect tests: fixture programs in a temporary directory, and child processes
// watched for output with a deadline, killed in `finally` so that a failing test cannot hang.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The compiled package entry, as fixtures import it (the same module the runner loads). */
export const LIB = new URL("../../src/index.js", import.meta.url).href;
/** The runner's script. */
export const CLI = fileURLToPath(new URL("../../src/inspect/cli.js", import.meta.url));
/** How long a child may take to say what a test waits for (generous: the machine is noisy). */
export const CHILD_DEADLINE_MS = 20_000;

/** A temporary directory holding `files` (an ES module scope); `cleanup` removes it. */
export function fixtureDir(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "tasklet-inspect-"));
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export class Child {
  readonly proc: ChildProcess;
  stdout = "";
  stderr = "";
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** Runs `node args…` (`options.node`: another Node binary than this one). */
  constructor(args: readonly string[], options: { cwd?: string; env?: Record<string, string>; node?: string } = {}) {
    this.proc = spawn(options.node ?? process.execPath, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc.stdout?.setEncoding("utf8").on("data", (s: string) => {
      this.stdout += s;
    });
    this.proc.stderr?.setEncoding("utf8").on("data", (s: string) => {
      this.stderr += s;
    });
    this.exited = new Promise((resolve) => {
      this.proc.on("exit", (code, signal) => resolve({ code, signal }));
    });
  }

  /** Resolves when `stream`'s output matches `re`; rejects after the deadline, showing what came. */
  async waitFor(stream: "stdout" | "stderr", re: RegExp): Promise<void> {
    const deadline = Date.now() + CHILD_DEADLINE_MS;
    while (!re.test(this[stream])) {
      if (Date.now() > deadline || this.proc.exitCode !== null) {
        throw new Error(`child never printed ${re} on ${stream}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The exit code (or 128 + signal), within the deadline. */
  async exit(): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`child did not exit\nstdout: ${this.stdout}\nstderr: ${this.stderr}`)),
        CHILD_DEADLINE_MS,
      );
    });
    try {
      const { code, signal } = await Promise.race([this.exited, late]);
      return code ?? 128 + (signal === "SIGKILL" ? 9 : signal === "SIGTERM" ? 15 : 0);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the child if it still runs (for `finally`). */
  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGKILL");
  }
}
