// What `npm pack` would publish, from `npm pack --dry-run --json` (scripts ignored: the
// `prepare` script would rebuild dist/ under the running tests): the files a user gets, and
// what the shipped types and source maps say.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

interface Packed {
  files: { path: string; size: number }[];
}

let packed: Packed | undefined;
function pack(): Packed {
  if (packed === undefined) {
    const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    packed = (JSON.parse(out) as Packed[])[0] as Packed;
  }
  return packed;
}
const paths = (): string[] => pack().files.map((f) => f.path);

test("the package holds the license, the changelog, the readme, the built code and its sources, and no tests", () => {
  const files = paths();
  for (const f of [
    "LICENSE",
    "CHANGELOG.md",
    "README.md",
    "package.json",
    "dist/src/index.js",
    "dist/src/index.d.ts",
  ]) {
    assert.ok(files.includes(f), `${f} is packed`);
  }
  assert.ok(files.includes("src/index.ts"), "the sources the maps point at are packed");
  const tests = files.filter((f) => /(^|\/)test\/|\.test\.[jt]s/.test(f));
  assert.deepEqual(tests, [], "no tests");
  const outside = files.filter(
    (f) => !/^(dist\/src\/|src\/)/.test(f) && !/^[A-Z]+(\.md)?$|^package\.json$|^lint\/tasklet\.grit$/.test(f),
  );
  assert.deepEqual(outside, [], "nothing but dist/src, src, the lint plugin and the top-level documents");
  assert.ok(files.includes("lint/tasklet.grit"), "the Biome plugin is packed");
  assert.ok(readFileSync(join(ROOT, "LICENSE"), "utf8").includes("Copyright (c) 2026 the tasklet authors"));
});

test("every shipped source map points at sources that are shipped too", () => {
  const files = new Set(paths());
  const maps = [...files].filter((f) => f.endsWith(".js.map"));
  assert.ok(maps.length > 0);
  const dangling: string[] = [];
  for (const m of maps) {
    const map = JSON.parse(readFileSync(join(ROOT, m), "utf8")) as { sources: string[]; sourceRoot?: string };
    for (const s of map.sources) {
      const target = posix.normalize(posix.join(posix.dirname(m), map.sourceRoot ?? "", s));
      if (!files.has(target)) dangling.push(`${m} -> ${target}`);
    }
  }
  assert.deepEqual(dangling.slice(0, 5), [], `${dangling.length} maps point at files not shipped`);
});

test("the shipped types name no internal documents or members: no seed numbers, no DESIGN.md, no @internal", () => {
  const found: string[] = [];
  for (const f of paths().filter((p) => p.endsWith(".d.ts"))) {
    const text = readFileSync(join(ROOT, f), "utf8");
    text.split("\n").forEach((line, i) => {
      if (/seed 00\d|DESIGN\.md|@internal/.test(line)) found.push(`${f}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(found, [], found.join("\n"));
});

test("package.json: koffi is optional, sideEffects names existing shipped modules, dump.js among them", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Record<string, unknown>;
  assert.equal((pkg["dependencies"] as Record<string, string> | undefined)?.["koffi"], undefined);
  assert.ok((pkg["optionalDependencies"] as Record<string, string>)["koffi"]);
  const side = pkg["sideEffects"] as string[];
  assert.ok(Array.isArray(side), "sideEffects is a list, not false");
  assert.ok(side.includes("./dist/src/inspect/dump.js"));
  const files = new Set(paths());
  for (const s of side) assert.ok(files.has(s.replace(/^\.\//, "")), `${s} is shipped`);
  // npm drops a bin whose path it finds invalid ("./" in front, with npm 11) from what it publishes.
  const bin = (pkg["bin"] as Record<string, string>)["tasklet"] as string;
  assert.ok(files.has(bin), `the bin ${bin} is shipped under that exact path`);
  assert.match(readFileSync(join(ROOT, bin), "utf8"), /^#!\/usr\/bin\/env node\n/);
  for (const field of ["repository", "homepage", "bugs", "keywords", "license"]) assert.ok(pkg[field], field);
});
