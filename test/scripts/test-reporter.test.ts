// scripts/test-reporter.mjs, the reporter of scripts/test.mjs: a failure says which file it lives in.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const REPORTER = fileURLToPath(new URL("../../../scripts/test-reporter.mjs", import.meta.url));

test("the reporter names each file above its tests, and the files with failures at the end", () => {
  const dir = mkdtempSync(join(tmpdir(), "tasklet-reporter-"));
  try {
    writeFileSync(join(dir, "a.test.mjs"), `import { test } from "node:test";\ntest("a passes", () => {});\n`);
    writeFileSync(
      join(dir, "b.test.mjs"),
      `import { test } from "node:test";\ntest("b passes", () => {});\ntest("b fails", () => { throw new Error("no"); });\n`,
    );
    const env = { ...process.env };
    delete env["NODE_TEST_CONTEXT"]; // set for this file's own process by the outer runner
    const r = spawnSync(
      process.execPath,
      ["--test", "--test-concurrency=2", `--test-reporter=${REPORTER}`, "a.test.mjs", "b.test.mjs"],
      { cwd: dir, env, encoding: "utf8", timeout: 60_000 },
    );
    const out = r.stdout;
    assert.equal(r.status, 1, out + r.stderr);
    const at = (s: string): number => {
      const i = out.indexOf(s);
      assert.ok(i >= 0, `no ${JSON.stringify(s)} in:\n${out}`);
      return i;
    };
    assert.ok(at("── a.test.mjs\n") < at("✔ a passes"));
    assert.ok(at("✔ a passes") < at("── b.test.mjs\n"));
    assert.ok(at("── b.test.mjs\n") < at("✔ b passes"));
    assert.ok(at("✔ b passes") < at("✖ b fails"));
    assert.match(out, /\nfailures in 1 file:\n {2}b\.test\.mjs: 1\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
