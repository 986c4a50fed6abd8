import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

test("examples/first: joins return values in completion order, the killed ticker cleans up", () => {
  const file = fileURLToPath(new URL("../../examples/first.js", import.meta.url));
  const r = spawnSync(process.execPath, [file], { encoding: "utf8", timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  const order = lines.filter((l) => !l.startsWith("tick "));
  assert.deepEqual(order, ["b slept 15 ms", "a slept 30 ms", "ticker cleans up", "ticker ended with KilledError"]);
  assert.ok(lines.includes("tick 1"), "the ticker ran while the workers slept");
});
