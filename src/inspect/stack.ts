/**
 * Stack traces as a dump shows them: only the user's frames.
 *
 * A stack captured inside the runtime (at a spawn, or by the suspension
 * probe of core/op.ts) is mostly the runtime's own frames: the op, the
 * scheduler's step and loop, this layer. A dump wants the user's lines, as
 * Go's shows `main.worker(...) /app/main.go:12` and not the scheduler. So
 * every frame inside this package's `src/` (or `dist/src/`, or the `.ts`
 * sources a source map points to), inside Node itself (`node:`), or without
 * a location (`<anonymous>`, the frames of `Generator.next`) is dropped.
 *
 * The probe's stack ends with the frames of whoever took the dump; they are
 * cut at `probeSuspension`, the frame that resumed the tasklet.
 */

import { dirname, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Directories whose frames belong to the library: `<pkg>/dist/src` and `<pkg>/src`. */
const LIB_DIRS: readonly string[] = (() => {
  const lib = dirname(dirname(fileURLToPath(import.meta.url)));
  const dirs = [lib + sep];
  if (lib.endsWith(`${sep}dist${sep}src`)) dirs.push(`${dirname(dirname(lib))}${sep}src${sep}`);
  return dirs;
})();

/** The most frames a dump shows of one stack. */
export const MAX_FRAMES = 12;

/**
 * The user's frames of `error`'s stack, innermost first, each as
 * `fn (path:line:col)` with paths relative to the working directory.
 */
export function userFrames(error: Error | null | undefined): readonly string[] {
  if (error === null || error === undefined) return [];
  const stack = error.stack;
  if (typeof stack !== "string") return [];
  // Tasklets blocked on one line share a stack: filter each distinct one once.
  const body = stack.slice(stack.indexOf("\n") + 1);
  let frames = cache.get(body);
  if (frames === undefined) {
    if (cache.size >= CACHE_SIZE) cache.clear();
    frames = filter(body);
    cache.set(body, frames);
  }
  return frames;
}

const CACHE_SIZE = 4096;
const cache = new Map<string, readonly string[]>();

function filter(stack: string): readonly string[] {
  const out: string[] = [];
  for (const raw of stack.split("\n")) {
    const line = raw.trim();
    if (!line.startsWith("at ")) continue;
    if (line.includes("probeSuspension")) break;
    const frame = line.slice(3);
    if (!isUserFrame(frame)) continue;
    out.push(shorten(frame));
    if (out.length === MAX_FRAMES) break;
  }
  return out;
}

function isUserFrame(frame: string): boolean {
  if (frame.includes("(<anonymous>)") || frame === "<anonymous>") return false;
  if (frame.includes("node:")) return false;
  const path = pathOf(frame);
  if (path === null) return false;
  for (const dir of LIB_DIRS) if (path.startsWith(dir)) return false;
  return true;
}

/** The file path of a frame `fn (file:line:col)` or `file:line:col`, or null. */
function pathOf(frame: string): string | null {
  const open = frame.lastIndexOf("(");
  let loc = open >= 0 && frame.endsWith(")") ? frame.slice(open + 1, -1) : frame;
  loc = loc.replace(/:\d+:\d+$/, "").replace(/:\d+$/, "");
  if (loc.startsWith("file://")) {
    try {
      return fileURLToPath(loc);
    } catch {
      return null;
    }
  }
  return loc.startsWith("/") || /^[A-Za-z]:\\/.test(loc) ? loc : null;
}

/** Rewrites `file:///cwd/a/b.ts:3:4` as `a/b.ts:3:4`. */
function shorten(frame: string): string {
  return frame.replace(/(file:\/\/[^\s)]+?)(:\d+:\d+)?(\)?)$/, (_m, url: string, pos: string | undefined, close) => {
    let p: string;
    try {
      p = fileURLToPath(url);
    } catch {
      return _m;
    }
    const rel = relative(process.cwd(), p);
    return `${rel.startsWith("..") ? p : rel}${pos ?? ""}${close}`;
  });
}
