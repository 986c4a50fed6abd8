// A temporary file of n MiB, removed at exit (the fileread cases).
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CHUNK = 64 * 1024;

export function makeFile(mib: number): string {
  const dir = fs.mkdtempSync(join(tmpdir(), "tasklet-bench-"));
  const path = join(dir, "data");
  const block = Buffer.alloc(1024 * 1024, 7);
  const fd = fs.openSync(path, "w");
  for (let i = 0; i < mib; i++) fs.writeSync(fd, block);
  fs.closeSync(fd);
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return path;
}
