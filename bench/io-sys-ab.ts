// In-process A/B of the system half of tasklet/io against plain Node, alternating
// run by run so that both see the same machine load (the VM is noisy):
//   npm run build && node dist/bench/io-sys-ab.js
// Prints medians: one exec of `sh -c 'echo hi'`, and reading 128 MiB in 64 KiB reads.
import { execFile } from "node:child_process";
import * as fsp from "node:fs/promises";
import { ClosedError, run } from "../src/index.js";
import { exec, open } from "../src/io/index.js";
import { makeFile } from "./lib/tempfile.js";

const median = (xs: number[]): string => (xs.sort((a, b) => a - b)[xs.length >> 1] ?? Number.NaN).toFixed(2);

function execFileOnce(): Promise<void> {
  return new Promise((resolve) => execFile("/bin/sh", ["-c", "echo hi"], () => resolve()));
}

async function time(f: () => Promise<unknown>): Promise<number> {
  const s = performance.now();
  await f();
  return performance.now() - s;
}

const execT: number[] = [];
const execA: number[] = [];
for (let i = 0; i < 200; i++) {
  execA.push(await time(execFileOnce));
  execT.push(await time(() => run(exec(["/bin/sh", "-c", "echo hi"]))));
}
console.log(`exec, ms per command (median of 200): tasklet ${median(execT)}, execFile ${median(execA)}`);

const path = makeFile(128);
const CHUNK = 64 * 1024;
const readT: number[] = [];
const readA: number[] = [];
for (let i = 0; i < 7; i++) {
  readT.push(
    await time(() =>
      run(function* () {
        const f = yield* open(path);
        const buf = Buffer.alloc(CHUNK);
        try {
          for (;;) yield* f.read(buf);
        } catch (e) {
          if (!(e instanceof ClosedError)) throw e;
        } finally {
          yield* f.close();
        }
      }),
    ),
  );
  readA.push(
    await time(async () => {
      const fh = await fsp.open(path);
      const buf = Buffer.alloc(CHUNK);
      while ((await fh.read(buf, 0, CHUNK, null)).bytesRead > 0) {}
      await fh.close();
    }),
  );
}
console.log(
  `read 128 MiB in 64 KiB reads, ms (median of 7): tasklet File.read ${median(readT)}, FileHandle.read ${median(readA)}`,
);
