import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

function runExample(path: string): { status: number | null; stdout: string; stderr: string } {
  const file = fileURLToPath(new URL(`../../examples/${path}`, import.meta.url));
  return spawnSync(process.execPath, [file], { encoding: "utf8", timeout: 60_000 });
}

test("examples/pipeline: every job is squared exactly once, by one of the three workers", () => {
  const r = runExample("pipeline.js");
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines.length, 9);
  lines.forEach((line, i) => {
    const k = i + 1;
    assert.match(line, new RegExp(`^${k}\\^2 = ${k * k} \\(worker [123]\\)$`));
  });
});

test("examples/threads: the pool's digests agree with the same jobs run on this thread", () => {
  const r = runExample("threads/main.js");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /digests agree: [0-9a-f]{16}…/);
});
