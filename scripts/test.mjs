// Runs every compiled test file (dist/test/<layer>/*.test.js) with Node's own test runner,
// reported per file (scripts/test-reporter.mjs: the spec reporter under a header naming each
// file, and the files with failures at the end). `npm test` builds first, so type errors fail
// the run before any test starts. Usage: node scripts/test.mjs [substring-of-path ...]
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
const r = spawnSync(process.execPath, ["--expose-gc", "--test", `--test-reporter=${reporter}`, ...selected], {
  stdio: "inherit",
});
process.exit(r.status ?? 1);
