/**
 * Whole-file helpers over File (file.ts): each opens, moves every byte,
 * and closes in a `finally`, so a kill or a timeout between two calls
 * still closes the descriptor.
 */

import type * as fs from "node:fs";
import { dyingNow, unwindIfKilledSince } from "../core/cancel.js";
import { ClosedError } from "../core/errors.js";
import type { Operation } from "../core/op.js";
import { open } from "./file.js";

/**
 * Reads a whole file. A kill or timeout stops between reads and closes it.
 *
 * @example
 * const text = (yield* readFile("/etc/hostname")).toString("utf8");
 */
export function* readFile(path: string): Operation<Buffer> {
  const f = yield* open(path, "r");
  const dyingAtStart = dyingNow();
  try {
    // open() stated the path already: its size saves a call on the pool (a hint: the buffer grows).
    const size = f.sizeHint ?? Number((yield* f.fstat()).size);
    let buf = Buffer.allocUnsafe(Math.max(size + 1, 4096));
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      try {
        n += yield* f.read(buf, n);
      } catch (e) {
        if (e instanceof ClosedError) break;
        throw e;
      }
    }
    return buf.subarray(0, n);
  } finally {
    yield* f.close();
    // close() blocks: a kill that came meanwhile goes on unwinding from here (core/cancel.ts).
    yield* unwindIfKilledSince(dyingAtStart);
  }
}

/**
 * Writes `data` to `path`, creating or truncating it (`flag: "a"` appends).
 * A kill or timeout stops after the write in progress: the file may then
 * hold only part of `data`.
 *
 * @example
 * yield* writeFile("out.txt", "done\n");
 */
export function* writeFile(
  path: string,
  data: string | Uint8Array,
  options?: { flag?: fs.OpenMode; mode?: fs.Mode },
): Operation<void> {
  if (typeof data !== "string" && !(data instanceof Uint8Array)) {
    throw new TypeError(`writeFile: data must be a string or a Uint8Array, got ${typeof data}`);
  }
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const f = yield* open(path, options?.flag ?? "w", options?.mode ?? 0o666);
  const dyingAtStart = dyingNow();
  try {
    if (bytes.length > 0) yield* f.write(bytes);
  } finally {
    yield* f.close();
    yield* unwindIfKilledSince(dyingAtStart);
  }
}
