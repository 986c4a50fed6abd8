// Layers import downward only (DESIGN.md): core <- time <- sync <- io <- threads | system; cluster above threads.
// testing and inspect may read any layer. Exits non-zero naming each import that goes upward.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const rank = { core: 0, time: 1, sync: 2, io: 3, threads: 4, system: 4, cluster: 5, testing: 9, inspect: 9 };
const bad = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith(".ts")) check(p);
  }
};
const layerOf = (file) => relative("src", file).split("/")[0];
function check(file) {
  const from = layerOf(file);
  if (!(from in rank)) return; // src/index.ts and friends re-export layers
  const text = readFileSync(file, "utf8");
  for (const m of text.matchAll(/^\s*(?:import|export)[^"']*from\s+["'](\.[^"']+)["']/gm)) {
    const target = relative("src", resolve(dirname(file), m[1]));
    const to = target.split("/")[0];
    if (!(to in rank) || to === from || rank[from] === 9) continue;
    if (rank[to] >= rank[from]) bad.push(`${file}: imports ${m[1]} (layer ${to} is not below ${from})`);
  }
}
walk("src");
if (bad.length > 0) {
  console.error(`layer check failed:\n${bad.join("\n")}`);
  process.exit(1);
}
console.log("layer check: every import goes downward");
