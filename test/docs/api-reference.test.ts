// The API reference (docs/api/, written by `npm run docs` from the TSDoc comments) is checked:
// `scripts/api-docs.mjs --check` fails on an exported name without a doc comment, on a function
// or class without an `@example`, on a public member without a doc comment, and on a page that
// differs from what the sources give. Once on the repository, and on a small fixture project
// whose sources the test changes, to see each failure named.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const SCRIPT = join(ROOT, "scripts", "api-docs.mjs");

interface Ran {
  status: number | null;
  out: string;
}

function apiDocs(cwd: string, ...args: string[]): Ran {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { cwd, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test("every exported name of every entry point is documented with an example, and docs/api is up to date", () => {
  const r = apiDocs(ROOT, "--check");
  assert.equal(r.status, 0, `npm run docs would fail or change docs/api:\n${r.out}`);
  const index = readFileSync(join(ROOT, "docs", "api", "README.md"), "utf8");
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { exports: Record<string, unknown> };
  for (const sub of Object.keys(pkg.exports)) {
    const page = sub === "." ? "index.md" : `${sub.slice(2)}.md`;
    assert.ok(index.includes(`](${page})`), `docs/api/README.md links ${page}`);
  }
});

const DOCUMENTED = `/**
 * Adds two numbers.
 *
 * @example
 * add(1, 2); // 3
 */
export function add(a: number, b: number): number {
  return a + b;
}

/** Options of nothing in particular. */
export interface Options {
  /** How loud. */
  volume?: number;
}
`;

test("the check fails naming an undocumented export, a missing example, an undocumented member and a stale page", () => {
  const dir = mkdtempSync(join(tmpdir(), "tasklet-api-docs-"));
  try {
    mkdirSync(join(dir, "src"));
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: "fixture", type: "module", exports: { ".": { default: "./dist/src/index.js" } } }),
    );
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "ES2022", module: "NodeNext", strict: true, types: [], noEmit: true },
        include: ["src"],
      }),
    );
    const index = join(dir, "src", "index.ts");
    writeFileSync(index, DOCUMENTED);

    // A documented project: the pages are written, then found up to date.
    const written = apiDocs(dir, "--project", join(dir, "tsconfig.json"));
    assert.equal(written.status, 0, written.out);
    const page = readFileSync(join(dir, "docs", "api", "index.md"), "utf8");
    assert.match(page, /function add\(a: number, b: number\): number/);
    assert.match(page, /```ts fragment\nadd\(1, 2\); \/\/ 3\n```/);
    assert.match(page, /- \[`add`\]\(#add\) \(function\): Adds two numbers/);
    assert.equal(apiDocs(dir, "--check", "--project", join(dir, "tsconfig.json")).status, 0);

    // A comment changed and the pages not regenerated: stale.
    writeFileSync(index, DOCUMENTED.replace("Adds two numbers.", "Sums two numbers."));
    const stale = apiDocs(dir, "--check", "--project", join(dir, "tsconfig.json"));
    assert.equal(stale.status, 1);
    assert.match(stale.out, /docs\/api is out of date \(index\.md\): run `npm run docs`/);

    // An export without a comment, a function without an example, a member without a comment:
    // each is named with its file and line, and the error class needs no example.
    writeFileSync(
      index,
      `${DOCUMENTED}
export const undocumented = 1;

/** Multiplies. */
export function mul(a: number, b: number): number {
  return a * b;
}

/** An interface with a bare member. */
export interface Bare {
  naked: string;
}

/** Thrown by nothing. */
export class FixtureError extends TypeError {
  override name = "FixtureError";
}
`,
    );
    const bad = apiDocs(dir, "--check", "--project", join(dir, "tsconfig.json"));
    assert.equal(bad.status, 1);
    assert.match(bad.out, /api-docs: 3 warning\(s\), treated as errors/);
    assert.match(bad.out, /src\/index\.ts:17: fixture: undocumented \(const\) has no doc comment/);
    assert.match(bad.out, /src\/index\.ts:20: fixture: mul \(function\) has no @example/);
    assert.match(bad.out, /src\/index\.ts:26: fixture: Bare\.naked has no doc comment/);
    assert.doesNotMatch(bad.out, /FixtureError/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
