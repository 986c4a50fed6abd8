// Runs every compiled test file (dist/test/<layer>/*.test.js) with Node's own test runner,
// reported per file (scripts/test-reporter.mjs: the spec reporter under a header naming each
// file, and the files with failures at the end). `npm test` builds first, so type errors fail
// the run before any test starts. Usage: node scripts/test.mjs [substring-of-path ...]
// A full run (no filter) then runs test/core and test/sync once more with TASKLET_DEBUG=1:
// the runtime checks its invariants after every step (src/core/invariants.ts).
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = "dist/test";
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith(".test.js")) files.push(p);
  }
};
walk(root);
const only = process.argv.slice(2);
const selected = only.length === 0 ? files : files.filter((f) => only.some((o) => f.includes(o)));
if (selected.length === 0) {
  console.error(`no test files matched ${only.join(" ")}`);
  process.exit(1);
}
const reporter = fileURLToPath(new URL("./test-reporter.mjs", import.meta.url));
const runTests = (list, env) =>
  spawnSync(process.execPath, ["--expose-gc", "--test", `--test-reporter=${reporter}`, ...list], {
    stdio: "inherit",
    env,
  }).status ?? 1;

let status = runTests(selected, process.env);
if (only.length === 0 && process.env.TASKLET_DEBUG !== "1") {
  const debugged = files.filter((f) => f.startsWith(join(root, "core")) || f.startsWith(join(root, "sync")));
  console.log(
    `\n# test/core and test/sync again with TASKLET_DEBUG=1 (invariants checked): ${debugged.length} files\n`,
  );
  const started = Date.now();
  const s = runTests(debugged, { ...process.env, TASKLET_DEBUG: "1" });
  console.log(
    `# TASKLET_DEBUG=1 run: ${s === 0 ? "passed" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (status === 0) status = s;
}
process.exit(status);
