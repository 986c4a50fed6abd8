// exec benchmark, tasklet: n sequential exec() calls (bench/cases/exec/meta.ts).
import { run } from "../../../src/index.js";
import { exec } from "../../../src/io/index.js";
import { report, size } from "../../lib/report.js";

const n = size(300);
const start = performance.now();
const ok = await run(function* () {
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const r = yield* exec(["/bin/sh", "-c", "echo hi"]);
    if (r.stdout === "hi\n" && r.exitStatus === 0) ok++;
  }
  return ok;
});
report(start, ok);
