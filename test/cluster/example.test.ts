// examples/cluster/main.ts runs as documented: its jobs spread over its three node processes and agree.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { natsMissing } from "./harness.js";

const EXAMPLE = fileURLToPath(new URL("../../examples/cluster/main.js", import.meta.url));
const missing = natsMissing();

test("examples/cluster spreads its jobs over three node processes and their digests agree", {
  skip: missing ?? false,
}, () => {
  const r = spawnSync(process.execPath, [EXAMPLE], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /3 node processes/);
  assert.match(r.stdout, /agrees/);
  const nodes = r.stdout.match(/node-[abc]: \d+ jobs/g) ?? [];
  assert.ok(nodes.length >= 2, `the jobs ran on ${nodes.length} node(s):\n${r.stdout}`);
});
