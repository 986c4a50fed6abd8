// A program bundled with esbuild keeps the modules that have side effects when loaded: the
// package's "sideEffects" list names them, so tree shaking does not drop the dump that a
// deadlock report of main() prints.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

type Build = (options: Record<string, unknown>) => Promise<unknown>;

/** esbuild (tsx's, in the dev dependencies), imported by a computed name: the test skips without it. */
async function esbuild(): Promise<Build | null> {
  const name = "esbuild";
  try {
    return ((await import(name)) as { build: Build }).build;
  } catch {
    return null;
  }
}

test("a bundled program under main() still prints the dump with its deadlock report", async (t) => {
  const build = await esbuild();
  if (build === null) {
    t.skip("esbuild is not installed");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "tasklet-bundle-"));
  try {
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(ROOT, join(dir, "node_modules", "tasklet"), "dir");
    writeFileSync(
      join(dir, "app.mjs"),
      `import { channel, main } from "tasklet";
main(function* stuck() {
  yield* channel().recv(); // nobody sends
});
`,
    );
    await build({
      entryPoints: [join(dir, "app.mjs")],
      bundle: true,
      platform: "node",
      format: "esm",
      outfile: join(dir, "out.mjs"),
      external: ["koffi"],
      logLevel: "silent",
    });
    const r = spawnSync(process.execPath, [join(dir, "out.mjs")], { encoding: "utf8", timeout: 20_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^all tasklets are asleep - deadlock!\n/);
    assert.match(r.stderr, /\ntasklet dump: 1 tasklet \(1 blocked\)/);
    assert.doesNotMatch(r.stderr, /no dump/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
