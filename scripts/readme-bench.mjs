// Copies the latest benchmark tables (written by `npm run bench`) into README.md between the
// markers <!-- bench:start --> and <!-- bench:end -->, so the README always shows tables the
// harness produced, never ones typed by hand.
//
// bench/results/latest.md is the headline: the first Node of `--node` (the README's is Node 24,
// the current LTS: `npm run bench -- --node 24,20`). Each further Node's latest-node<major>.md
// follows under its own heading, without the list of what each benchmark does (the headline
// has it). Each report's "Cost of inspection" table (the inspection features' costs, with its
// legend: bench/README.md) comes along with its other tables. Run from the repository root.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const START = "<!-- bench:start -->";
const END = "<!-- bench:end -->";
const DIR = "bench/results";
/** The README's headline is measured on this Node (the current LTS). */
const HEADLINE_MAJOR = 24;

const major = (name) => Number(/latest-node(\d+)/.exec(name)?.[1] ?? 0);
const further = existsSync(DIR)
  ? readdirSync(DIR)
      .filter((f) => /^latest-node.*\.md$/.test(f))
      .sort((a, b) => major(b) - major(a) || a.localeCompare(b))
  : [];
const files = ["latest.md", ...further].map((f) => join(DIR, f));
if (!existsSync(files[0])) {
  console.error(`${files[0]} is missing: run \`npm run bench -- --node ${HEADLINE_MAJOR},20\` first`);
  process.exit(1);
}

/** The Node a table was measured on, from its title or its "- Node v…" line. */
function nodeOf(md) {
  return /\bNode (v\d+\.\d+\.\d+)/.exec(md)?.[1] ?? "unknown";
}

const parts = files.map((file, i) => {
  const md = readFileSync(file, "utf8");
  const node = nodeOf(md);
  // Drop the file's own title; the headings go one level down (two when under a Node's heading).
  let body = md.replace(/^# .*\n+/, "");
  if (i > 0) body = body.replace(/^## What each benchmark does\n[\s\S]*?(?=^## |(?![\s\S]))/m, "");
  const down = files.length > 1 ? "#### " : "### ";
  body = body.replace(/^## /gm, down).trim();
  if (files.length === 1) return { node, text: body };
  const title = i === 0 ? `### Node ${node} (the headline)` : `### Node ${node}`;
  return { node, text: `${title}\n\n${body}` };
});

const headline = parts[0].node;
if (!headline.startsWith(`v${HEADLINE_MAJOR}.`)) {
  console.error(
    `warning: the headline table is on Node ${headline}, not ${HEADLINE_MAJOR} (run \`npm run bench -- --node ${HEADLINE_MAJOR},20\`)`,
  );
}

const readme = readFileSync("README.md", "utf8");
const a = readme.indexOf(START);
const b = readme.indexOf(END);
if (a < 0 || b < a) {
  console.error(`README.md has no ${START} … ${END} section`);
  process.exit(1);
}
const text = parts.map((p) => p.text).join("\n\n");
writeFileSync("README.md", `${readme.slice(0, a + START.length)}\n${text}\n${readme.slice(b)}`);
console.log(
  `README.md: benchmark section updated from ${files.join(", ")} (Node ${parts.map((p) => p.node).join(", ")})`,
);
