// scripts/check-layers.mjs, run on small trees made here (and on the repository itself): it fails
// naming an upward import, an import circle outside src/core/, and a comment (in src/ or in the
// shipped dist/src/**/*.d.ts) that cites a file not in the repository; it passes what is fine.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SCRIPT = join(ROOT, "scripts", "check-layers.mjs");

/** Runs the check at the root of a tree made of `files` (path → text); its exit code and output. */
function checkTree(files: Record<string, string>): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), "tasklet-layers-"));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const r = spawnSync(process.execPath, [SCRIPT], { cwd: dir, encoding: "utf8" });
    return { status: r.status, out: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A tree that passes: layers importing downward, a circle inside core, true references. */
const FINE: Record<string, string> = {
  "docs/design.md": "# Design\n",
  "src/core/op.ts": 'import { wake } from "./wait.js";\nexport const op = () => wake;\n',
  "src/core/wait.ts": 'import type { op } from "./op.js";\nexport const wake = (o?: typeof op) => o;\n',
  "src/sync/chan.ts": [
    "/**",
    " * One outcome per wait (docs/design.md, after libwire's wait lists and Go's",
    " * src/runtime/chan.go; see https://go.dev/src/runtime/chan.go). Uses op.ts and",
    " * core/wait.ts, and ../core/op.ts. Node.js is a product, /tmp/x.md is not ours.",
    " *",
    " * @example",
    ' * const jobs = new URL("./jobs.js", import.meta.url); // the user\'s file',
    " */",
    'import { op } from "../core/op.js";',
    "const re = /[\"'`]/; // a regular expression with quotes in it, then a comment: DESIGN-ish",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the fixture's source holds a template literal
    'export const chan = () => [op, re, "// not a comment: DESIGN.md", `/* nor ${"PERF-NOTES"} */`];',
    "",
  ].join("\n"),
};

test("check-layers passes a tree whose imports go downward, whose only circle is in core, whose references resolve", () => {
  const { status, out } = checkTree(FINE);
  assert.equal(status, 0, out);
  assert.match(out, /every import goes downward, no circle outside src\/core\/, every file cited exists/);
});

test("check-layers fails on an import circle outside src/core/, naming the files round it", () => {
  const { status, out } = checkTree({
    ...FINE,
    "src/io/conn.ts": 'import { readOp } from "./ops.js";\nexport class Conn { r = readOp; }\n',
    "src/io/ops.ts": 'import type { Conn } from "./conn.js";\nexport const readOp = (c?: Conn) => c;\n',
  });
  assert.equal(status, 1, out);
  assert.match(out, /import circle: src\/io\/conn\.ts -> src\/io\/ops\.ts -> src\/io\/conn\.ts/);
  assert.doesNotMatch(out, /src\/core\/(op|wait)\.ts/, "core's own circle is allowed");
});

test("check-layers fails on a circle of three files, and still on an import that goes upward", () => {
  const { status, out } = checkTree({
    ...FINE,
    "src/sync/a.ts": 'import "./b.js";\nexport {};\n',
    "src/sync/b.ts": 'import "./c.js";\nexport {};\n',
    "src/sync/c.ts": 'export { x } from "./a.js";\nexport const y = 1;\n',
    "src/core/up.ts": 'import { chan } from "../sync/chan.js";\nexport const up = chan;\n',
  });
  assert.equal(status, 1, out);
  assert.match(out, /import circle: src\/sync\/a\.ts -> src\/sync\/b\.ts -> src\/sync\/c\.ts -> src\/sync\/a\.ts/);
  assert.match(out, /src\/core\/up\.ts: imports \.\.\/sync\/chan\.js \(layer sync is not below core\)/);
});

test("check-layers fails on a comment that cites a file not in the repository, in src/ and in the shipped .d.ts", () => {
  const { status, out } = checkTree({
    ...FINE,
    "src/io/dangling.ts": [
      "/**",
      " * Decided in DESIGN.md; measured in PERF-NOTES; as seed 002 says (seeds/002.md).",
      " */",
      "export const a = 1;",
      "// Described in docs/gone.md and in ../core/missing.ts.",
      "export const b = 2;",
      "",
    ].join("\n"),
    "dist/src/io/dangling.d.ts": "/** See docs/design.md and docs/not-shipped.md. */\nexport declare const a = 1;\n",
  });
  assert.equal(status, 1, out);
  assert.match(out, /src\/io\/dangling\.ts:1: cites DESIGN\.md, which is not in the repository/);
  assert.match(out, /src\/io\/dangling\.ts:1: cites PERF-NOTES/);
  assert.match(out, /src\/io\/dangling\.ts:1: cites a seed/);
  assert.match(out, /src\/io\/dangling\.ts:1: cites seeds\//);
  assert.match(out, /src\/io\/dangling\.ts:5: names docs\/gone\.md, which is not in the repository/);
  assert.match(out, /src\/io\/dangling\.ts:5: names \.\.\/core\/missing\.ts/);
  assert.match(out, /dist\/src\/io\/dangling\.d\.ts:1: names docs\/not-shipped\.md/);
  assert.doesNotMatch(out, /docs\/design\.md|chan\.ts/, "true references and strings are not reported");
});

test("check-layers passes the repository's own tree", () => {
  const r = spawnSync(process.execPath, [SCRIPT], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
