// scripts/readme-bench.mjs: the README gets the headline table (bench/results/latest.md, Node 24)
// and then each further Node's (latest-node<major>.md), between its markers; the rest stays.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../../../scripts/readme-bench.mjs", import.meta.url));

function table(node: string): string {
  return [
    `# Benchmarks: tasklet against its peers on Node ${node}`,
    "",
    `- Node ${node}; Go: not on the PATH`,
    "",
    "## Time, ms (median of 3)",
    "",
    `| spawn 1M | ${node} |`,
    "",
    "## What each benchmark does",
    "",
    "- **spawn**: spawns.",
    "",
    "## Notes",
    "",
    "- a note",
    "",
  ].join("\n");
}

function readmeBench(tables: Record<string, string>): { status: number | null; stderr: string; readme: string } {
  const dir = mkdtempSync(join(tmpdir(), "readme-bench-"));
  try {
    mkdirSync(join(dir, "bench", "results"), { recursive: true });
    for (const [name, md] of Object.entries(tables)) writeFileSync(join(dir, "bench", "results", name), md);
    writeFileSync(
      join(dir, "README.md"),
      "# tasklet\n\n<!-- bench:start -->\nold table\n<!-- bench:end -->\n\n## After\n",
    );
    const r = spawnSync(process.execPath, [SCRIPT], { cwd: dir, encoding: "utf8" });
    return { status: r.status, stderr: r.stderr, readme: readFileSync(join(dir, "README.md"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the README gets the Node 24 table as its headline, then the Node 20 table without a second list of benchmarks", () => {
  const r = readmeBench({ "latest.md": table("v24.11.1"), "latest-node20.md": table("v20.20.2") });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
  const body = r.readme.slice(r.readme.indexOf("<!-- bench:start -->"), r.readme.indexOf("<!-- bench:end -->"));
  const headings = body.split("\n").filter((l) => l.startsWith("#"));
  assert.deepEqual(headings, [
    "### Node v24.11.1 (the headline)",
    "#### Time, ms (median of 3)",
    "#### What each benchmark does",
    "#### Notes",
    "### Node v20.20.2",
    "#### Time, ms (median of 3)",
    "#### Notes",
  ]);
  assert.match(body, /\| spawn 1M \| v24\.11\.1 \|[\s\S]*\| spawn 1M \| v20\.20\.2 \|/);
  assert.doesNotMatch(r.readme, /old table/);
  assert.match(r.readme, /^# tasklet\n/);
  assert.match(r.readme, /<!-- bench:end -->\n\n## After\n$/);
});

test("one table goes in as before, and a headline on another Node than 24 is copied with a warning", () => {
  const r = readmeBench({ "latest.md": table("v20.20.2") });
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stderr,
    /warning: the headline table is on Node v20\.20\.2, not 24 \(run `npm run bench -- --node 24,20`\)/,
  );
  assert.match(r.readme, /<!-- bench:start -->\n- Node v20\.20\.2; Go: not on the PATH\n\n### Time, ms/);
});

test("without bench/results/latest.md the README is left alone and the script says what to run", () => {
  const r = readmeBench({});
  assert.equal(r.status, 1);
  assert.match(r.stderr, /bench\/results\/latest\.md is missing: run `npm run bench -- --node 24,20` first/);
  assert.match(r.readme, /old table/);
});

test("the cost of inspection table of each Node's report goes into the README with its legend", () => {
  const cost = (node: string, ratio: string): string =>
    table(node).replace(
      "## What each benchmark does",
      [
        "## Cost of inspection (time ÷ the same case with it off, same run)",
        "",
        "| benchmark | off, ms | watchdog | leaks |",
        "| --- | ---: | ---: | ---: |",
        `| switch 10M | 1 500 | ${ratio} | — |`,
        "",
        "- `—`: the feature is not in this build",
        "",
        "## What each benchmark does",
      ].join("\n"),
    );
  const r = readmeBench({ "latest.md": cost("v24.11.1", "1.05×"), "latest-node20.md": cost("v20.20.2", "1.07×") });
  assert.equal(r.status, 0, r.stderr);
  const body = r.readme.slice(r.readme.indexOf("<!-- bench:start -->"), r.readme.indexOf("<!-- bench:end -->"));
  assert.deepEqual(
    body.split("\n").filter((l) => l.startsWith("#### Cost")),
    [
      "#### Cost of inspection (time ÷ the same case with it off, same run)",
      "#### Cost of inspection (time ÷ the same case with it off, same run)",
    ],
  );
  assert.match(
    body,
    /\| switch 10M \| 1 500 \| 1\.05× \| — \|\n\n- `—`: the feature is not in this build[\s\S]*\| switch 10M \| 1 500 \| 1\.07× \| — \|/,
  );
});
