/**
 * Helpers that tests of every layer share: expecting a throw, polling until a
 * condition holds, yielding a number of times, closing what a test opened,
 * and running `ip(8)`. A helper used by one layer's tests only lives in that
 * layer's `helpers.ts` (test/io/, test/sync/).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { afterEach } from "node:test";
import { type Operation, schedule, sleep } from "../src/index.js";

/** A wait that should end soon is given this long before the test calls it lost (no hang on failure). */
export const GIVE_UP_MS = 5000;

/** A class of error, as `instanceof` takes it. */
export type ErrorClass<E> = abstract new (...args: never[]) => E;

/** Runs `op`, which must throw, and returns what it threw (fails the test if `op` returned). */
export function errorOf(op: Operation<unknown>): Operation<unknown>;
/** Runs `op`, which must throw an instance of `cls`, and returns it typed (fails the test, naming what came, otherwise). */
export function errorOf<E>(op: Operation<unknown>, cls: ErrorClass<E>): Operation<E>;
export function* errorOf<E>(op: Operation<unknown>, cls?: ErrorClass<E>): Operation<unknown> {
  let value: unknown;
  try {
    value = yield* op;
  } catch (e) {
    if (cls === undefined || e instanceof cls) return e;
    assert.fail(`expected ${cls.name}, got ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`);
  }
  assert.fail(`expected ${cls?.name ?? "the operation"} to throw, it returned ${String(value)}`);
}

/** Runs `op` and returns what it threw, or undefined if it returned (for a wait that may or may not fail). */
export function* errorIfAny(op: Operation<unknown>): Operation<unknown> {
  try {
    yield* op;
  } catch (e) {
    return e;
  }
  return undefined;
}

/** How long `pollUntil` and `pollUntilAsync` poll, and how often. */
export interface PollOptions {
  /** Give up after polling this long (default GIVE_UP_MS); a bound, not a timing assertion. */
  limitMs?: number;
  /** Look every this many ms (default 5). */
  everyMs?: number;
}

/**
 * Polls `cond` every `everyMs` until it holds; fails the test with "gave up
 * waiting until <what>" after `limitMs` of sleeps. It reads `cond` once per
 * look, and counts sleeps rather than reading a clock, so it works as well
 * under virtual time. `what` may be a function, for a message that says how
 * things stood at the end.
 */
export function* pollUntil(what: string | (() => string), cond: () => boolean, options?: PollOptions): Operation<void> {
  const { limitMs = GIVE_UP_MS, everyMs = 5 } = options ?? {};
  for (let waited = 0; ; waited += everyMs) {
    if (cond()) return;
    if (waited >= limitMs) assert.fail(`gave up waiting until ${typeof what === "string" ? what : what()}`);
    yield* sleep(everyMs);
  }
}

/** `pollUntil` for code outside a tasklet: polls `cond` (which may be async: a probe of a server) with host timers. */
export async function pollUntilAsync(
  what: string | (() => string),
  cond: () => boolean | Promise<boolean>,
  options?: PollOptions,
): Promise<void> {
  const { limitMs = GIVE_UP_MS, everyMs = 5 } = options ?? {};
  const end = Date.now() + limitMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) assert.fail(`gave up waiting until ${typeof what === "string" ? what : what()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Lets other tasklets run `n` times. */
export function* yields(n: number): Operation<void> {
  for (let i = 0; i < n; i++) yield* schedule();
}

/** Lets every ready tasklet run until all are blocked or done (ten yields). */
export function* settle(): Operation<void> {
  yield* yields(10);
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

/** Runs `ip(8)` with `args`: whether it succeeded, and its error output. */
export function ip(...args: string[]): { ok: boolean; err: string } {
  const r = spawnSync("ip", args, { encoding: "utf8", timeout: 10_000 });
  return { ok: r.status === 0, err: `${r.stderr ?? ""}${r.error?.message ?? ""}`.trim() };
}

/** Runs `ip(8)` with `args`; throws, naming the command, if it failed. */
export function ipOrThrow(...args: string[]): void {
  const r = ip(...args);
  if (!r.ok) throw new Error(`ip ${args.join(" ")}: ${r.err}`);
}

/** What `bridgedLan` made: the bridge's namespace, and each host's namespace, device and address. */
export interface BridgedLan {
  br: string;
  hosts: { name: string; ns: string; dev: string; addr: string }[];
}

/**
 * Makes network namespaces (as root): `<prefix>-br-<tag>` holding a bridge
 * `br0`, and for each of `names` a namespace `<prefix>-<name>-<tag>` joined to
 * the bridge by a veth pair (device `<prefix><name><tag>`, loopback up),
 * addressed `<subnet>.<i + 1>/24`. Each namespace goes into `made` as soon as
 * it exists, so the caller's cleanup (`ip netns del`) finds it even if a later
 * step throws.
 */
export function bridgedLan(
  prefix: string,
  tag: string,
  names: readonly string[],
  subnet: string,
  made: string[],
): BridgedLan {
  const br = `${prefix}-br-${tag}`;
  made.push(br);
  ipOrThrow("netns", "add", br);
  ipOrThrow("-n", br, "link", "add", "br0", "type", "bridge");
  ipOrThrow("-n", br, "link", "set", "br0", "up");
  const hosts = names.map((name, i) => {
    const ns = `${prefix}-${name}-${tag}`;
    const dev = `${prefix}${name}${tag}`;
    made.push(ns);
    ipOrThrow("netns", "add", ns);
    ipOrThrow("link", "add", dev, "type", "veth", "peer", "name", `p${dev}`);
    ipOrThrow("link", "set", dev, "netns", ns);
    ipOrThrow("link", "set", `p${dev}`, "netns", br);
    ipOrThrow("-n", br, "link", "set", `p${dev}`, "master", "br0");
    ipOrThrow("-n", br, "link", "set", `p${dev}`, "up");
    const addr = `${subnet}.${i + 1}`;
    ipOrThrow("-n", ns, "addr", "add", `${addr}/24`, "dev", dev);
    ipOrThrow("-n", ns, "link", "set", dev, "up");
    ipOrThrow("-n", ns, "link", "set", "lo", "up");
    return { name, ns, dev, addr };
  });
  return { br, hosts };
}
