// The shape of src/, checked by `npm run lint` (and so by `npm test`). Run from the repository's
// root (it reads ./src and, when built, ./dist/src). Exits non-zero naming each of:
//   1. an import that goes upward: layers import downward only (HACKING.md, "The layers"):
//      core <- time <- sync <- io <- threads | system; cluster above threads; testing and inspect
//      may read any layer;
//   2. an import circle outside src/core/ (type-only imports count: two files that import each
//      other are one concept split in two, or a dependency that should run one way);
//   3. a comment in src/ (or in the shipped types, dist/src/**/*.d.ts) that cites a file not in
//      the repository: DESIGN.md, PERF-NOTES, the seeds ("seed 001", "seeds/"), or any path
//      naming a .md/.ts/.js/.json/.sh file or a folder that resolves neither from the root, nor
//      from src/, nor from the file's own folder (a bare name, `op.ts`, is enough if a file of
//      the repository has it). Not the repository's, so not checked: absolute paths, URLs,
//      another project's file named with its owner ("Go's chan.go", "undici's fixed-queue.js"),
//      and the user's files in `@example` code, placeholders (`<app.ts>`, `./x.js`) and sample output.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const rank = { core: 0, time: 1, sync: 2, io: 3, threads: 4, system: 4, cluster: 5, testing: 9, inspect: 9 };
const problems = { upward: [], circles: [], references: [] };

const filesUnder = (dir, suffix) => {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(suffix)) out.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
};

const sources = filesUnder("src", ".ts");
const layerOf = (file) => relative("src", file).split("/")[0];

// ---- imports -------------------------------------------------------------------------------

/** file -> the src files it imports (relative specifiers; `x.js` is the source `x.ts`). */
const graph = new Map();
for (const file of sources) {
  const text = readFileSync(file, "utf8");
  const targets = [];
  for (const m of text.matchAll(/^\s*(?:import|export)(?:[^"';]*?from)?\s*["'](\.[^"']+)["']/gm)) {
    const spec = m[1];
    const target = resolve(dirname(file), spec.replace(/\.js$/, ".ts"));
    const rel = relative(process.cwd(), target);
    if (existsSync(rel)) targets.push(rel);
    const from = layerOf(file);
    const to = relative("src", target).split("/")[0];
    if (!(from in rank) || !(to in rank) || to === from || rank[from] === 9) continue;
    if (rank[to] >= rank[from]) problems.upward.push(`${file}: imports ${spec} (layer ${to} is not below ${from})`);
  }
  graph.set(file, targets);
}

// Circles: the strongly connected components of more than one file (or a file importing itself),
// found with Tarjan's algorithm; each is reported as one circle through all its files.
{
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const connect = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const c = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(c.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) connect(v);
  for (const c of components) {
    if (c.every((f) => f.startsWith("src/core/"))) continue; // core's own circle is allowed
    problems.circles.push(`import circle: ${cycleThrough(c).join(" -> ")}`);
  }
}

/** A shortest circle from the component's first file back to it, as a list of files. */
function cycleThrough(component) {
  const inside = new Set(component);
  const start = component[0];
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = prev.get(u)) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...component, start];
}

// ---- references in comments ----------------------------------------------------------------

/** The comments of a TypeScript source, each with the line it starts on. */
function commentsOf(text) {
  const out = [];
  let line = 1;
  let i = 0;
  // Whether a `/` here starts a regular expression (after an operator or keyword) or divides.
  let regexAllowed = true;
  const templateDepth = []; // brace depth at which each open template's `${` resumes the template
  let braces = 0;
  const n = text.length;
  const count = (a, b) => {
    for (let k = a; k < b; k++) if (text.charCodeAt(k) === 10) line++;
  };
  const skipString = (q) => {
    // i is on the opening quote; leaves i after the closing one (or at a `${` of a template).
    for (i++; i < n; i++) {
      const c = text[i];
      if (c === "\\") i++;
      else if (c === "\n") line++;
      else if (c === q) {
        i++;
        return "end";
      } else if (q === "`" && c === "$" && text[i + 1] === "{") {
        i += 2;
        return "interpolation";
      }
    }
    return "end";
  };
  while (i < n) {
    const c = text[i];
    if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      const stop = end < 0 ? n : end;
      out.push({ line, text: text.slice(i, stop) });
      i = stop;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      out.push({ line, text: text.slice(i, stop) });
      count(i, stop);
      i = stop;
    } else if (c === "'" || c === '"' || c === "`") {
      if (skipString(c) === "interpolation") {
        templateDepth.push(braces);
        braces++;
      }
      regexAllowed = false;
    } else if (c === "}" && templateDepth.length > 0 && templateDepth[templateDepth.length - 1] === braces - 1) {
      templateDepth.pop();
      braces--;
      i--; // resume the template: skipString starts after the character at i
      if (skipString("`") === "interpolation") {
        templateDepth.push(braces);
        braces++;
      }
      regexAllowed = false;
    } else if (c === "/" && regexAllowed) {
      let inClass = false;
      for (i++; i < n && text[i] !== "\n"; i++) {
        const d = text[i];
        if (d === "\\") i++;
        else if (d === "[") inClass = true;
        else if (d === "]") inClass = false;
        else if (d === "/" && !inClass) break;
      }
      i++;
      regexAllowed = false;
    } else if (/[A-Za-z0-9_$]/.test(c)) {
      const m = /^[A-Za-z0-9_$]+/.exec(text.slice(i, i + 64));
      const word = m[0];
      i += word.length;
      regexAllowed = /^(return|typeof|instanceof|in|of|new|delete|void|throw|case|do|else|yield|await)$/.test(word);
    } else {
      if (c === "\n") line++;
      if (c === "{") braces++;
      if (c === "}") braces--;
      if (!/\s/.test(c)) regexAllowed = !/[)\]}]/.test(c);
      i++;
    }
  }
  return out;
}

/** Names of files that are not in the repository, whatever the folder. */
const NOT_IN_REPO = [
  [/\bDESIGN\.md\b/, "DESIGN.md"],
  [/\bPERF-NOTES\b/, "PERF-NOTES"],
  [/\bseeds?\s+\d{3}\b/i, "a seed (seed 00N)"],
  [/(?<![\w-])seeds\//, "seeds/"],
];
const PATH =
  /(?:\.{1,2}\/)?(?:[\w.-]+\/)*[\w-][\w.-]*\.(?:md|ts|mts|mjs|cjs|js|json|sh)(?![\w/])|(?:\.{1,2}\/)?(?:[A-Za-z_][\w.-]*\/)+(?![\w.])/g;

/** Every file name of the repository (a bare name such as `op.ts` is the repository's if one file has it). */
const names = new Set();
for (const dir of [".", "src", "docs", "test", "scripts", "bench", "examples", "lint"]) {
  const files = dir === "." ? readdirSync(".").filter((f) => !statSync(f).isDirectory()) : filesUnder(dir, "");
  for (const f of files) names.add(f.split("/").pop());
}

/** Whether `ref` is the repository's: a bare name that some file has, or a path from the root, src/ or `folder`. */
function resolves(ref, folder) {
  const clean = ref.replace(/[#:].*$/, "");
  if (!clean.includes("/")) {
    return names.has(clean) || (clean.endsWith(".js") && names.has(`${clean.slice(0, -3)}.ts`));
  }
  for (const base of [".", "src", folder]) {
    const p = join(base, clean);
    if (existsSync(p)) return true;
    if (p.endsWith(".js") && existsSync(`${p.slice(0, -3)}.ts`)) return true;
  }
  return false;
}

/**
 * The prose of a comment: without its `@example` sections (code of the user's program, whose
 * files are the user's), placeholders (`<app.ts|app.js>`) and samples of output (`app.ts:30:9`).
 */
function proseOf(comment) {
  const kept = [];
  let inExample = false;
  for (const line of comment.split("\n")) {
    if (/@example\b/.test(line)) inExample = true;
    else if (/^\s*\*?\s*@\w/.test(line)) inExample = false;
    kept.push(inExample ? "" : line.replace(/<[^<>\s]*>/g, "").replace(/\S+:\d+(?::\d+)?/g, ""));
  }
  return kept.join("\n");
}

function checkComments(file, folder) {
  for (const { line, text } of commentsOf(readFileSync(file, "utf8"))) {
    for (const [re, name] of NOT_IN_REPO) {
      if (re.test(text)) problems.references.push(`${file}:${line}: cites ${name}, which is not in the repository`);
    }
    const prose = proseOf(text);
    // Word by word, so that a URL or an absolute path is recognised whole.
    for (const m of prose.matchAll(/(\S+)/g)) {
      const word = m[1];
      if (word.includes("://") || /^[`("'[]*[/~]/.test(word)) continue;
      const before = prose.slice(Math.max(0, m.index - 40), m.index);
      if (/[\w)]'s\s+$/.test(before)) continue; // "Go's chan.go": another project's file
      for (const r of word.matchAll(PATH)) {
        const ref = r[0].replace(/\.+$/, "");
        if (ref === "" || /^[A-Z][a-z]+\.js$/.test(ref)) continue; // Node.js, a product's name
        if (/(?:^|\/)\w\.\w+$/.test(ref)) continue; // `./x.js`, `a/b.ts`: a placeholder
        if (/^(?:dist|node_modules)\//.test(ref)) continue; // made by the build and by npm, not kept in git
        if (/^(DESIGN\.md|PERF-NOTES)/.test(ref) || /^seeds\//.test(ref)) continue; // reported above
        if (!resolves(ref, folder)) {
          problems.references.push(`${file}:${line}: names ${ref}, which is not in the repository`);
        }
      }
    }
  }
}

for (const file of sources) checkComments(file, dirname(file));
// The shipped types carry the TSDoc of the sources: a reference there resolves from the source's folder.
for (const file of filesUnder(join("dist", "src"), ".d.ts")) checkComments(file, dirname(relative("dist", file)));

// ---- verdict -------------------------------------------------------------------------------

const failed = [
  ["imports that go upward", problems.upward],
  ["import circles outside src/core/", problems.circles],
  ["references to files that are not in the repository", problems.references],
].filter(([, list]) => list.length > 0);
if (failed.length > 0) {
  for (const [what, list] of failed) console.error(`layer check failed: ${what}:\n  ${list.join("\n  ")}`);
  process.exit(1);
}
console.log("layer check: every import goes downward, no circle outside src/core/, every file cited exists");
