// The runner on each kind of Node: TypeScript by Node's own type stripping where Node has it
// (22.18+), through tsx where it does not (Node 20) or where stripping refuses the module, and a
// clear message where neither works. Node 24 comes from scripts/test-versions.sh's cache; without
// it those tests are skipped, saying why.
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Child, CLI, fixtureDir, LIB } from "./child.js";

const CACHE = process.env["TASKLET_NODE_CACHE"] ?? join(process.env["TMPDIR"] ?? "/tmp", "tasklet-node-versions");
const NODE24 = join(CACHE, "node_modules", "node24", "bin", "node");
const HAVE_NODE24 = existsSync(NODE24);
const NO_NODE24 = `no Node 24 at ${NODE24} (bash scripts/test-versions.sh installs it)`;
const THIS_NODE_STRIPS = Boolean((process.features as unknown as Record<string, unknown>)["typescript"]);

/** A TypeScript app using erasable syntax only. */
const typedApp = (lib: string): string => `import { type Operation, sleep } from ${JSON.stringify(lib)};
interface Job { ms: number; label: string }
export default function* (): Operation<void> {
  const job: Job = { ms: 1, label: "typed" };
  yield* sleep(job.ms);
  console.log(job.label);
}
`;

/** A TypeScript app that calls main() itself, as examples/first.ts does. */
const selfRunning = (lib: string): string => `import { main, type Operation, sleep } from ${JSON.stringify(lib)};
function* go(): Operation<void> {
  yield* sleep(1);
  console.log("ran");
}
main(go);
`;

/** An enum: TypeScript that Node's type stripping refuses and tsx compiles. */
const enumApp = (lib: string): string => `import { sleep } from ${JSON.stringify(lib)};
enum Color { Red = 1 }
export default function* () {
  yield* sleep(1);
  console.log("enum", Color.Red);
}
`;

async function runIt(node: string | undefined, cli: string, cwd: string, ...args: string[]) {
  const c = new Child([cli, "run", ...args], node === undefined ? { cwd } : { cwd, node });
  try {
    return { code: await c.exit(), stdout: c.stdout, stderr: c.stderr };
  } finally {
    c.kill();
  }
}

/** A copy of the built package in a directory where no tsx can be found (as a user who never installed it). */
function packageWithoutTsx(files: (lib: string) => Record<string, string>): {
  dir: string;
  cli: string;
  cleanup: () => void;
} {
  const root = mkdtempSync(join(tmpdir(), "tasklet-notsx-"));
  const pkg = join(root, "pkg");
  cpSync(fileURLToPath(new URL("../../src", import.meta.url)), join(pkg, "dist", "src"), { recursive: true });
  writeFileSync(join(pkg, "package.json"), '{ "name": "tasklet", "version": "0.0.0", "type": "module" }\n');
  const app = join(root, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), '{ "type": "module" }\n');
  const lib = new URL(`file://${join(pkg, "dist", "src", "index.js")}`).href;
  for (const [name, text] of Object.entries(files(lib))) writeFileSync(join(app, name), text);
  return {
    dir: app,
    cli: join(pkg, "dist", "src", "inspect", "cli.js"),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

test("tasklet run accepts a module that calls main() itself: it runs once, and nothing is said about a main tasklet", async () => {
  const fx = fixtureDir({
    "self.mjs": `import { main, sleep } from ${JSON.stringify(LIB)};
main(function* () { yield* sleep(1); console.log("ran"); });
`,
    "selffails.mjs": `import { main } from ${JSON.stringify(LIB)};
main(function* () { throw new Error("boom in self"); });
`,
  });
  try {
    const ok = await runIt(undefined, CLI, fx.dir, "self.mjs");
    assert.equal(ok.stderr, "");
    assert.equal(ok.stdout, "ran\n");
    assert.equal(ok.code, 0);
    const fails = await runIt(undefined, CLI, fx.dir, "selffails.mjs");
    assert.equal(fails.code, 1, "its own main() decides the exit code");
    assert.match(fails.stderr, /boom in self/);
    assert.doesNotMatch(fails.stderr, /main tasklet/);
  } finally {
    fx.cleanup();
  }
});

test("on a Node without type stripping (20), tasklet run loads TypeScript through tsx and says so", async (t) => {
  if (THIS_NODE_STRIPS) {
    t.skip(`this Node (${process.version}) strips types itself`);
    return;
  }
  const fx = fixtureDir({ "app.ts": typedApp(LIB), "self.ts": selfRunning(LIB) });
  try {
    const r = await runIt(undefined, CLI, fx.dir, "app.ts");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "typed\n");
    assert.equal(
      r.stderr,
      `tasklet: loading app.ts through tsx (Node ${process.version} cannot strip types; Node 22.18+ can)\n`,
    );
    const self = await runIt(undefined, CLI, fx.dir, "self.ts");
    assert.equal(self.code, 0, self.stderr);
    assert.equal(self.stdout, "ran\n");
    assert.doesNotMatch(self.stderr, /main tasklet/);
  } finally {
    fx.cleanup();
  }
});

test("on a Node without type stripping and without tsx, tasklet run says what to install", async (t) => {
  if (THIS_NODE_STRIPS) {
    t.skip(`this Node (${process.version}) strips types itself`);
    return;
  }
  const fx = packageWithoutTsx((lib) => ({ "app.ts": typedApp(lib) }));
  try {
    const r = await runIt(undefined, fx.cli, fx.dir, "app.ts");
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      `tasklet: running app.ts needs tsx on Node ${process.version}, which cannot strip types: npm install --save-dev tsx, or use Node 22.18 or later, or run the compiled .js\n`,
    );
  } finally {
    fx.cleanup();
  }
});

test("on Node 24, tasklet run strips types itself, tsx or not, and says nothing", async (t) => {
  if (!HAVE_NODE24) {
    t.skip(NO_NODE24);
    return;
  }
  const withTsx = fixtureDir({ "app.ts": typedApp(LIB), "self.ts": selfRunning(LIB) });
  const without = packageWithoutTsx((lib) => ({ "app.ts": typedApp(lib), "self.ts": selfRunning(lib) }));
  try {
    for (const [cli, dir] of [
      [CLI, withTsx.dir],
      [without.cli, without.dir],
    ] as const) {
      const r = await runIt(NODE24, cli, dir, "app.ts");
      assert.equal(r.stderr, "", `${cli}: no note, no warning`);
      assert.equal(r.stdout, "typed\n");
      assert.equal(r.code, 0);
      const self = await runIt(NODE24, cli, dir, "self.ts");
      assert.equal(self.stderr, "");
      assert.equal(self.stdout, "ran\n");
      assert.equal(self.code, 0);
    }
  } finally {
    withTsx.cleanup();
    without.cleanup();
  }
});

test("on Node 24, a module type stripping refuses (an enum, a .tsx file) goes through tsx with a note, or fails naming tsx without it", async (t) => {
  if (!HAVE_NODE24) {
    t.skip(NO_NODE24);
    return;
  }
  const withTsx = fixtureDir({ "colors.ts": enumApp(LIB), "page.tsx": typedApp(LIB) });
  const without = packageWithoutTsx((lib) => ({ "colors.ts": enumApp(lib) }));
  try {
    const r = await runIt(NODE24, CLI, withTsx.dir, "colors.ts");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "enum 1\n");
    assert.match(r.stderr, /^tasklet: loading colors\.ts through tsx \(Node's type stripping refused it: .*enum/i);
    const tsxFile = await runIt(NODE24, CLI, withTsx.dir, "page.tsx");
    assert.equal(tsxFile.code, 0, tsxFile.stderr);
    assert.equal(tsxFile.stdout, "typed\n");
    assert.match(tsxFile.stderr, /^tasklet: loading page\.tsx through tsx \(Node's type stripping refused it: /);
    const no = await runIt(NODE24, without.cli, without.dir, "colors.ts");
    assert.equal(no.code, 2);
    assert.match(no.stderr, /^tasklet: Node's type stripping cannot load colors\.ts: /);
    assert.match(no.stderr, /npm install --save-dev tsx to load the rest\)\n$/);
  } finally {
    withTsx.cleanup();
    without.cleanup();
  }
});

test("tasklet --help and --version answer on stdout and exit 0; a command's --help gives its options", async () => {
  const fx = fixtureDir({});
  const tool = async (...args: string[]) => {
    const c = new Child([CLI, ...args], { cwd: fx.dir });
    try {
      return { code: await c.exit(), stdout: c.stdout, stderr: c.stderr };
    } finally {
      c.kill();
    }
  };
  try {
    const help = await tool("--help");
    assert.equal(help.code, 0);
    assert.match(
      help.stdout,
      /^usage: tasklet <command> \[options\]\n\ncommands:\n {2}run +run a module's main tasklet/,
    );
    const version = await tool("--version");
    assert.equal(version.code, 0);
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    assert.equal(version.stdout, `${pkg.version}\n`);
    const runHelp = await tool("run", "--help");
    assert.equal(runHelp.code, 0);
    assert.match(runHelp.stdout, /^usage: tasklet run <app\.ts\|app\.js>/);
    assert.match(runHelp.stdout, /--workers N/);
    const none = await tool();
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^usage: tasklet <command>/);
  } finally {
    fx.cleanup();
  }
});
