// exec benchmark, async (plain Node): n sequential child_process.execFile calls, awaited (bench/cases/exec/meta.ts).
import { execFile } from "node:child_process";
import { report, size } from "../../lib/report.js";

function execOnce(): Promise<{ stdout: string; code: number }> {
  return new Promise((resolve) => {
    execFile("/bin/sh", ["-c", "echo hi"], (error, stdout) => {
      resolve({ stdout, code: error === null ? 0 : Number(error.code ?? 1) });
    });
  });
}

const n = size(300);
const start = performance.now();
let ok = 0;
for (let i = 0; i < n; i++) {
  const r = await execOnce();
  if (r.stdout === "hi\n" && r.code === 0) ok++;
}
report(start, ok);
