// Runs every compiled test file (dist/test/<layer>/*.test.js) with Node's own test runner.
// `npm test` builds first, so type errors fail the run before any test starts.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

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
const r = spawnSync(process.execPath, ["--expose-gc", "--test", "--test-reporter=spec", ...selected], {
  stdio: "inherit",
});
process.exit(r.status ?? 1);
