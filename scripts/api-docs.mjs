// The API reference: one Markdown page per entry point of the package (package.json
// "exports"), generated from the TSDoc comments of the sources by the TypeScript 7
// compiler's own API (`typescript/unstable/sync`; TypeDoc needs the TypeScript 5 API,
// which this project's compiler does not have).
//
//   node scripts/api-docs.mjs           writes docs/api/*.md; exits 1 on any warning
//   node scripts/api-docs.mjs --check   writes nothing; exits 1 on a warning or when
//                                        docs/api/ differs from what it would write
//
// Warnings are errors (`npm run docs` fails on them):
//   - an exported name without a doc comment;
//   - an exported function or class without an `@example`;
//   - a public member of an exported class or interface without a doc comment.
// A member tagged `@internal` is left out (it is stripped from the shipped types too).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SyntaxKind as K } from "typescript/unstable/ast";
import { API } from "typescript/unstable/sync";

const root = process.cwd();
const check = process.argv.includes("--check");
const outDir = join(root, "docs", "api");

const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
// "./dist/src/io/index.js" → "src/io/index.ts"; "." → "tasklet", "./io" → "tasklet/io"
const entries = Object.entries(pkg.exports).map(([sub, target]) => ({
  spec: sub === "." ? pkg.name : `${pkg.name}/${sub.slice(2)}`,
  page: sub === "." ? "index.md" : `${sub.slice(2)}.md`,
  source: target.default.replace(/^\.\/dist\//, "").replace(/\.js$/, ".ts"),
}));

const api = new API({ cwd: root });
const project = api.updateSnapshot({ openProject: "tsconfig.json" }).getProjects()[0];
const checker = project.checker;
const ALIAS = 2097152; // SymbolFlags.Alias

const warnings = [];
const pages = new Map();

const real = (s) => ((s.flags & ALIAS) !== 0 ? checker.getAliasedSymbol(s) : s);
const tagsOf = (s) => checker.getJsDocTagsOfSymbol(s);
const docOf = (s) => checker.getDocumentationCommentOfSymbol(s).trim();
const tagText = (t) => (typeof t.text === "string" ? t.text : (t.text ?? []).map((p) => p.text).join("")).trim();
const mods = (node) => (node?.modifiers ? [...node.modifiers].map((m) => m.kind) : []);
const isPrivate = (node) => mods(node).some((k) => k === K.PrivateKeyword || k === K.ProtectedKeyword);

function kindOf(node) {
  switch (node?.kind) {
    case K.FunctionDeclaration:
      return "function";
    case K.ClassDeclaration:
      return "class";
    case K.InterfaceDeclaration:
      return "interface";
    case K.TypeAliasDeclaration:
      return "type";
    case K.EnumDeclaration:
      return "enum";
    default:
      return "const";
  }
}

/** The declaration's own text up to its body: `export`, the body and comments left out. */
function headOf(node) {
  const text = node.getText().replace(/^export\s+(default\s+)?(declare\s+)?/, "");
  const body = text.search(/\{\s*$|\{\s*\n/m);
  const kind = kindOf(node);
  if ((kind === "class" || kind === "interface") && body > 0) return `${text.slice(0, body).trim()}`;
  return text;
}

function typeText(sym) {
  const t = checker.getTypeOfSymbol(sym);
  return t ? checker.typeToString(t) : "unknown";
}

function renderTags(tags) {
  const out = [];
  const params = tags.filter((t) => t.name === "param");
  if (params.length > 0) {
    out.push("**Parameters**", "");
    for (const p of params) {
      const [name, ...rest] = tagText(p).split(/\s+/);
      out.push(`- \`${name}\` ${rest.join(" ").replace(/^-\s*/, "")}`);
    }
    out.push("");
  }
  for (const t of tags) {
    if (t.name === "returns") out.push(`**Returns** ${tagText(t)}`, "");
    if (t.name === "throws") out.push(`**Throws** ${tagText(t)}`, "");
    if (t.name === "deprecated") out.push(`**Deprecated.** ${tagText(t)}`, "");
    if (t.name === "see") out.push(`**See** ${tagText(t)}`, "");
  }
  for (const t of tags.filter((t) => t.name === "example")) {
    const body = tagText(t);
    out.push("**Example**", "", body.startsWith("```") ? body : `\`\`\`ts fragment\n${body}\n\`\`\``, "");
  }
  return out;
}

function renderMembers(spec, name, sym) {
  const out = [];
  for (const [key, m] of sym.getMembers()) {
    if (key === "__constructor" || key === "__call" || key === "__index" || key === "__new") continue;
    const node = m.declarations[0]?.resolve();
    if (node === undefined || isPrivate(node) || m.name.startsWith("#")) continue;
    const tags = tagsOf(m);
    if (tags.some((t) => t.name === "internal")) continue;
    const doc = docOf(m);
    if (doc === "") warnings.push(`${spec}: ${name}.${m.name} has no doc comment`);
    const isMethod = node.kind === K.MethodDeclaration || node.kind === K.MethodSignature;
    const sig = isMethod ? `${m.name}${typeText(m).replace(/ =>/, ":")}` : `${m.name}: ${typeText(m)}`;
    out.push(`#### \`${name}.${m.name}\``, "", "```ts other", sig, "```", "", doc, "", ...renderTags(tags));
  }
  return out;
}

for (const entry of entries) {
  const sf = project.program.getSourceFile(entry.source);
  if (sf === undefined) throw new Error(`api-docs: ${entry.source} (entry ${entry.spec}) is not in the program`);
  const exports = [...checker.getExportsOfModule(checker.getSymbolAtLocation(sf))].sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  const lines = [`# \`${entry.spec}\``, "", `Generated from the TSDoc comments by \`npm run docs\`; do not edit.`, ""];
  const body = [];
  const index = [];
  const anchors = new Map(); // GitHub numbers repeated heading anchors: channel, channel-1
  for (const ex of exports) {
    const sym = real(ex);
    const node = sym.declarations[0]?.resolve();
    const kind = kindOf(node);
    const doc = docOf(sym);
    const tags = tagsOf(sym);
    if (doc === "") warnings.push(`${entry.spec}: ${ex.name} (${kind}) has no doc comment`);
    if ((kind === "function" || kind === "class") && !tags.some((t) => t.name === "example"))
      warnings.push(`${entry.spec}: ${ex.name} (${kind}) has no @example`);
    const base = ex.name.toLowerCase();
    const seen = anchors.get(base) ?? 0;
    anchors.set(base, seen + 1);
    index.push(`- [\`${ex.name}\`](#${seen === 0 ? base : `${base}-${seen}`}) — ${kind}`);
    body.push(`## ${ex.name}`, "");
    let head;
    if (kind === "function") head = `function ${ex.name}${typeText(sym).replace(/ =>/, ":")}`;
    else if (kind === "const") head = `const ${ex.name}: ${typeText(sym)}`;
    else head = headOf(node);
    body.push("```ts other", head, "```", "", doc, "", ...renderTags(tags));
    if (kind === "class" || kind === "interface") body.push(...renderMembers(entry.spec, ex.name, sym));
  }
  lines.push(...index, "", ...body);
  pages.set(
    entry.page,
    `${lines
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .trimEnd()}\n`,
  );
}
api.close();

const indexPage = [
  "# API reference",
  "",
  "Generated from the TSDoc comments of the sources by `npm run docs`; do not edit.",
  "",
  ...entries.map((e) => `- [\`${e.spec}\`](${e.page})`),
  "",
].join("\n");
pages.set("README.md", indexPage);

const stale = [];
if (check) {
  for (const [page, text] of pages) {
    let old = "";
    try {
      old = readFileSync(join(outDir, page), "utf8");
    } catch {}
    if (old !== text) stale.push(page);
  }
} else {
  mkdirSync(outDir, { recursive: true });
  for (const [page, text] of pages) writeFileSync(join(outDir, page), text);
}

if (warnings.length > 0)
  console.error(`api-docs: ${warnings.length} warning(s), treated as errors:\n  ${warnings.join("\n  ")}`);
if (stale.length > 0) console.error(`api-docs: docs/api is out of date (${stale.join(", ")}): run \`npm run docs\``);
if (warnings.length > 0 || stale.length > 0) process.exit(1);
console.log(`api-docs: ${entries.length} entry points, ${check ? "up to date" : `written to docs/api/`}`);
