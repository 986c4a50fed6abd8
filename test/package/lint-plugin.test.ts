// lint/tasklet.grit, the Biome plugin shipped for users: an operation used as a statement (a
// forgotten yield*) is flagged; the same operation under yield*, or kept in a variable, is not.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const SOURCE = `import { after, channel, select, sleep, spawn, timeout } from "tasklet";
export function* f() {
  const ch = channel<number>();
  sleep(100);
  yield* sleep(100);
  ch.recv();
  const t = spawn(f);
  t.join();
  yield* t.join();
  select(ch.recv(), after(5));
  timeout(5, ch.recv());
  const kept = ch.recv();
  yield* kept;
}
`;

test("the Biome plugin flags each operation used as a statement, and nothing under yield*", () => {
  const dir = mkdtempSync(join(tmpdir(), "tasklet-lint-"));
  try {
    writeFileSync(join(dir, "biome.json"), JSON.stringify({ plugins: [join(ROOT, "lint/tasklet.grit")] }));
    writeFileSync(join(dir, "a.ts"), SOURCE);
    const r = spawnSync(join(ROOT, "node_modules/.bin/biome"), ["lint", "--max-diagnostics=50", "a.ts"], {
      cwd: dir,
      encoding: "utf8",
      timeout: 60_000,
    });
    const out = `${r.stdout}${r.stderr}`;
    const flagged = [...out.matchAll(/a\.ts:(\d+):\d+ plugin/g)].map((m) => Number(m[1]));
    assert.deepEqual(flagged, [4, 6, 8, 10, 11], out);
    assert.match(out, /write yield\* before it/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
