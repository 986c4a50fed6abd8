import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

test("examples/neighborhood/sim: the same seed prints the same events at the same virtual instants", () => {
  const file = fileURLToPath(new URL("../../examples/neighborhood/sim.js", import.meta.url));
  const events = (seed: string): string[] => {
    const r = spawnSync(process.execPath, [file, seed], { encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim().split("\n").slice(0, -1); // the last line is the real time taken
  };
  const first = events("5");
  assert.deepEqual(events("5"), first);
  assert.ok(first.includes("   0.000 s  a: up b"), first.slice(0, 6).join("\n"));
  // c's device goes down at 240 s (before c's announcement of that instant: the
  // program's timer was armed first), so c was last heard at 239 s and is dropped
  // 3 s later; c drops the others at the same instant.
  for (const line of ["a: down c", "b: down c", "c: down a", "c: down b"]) {
    assert.ok(first.includes(` 242.000 s  ${line}`), `${line} at 242 s\n${first.join("\n")}`);
  }
});
