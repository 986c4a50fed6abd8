// The API reference: one Markdown page per entry point of the package (package.json
// "exports"), generated from the TSDoc comments of the sources by the TypeScript 7
// compiler's own API (`typescript/unstable/sync`; TypeDoc needs the TypeScript 5 API,
// which this project's compiler does not have).
//
//   node scripts/api-docs.mjs           writes docs/api/*.md; exits 1 on any warning
//   node scripts/api-docs.mjs --check   writes nothing; exits 1 on a warning or when
//                                        docs/api/ differs from what it would write
//   node scripts/api-docs.mjs --project <tsconfig.json> --out <dir>
//                                        the same on another project (test/docs uses a fixture)
//
// Warnings are errors (`npm run docs` fails on them; test/docs/api-reference.test.ts runs
// `--check` under `npm test`):
//   - an exported name without a doc comment;
//   - an exported function or class without an `@example`, except an error class (a class
//     named `…Error` that extends another `…Error`): its example would only be
//     `catch (e) { if (e instanceof XError) … }`, the same for each; its doc comment says
//     who throws it instead, and the functions that throw it carry the examples;
//   - a public member (static ones too) of an exported class or interface without a doc
//     comment, except the `name` of an error class (its literal type says all of it).
// A member tagged `@internal` is left out (it is stripped from the shipped types too); a class
// tagged `@hideconstructor` (made by a function, as `Tasklet` by `spawn`) shows no constructor.
// A member without a doc comment of its own takes the comment of the member it overrides or
// implements (TypeDoc's inheritDoc), e.g. a `Waitable`'s `poll`.
//
// Signatures are the declarations' own source text (parameter names, defaults, each
// overload), their bodies and initializers cut; a property without a written type shows the
// type the compiler infers.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { SyntaxKind as K } from "typescript/unstable/ast";
import { API } from "typescript/unstable/sync";

const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const tsconfig = resolve(arg("--project") ?? "tsconfig.json");
const root = dirname(tsconfig);
const check = process.argv.includes("--check");
const outDir = resolve(root, arg("--out") ?? join("docs", "api"));

const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
// "./dist/src/io/index.js" → "src/io/index.ts"; "." → "tasklet", "./io" → "tasklet/io"
const entries = Object.entries(pkg.exports).map(([sub, target]) => ({
  spec: sub === "." ? pkg.name : `${pkg.name}/${sub.slice(2)}`,
  page: sub === "." ? "index.md" : `${sub.slice(2)}.md`,
  source: target.default.replace(/^\.\/dist\//, "").replace(/\.js$/, ".ts"),
}));

const api = new API({ cwd: root });
const project = api.updateSnapshot({ openProject: tsconfig }).getProjects()[0];
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
/** `src/sync/mutex.ts:23`: where a warning's declaration is. */
function where(node) {
  if (node === undefined) return "?";
  const sf = node.getSourceFile();
  const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  return `${sf.fileName.replace(`${root}/`, "")}:${line}`;
}
const isInternal = (tags) => tags.some((t) => t.name === "internal");
/** An error class: named `…Error` and extending another `…Error` (see the header). */
const isErrorClass = (name, node) => /Error$/.test(name) && /^[^{]*\bextends\s+\w*Error\b/.test(node.getText());

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

function typeText(sym) {
  const t = checker.getTypeOfSymbol(sym);
  return t ? checker.typeToString(t) : "unknown";
}

/** A declaration's own text without `export`, `declare`, `public`, `override`, its body or its initializer. */
function declText(node, sym) {
  let text = node.getText();
  // a short literal initializer says more than its type (`name = "KilledError"`)
  const literal =
    node.initializer !== undefined && /^("[^"]*"|-?\d[\d_.]*|true|false)$/.test(node.initializer.getText());
  const cut = node.body ?? (literal ? undefined : node.initializer);
  if (cut !== undefined) {
    const tail = cut.getText();
    text = text.slice(0, text.lastIndexOf(tail)).replace(/\s*=\s*$/, "");
  }
  text = text
    .replace(/\/\*[\s\S]*?\*\/\s*/g, "") // comments on parameters: the member's own entry shows them
    .replace(/^\s*\/\/.*\n/gm, "")
    .replace(/^export\s+(default\s+)?(declare\s+)?/, "")
    .replace(/^((?:static|readonly|abstract|async)\s+)*(public|override)\s+/, "$1")
    .replace(/^((?:static|readonly|abstract|async)\s+)*(public|override)\s+/, "$1")
    .trim();
  // a property written without a type: the type the compiler infers
  const isProp = node.kind === K.PropertyDeclaration || node.kind === K.PropertySignature;
  if (isProp && node.type === undefined && !literal && sym !== undefined) text = `${text}: ${typeText(sym)}`;
  // a constructor's parameter properties: the modifiers are shown on the members
  if (node.kind === K.Constructor) text = text.replace(/\b(public|private|protected|readonly|override)\s+/g, "");
  text = text.replace(/;$/, "");
  // one line when it fits (the formatter broke it at 120 columns, with the indentation of its file)
  const one = text
    .replace(/\s*\n\s*/g, " ")
    .replace(/\(\s+/g, "(")
    .replace(/,?\s+\)/g, ")");
  if (one.length <= 110) return one;
  // else as written, less the indentation of its file (that of its last line, `): R`)
  const lines = text.split("\n");
  const base = /^ */.exec(lines.at(-1))[0].length;
  return lines.map((l, i) => (i === 0 ? l : l.slice(Math.min(base, /^ */.exec(l)[0].length)))).join("\n");
}

/** The signatures to show: each overload, or the one declaration (an implementation behind overloads is hidden). */
function signaturesOf(sym) {
  const nodes = sym.declarations.map((d) => d.resolve()).filter((n) => n !== undefined);
  const decls = nodes.length > 1 ? nodes.filter((n) => n.body === undefined) : nodes;
  const sigs = (decls.length > 0 ? decls : nodes).map((n) => declText(n, sym));
  // overloads written over several lines each: a blank line between them
  return sigs.length > 1 && sigs.some((x) => x.includes("\n"))
    ? sigs.flatMap((x, i) => (i === 0 ? [x] : ["", x]))
    : sigs;
}

/** A class's or interface's head: up to its opening brace. */
function headOf(node) {
  const text = node.getText().replace(/^export\s+(default\s+)?(declare\s+)?/, "");
  const body = text.search(/\{\s*$|\{\s*\n/m);
  return body > 0 ? text.slice(0, body).trim() : text;
}

/** The first sentence of a doc comment, on one line, for the page's index: up to a `.`, `:` or `;` outside parentheses and code. */
function summary(doc) {
  const one = doc.replace(/\s+/g, " ").trim();
  let depth = 0;
  let code = false;
  let end = one.length;
  for (let i = 0; i < one.length; i++) {
    const c = one[i];
    if (c === "`") code = !code;
    else if (!code && c === "(") depth++;
    else if (!code && c === ")") depth = Math.max(0, depth - 1);
    else if (!code && depth === 0 && ".:;".includes(c) && (i + 1 === one.length || one[i + 1] === " ")) {
      end = i;
      break;
    }
  }
  const s = one.slice(0, end);
  return s.length > 110 ? `${s.slice(0, 107).replace(/\s+\S*$/, "")}…` : s;
}

/** The leading comment of an entry point's file, less its `tasklet/io: ` prefix; not the doc comment of a declaration right below it. */
function moduleDoc(source) {
  const m =
    /^\/\*\*((?:[^*]|\*(?!\/))*)\*\/\n(?!(export\s+)?(declare\s+)?(default\s+)?(async\s+)?(abstract\s+)?(function|class|interface|type|const|let|var|enum)\b)/.exec(
      readFileSync(join(root, source), "utf8"),
    );
  if (m === null) return "";
  const text = m[1]
    .split("\n")
    .map((l) => l.replace(/^\s*\* ?/, ""))
    .join("\n")
    .trim();
  return text.replace(/^[\w/@.-]+: /, "").replace(/^./, (c) => c.toUpperCase());
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

/** The classes and interfaces a declaration extends or implements, nearest first, transitively. */
function heritageOf(node, seen = new Set()) {
  const out = [];
  for (const clause of node?.heritageClauses ?? []) {
    for (const t of clause.types) {
      const b = checker.getSymbolAtLocation(t.expression);
      if (b === undefined) continue;
      const base = real(b);
      if (seen.has(base.id)) continue;
      seen.add(base.id);
      out.push(base, ...heritageOf(base.declarations[0]?.resolve(), seen));
    }
  }
  return out;
}

/** A member's doc, or the doc of the member it overrides or implements (TypeDoc's inheritDoc), with its source. */
function inheritedDoc(key, bases) {
  for (const base of bases) {
    const m = base.getMembers().get(key);
    if (m === undefined) continue;
    const doc = docOf(m);
    if (doc !== "") return { doc, from: base.name, tags: tagsOf(m) };
  }
  return undefined;
}

const SKIP = new Set(["__call", "__index", "__new", "prototype"]);

function renderMembers(spec, name, sym, node) {
  const out = [];
  const errorClass = kindOf(node) === "class" && isErrorClass(name, node);
  const hideConstructor = tagsOf(sym).some((t) => t.name === "hideconstructor");
  const bases = heritageOf(node);
  const members = [...sym.getMembers()].map(([key, m]) => ({ key, m, isStatic: false }));
  if (kindOf(node) === "class") members.push(...[...sym.getExports()].map(([key, m]) => ({ key, m, isStatic: true })));
  for (const { key, m, isStatic } of members) {
    if (SKIP.has(key)) continue;
    const decl = m.declarations[0]?.resolve();
    if (decl === undefined || decl.kind === K.TypeParameter || isPrivate(decl) || m.name.startsWith("#")) continue;
    let tags = tagsOf(m);
    if (isInternal(tags)) continue;
    const ctor = key === "__constructor";
    if (ctor && hideConstructor) continue;
    let doc = docOf(m);
    if (doc === "" && !ctor && !isStatic) {
      const inherited = inheritedDoc(key, bases);
      if (inherited !== undefined) {
        doc = `${inherited.doc}\n\n(From \`${inherited.from}.${m.name}\`.)`;
        tags = [...inherited.tags.filter((t) => t.name !== "example"), ...tags];
      }
    }
    // a constructor is covered by the class's comment; an error's `name` by its literal type
    if (doc === "" && !ctor && !(errorClass && m.name === "name"))
      warnings.push(`${where(decl)}: ${spec}: ${name}.${m.name} has no doc comment`);
    const title = ctor ? `new ${name}()` : `${name}.${m.name}`;
    let sigs = signaturesOf(m);
    if (ctor) sigs = sigs.map((s) => s.replace(/^constructor/, `new ${name}`));
    out.push(
      `#### \`${title}\`${isStatic ? " (static)" : ""}`,
      "",
      "```ts other",
      ...sigs,
      "```",
      "",
      doc,
      "",
      ...renderTags(tags),
    );
  }
  return out;
}

for (const entry of entries) {
  const sf = project.program.getSourceFile(entry.source);
  if (sf === undefined) throw new Error(`api-docs: ${entry.source} (entry ${entry.spec}) is not in the program`);
  const exports = [...checker.getExportsOfModule(checker.getSymbolAtLocation(sf))].sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  entry.doc = moduleDoc(entry.source);
  const lines = [
    `# \`${entry.spec}\``,
    "",
    entry.doc,
    "",
    `Generated from the TSDoc comments by \`npm run docs\`; do not edit. [All entry points](README.md).`,
    "",
  ];
  const body = [];
  const index = [];
  const anchors = new Map(); // GitHub numbers repeated heading anchors: channel, channel-1
  for (const ex of exports) {
    const sym = real(ex);
    const node = sym.declarations[0]?.resolve();
    const kind = kindOf(node);
    const doc = docOf(sym);
    const tags = tagsOf(sym);
    if (doc === "") warnings.push(`${where(node)}: ${entry.spec}: ${ex.name} (${kind}) has no doc comment`);
    const needsExample = kind === "function" || (kind === "class" && !isErrorClass(ex.name, node));
    if (needsExample && !tags.some((t) => t.name === "example"))
      warnings.push(`${where(node)}: ${entry.spec}: ${ex.name} (${kind}) has no @example`);
    const base = ex.name.toLowerCase();
    const seen = anchors.get(base) ?? 0;
    anchors.set(base, seen + 1);
    index.push(`- [\`${ex.name}\`](#${seen === 0 ? base : `${base}-${seen}`}) (${kind}): ${summary(doc)}`);
    body.push(`## ${ex.name}`, "");
    let head;
    if (kind === "function") head = signaturesOf(sym).join("\n");
    else if (kind === "const") head = `const ${ex.name}: ${typeText(sym)}`;
    else head = headOf(node);
    body.push("```ts other", head, "```", "", doc, "", ...renderTags(tags));
    if (kind === "class" || kind === "interface") body.push(...renderMembers(entry.spec, ex.name, sym, node));
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
  "Each page lists the names its entry point exports, then each one: its signature (as declared",
  "in the source), what it does and its limits, an example (statements inside a tasklet), and",
  "the public members of a class or interface.",
  "",
  ...entries.map((e) => `- [\`${e.spec}\`](${e.page}): ${summary(e.doc)}`),
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
