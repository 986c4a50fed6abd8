// fileread benchmark, tasklet: File.read in 64 KiB reads until ClosedError (bench/cases/fileread/meta.ts).
import { ClosedError, run } from "../../../src/index.js";
import { open } from "../../../src/io/index.js";
import { report, size } from "../../lib/report.js";
import { CHUNK, makeFile } from "../../lib/tempfile.js";

const path = makeFile(size(256));
const start = performance.now();
const total = await run(function* () {
  const f = yield* open(path);
  const buf = Buffer.alloc(CHUNK);
  let total = 0;
  try {
    for (;;) total += yield* f.read(buf);
  } catch (e) {
    if (!(e instanceof ClosedError)) throw e;
  } finally {
    yield* f.close();
  }
  return total;
});
report(start, total);
