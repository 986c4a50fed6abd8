// docs/coming-from.md: every tasklet version is a file of examples/coming-from/ that runs and
// prints what the page says, and the page's block is that file (imported as "tasklet").
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = new URL("../../../", import.meta.url);
const COMPILED = new URL("../../examples/coming-from/", import.meta.url);

const EXPECTED: Record<string, string[]> = {
  "fetch-timeout": ["fast answer", "slow: timed out after 200 ms"],
  "fan-out": ["sum of squares 1..10: 385"],
  "cancel-producer": ["got 0", "got 1", "got 2", "producer stopped", "producer was killed"],
  race: ["first: primary"],
  "from-async": ["tick 1", "tick 2", "tick 3", "sent 3", "cleanup ran", "run was killed: TimeoutError"],
};

for (const [name, lines] of Object.entries(EXPECTED)) {
  test(`examples/coming-from/${name} runs and prints what docs/coming-from.md says`, () => {
    const file = fileURLToPath(new URL(`${name}.js`, COMPILED));
    const r = spawnSync(process.execPath, [file], { encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), lines);
  });
}

/** The ```ts blocks that follow a `<!-- tasklet: path -->` marker, by path. */
function taskletBlocks(doc: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of doc.matchAll(/<!-- tasklet: (\S+) -->\n```ts\n([\s\S]*?)```\n/g)) {
    out.set(m[1] as string, m[2] as string);
  }
  return out;
}

test("every tasklet block of docs/coming-from.md is its example file, and every example has a block", () => {
  const doc = readFileSync(new URL("docs/coming-from.md", ROOT), "utf8");
  const blocks = taskletBlocks(doc);
  const files = readdirSync(new URL("examples/coming-from/", ROOT))
    .filter((f) => f.endsWith(".ts") && f !== "service.ts")
    .map((f) => `examples/coming-from/${f}`)
    .sort();
  assert.deepEqual([...blocks.keys()].sort(), files);
  assert.deepEqual(
    Object.keys(EXPECTED)
      .map((n) => `examples/coming-from/${n}.ts`)
      .sort(),
    files,
  );
  for (const [path, block] of blocks) {
    const source = readFileSync(new URL(path, ROOT), "utf8").replaceAll('"../../src/index.js"', '"tasklet"');
    assert.equal(block, source, `${path}: the block in docs/coming-from.md differs from the file`);
  }
});
