/** Helpers shared by the io tests: process liveness and bounded polling. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "node:test";
import type { Operation } from "../../src/index.js";
import { sleep } from "../../src/index.js";

/** A wait that should end soon is given this long before the test calls it lost (no hang on failure). */
export const GIVE_UP_MS = 5000;

/** Whether `pid` is a live process (a zombie nobody reaped counts as dead). */
export function isAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}

/** Polls `cond` every few ms until it holds; false if it did not within GIVE_UP_MS. */
export function* eventually(cond: () => boolean): Operation<boolean> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > GIVE_UP_MS) return false;
    yield* sleep(5);
  }
  return true;
}

/** Kills `pid` if it still runs (test cleanup). */
export function killQuietly(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone already
  }
}

/** Expects `op` to throw an instance of `cls`; returns the error. */
export function* assertThrows<E>(op: Operation<unknown>, cls: new (...args: never[]) => E): Operation<E> {
  try {
    yield* op;
  } catch (e) {
    if (e instanceof cls) return e;
    throw new Error(`expected ${cls.name}, got ${String(e)}`, { cause: e });
  }
  throw new Error(`expected ${cls.name}, got no error`);
}

/**
 * Registers, for the calling test file, a hook that closes after each test
 * everything the test passed to the returned `track` (servers, sockets), so
 * that a failing test cannot hold the process.
 */
export function closeAfterEach(): <T extends { close(): void }>(x: T) => T {
  const opened: { close(): void }[] = [];
  afterEach(() => {
    for (const x of opened.splice(0)) x.close();
  });
  return (x) => {
    opened.push(x);
    return x;
  };
}

/** Runs `fn` with a fresh temporary directory (`tasklet-<name>-…`), removed afterwards whatever happens. */
export async function withTempDir<T>(name: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `tasklet-${name}-`));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
