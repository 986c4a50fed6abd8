// fileread benchmark, async (plain Node): FileHandle.read in 64 KiB reads until 0, awaited (bench/cases/fileread/meta.ts).
import * as fsp from "node:fs/promises";
import { report, size } from "../../lib/report.js";
import { CHUNK, makeFile } from "../../lib/tempfile.js";

const path = makeFile(size(256));
const start = performance.now();
const fh = await fsp.open(path);
const buf = Buffer.alloc(CHUNK);
let total = 0;
for (;;) {
  const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
  if (bytesRead === 0) break;
  total += bytesRead;
}
await fh.close();
report(start, total);
