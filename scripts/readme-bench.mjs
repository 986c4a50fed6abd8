// Copies the latest benchmark table (bench/results/latest.md, written by `npm run bench`) into
// README.md between the markers <!-- bench:start --> and <!-- bench:end -->, so the README
// always shows a table the harness produced, never one typed by hand.
import { readFileSync, writeFileSync } from "node:fs";

const START = "<!-- bench:start -->";
const END = "<!-- bench:end -->";
const latest = readFileSync("bench/results/latest.md", "utf8");
// Drop the file's own title; keep everything else, one heading level down.
const body = latest
  .replace(/^# .*\n+/, "")
  .replace(/^## /gm, "### ")
  .trim();
const readme = readFileSync("README.md", "utf8");
const a = readme.indexOf(START);
const b = readme.indexOf(END);
if (a < 0 || b < a) {
  console.error(`README.md has no ${START} … ${END} section`);
  process.exit(1);
}
writeFileSync("README.md", `${readme.slice(0, a + START.length)}\n${body}\n${readme.slice(b)}`);
console.log("README.md: benchmark section updated from bench/results/latest.md");
