// Every TypeScript block of README.md and docs/*.md is type-checked under `strict` against the
// built package, as a user's project would see it (`"tasklet"` resolved through the package's
// own exports map, its shipped .d.ts checked too: skipLibCheck off), and the whole programs
// among them are run.
//
// The convention, by the block's info string:
//   ```ts            a module: type-checked as it is (a server that never ends, a file it needs).
//   ```ts program    a whole program: type-checked, then run; it must exit 0 within 20 s.
//   ```text output   right after a program: what that program prints (stdout then stderr), exactly.
//   ```ts other      another library's code, for comparison (docs/coming-from.md): not checked.
//   A block just below `<!-- tasklet: examples/… -->` is a copy of that file, which is compiled
//   and run by test/examples/coming-from.test.ts (which also checks the copy is exact).
//   ```ts fragment   statements inside a tasklet: type-checked as the body of a generator
//                    function, with every value export of "tasklet" in scope and the names
//                    of FRAGMENT_CONTEXT below declared (worker, conn, ch, Job, …).
// Other blocks (sh, plain ```) are not checked.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** What the docs' fragments name without declaring, declared once here (types only: fragments never run). */
const FRAGMENT_CONTEXT = `import type { Channel, Operation } from "tasklet";
import type { TcpConn } from "tasklet/io";
export type { Operation, Tasklet } from "tasklet";
export interface Job { id: number }
export interface Result { ok: boolean }
export declare function worker(n: number): Operation<number>;
export declare function fetchA(): Operation<string>;
export declare function fetchB(): Operation<number>;
export declare const conn: TcpConn;
export declare const ch: Channel<number>;
export declare const results: Channel<Result>;
export declare const quit: Channel<void>;
export declare function use(v: number): void;
export declare function handle(r: Result): void;
`;
const DECLARED = ["worker", "fetchA", "fetchB", "conn", "ch", "results", "quit", "use", "handle"];

interface Block {
  /** `README.md:44`: where the block's fence is. */
  where: string;
  lang: string;
  flags: string[];
  text: string;
  /** The file the block is a copy of, from a `<!-- tasklet: path -->` line just above it. */
  copyOf: string | null;
}

/** The fenced blocks of a markdown file. */
function blocks(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*(.*)$/.exec(lines[i] as string);
    if (open === null) continue;
    const indent = (open[1] as string).length;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i] as string); i++) {
      body.push((lines[i] as string).slice(indent));
    }
    const info = (open[3] as string).trim();
    const marker = /^<!-- tasklet: (\S+) -->$/.exec(lines[start - 1] ?? "");
    out.push({
      where: `${file}:${start + 1}`,
      lang: open[2] as string,
      flags: info === "" ? [] : info.split(/\s+/),
      text: `${body.join("\n")}\n`,
      copyOf: marker === null ? null : (marker[1] as string),
    });
  }
  return out;
}

function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`);
  return ["README.md", ...docs];
}

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a compiled program to its end (killed after 20 s). */
function runProgram(file: string, cwd: string): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { cwd, stdio: ["ignore", "pipe", "pipe"], timeout: 20_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const isTs = (b: Block): boolean => b.lang === "ts" || b.lang === "typescript";

test("every TypeScript block of README.md and docs/*.md type-checks under strict; the programs run and print what the docs say", async () => {
  const self = "tasklet"; // a computed name: the compiler does not resolve it against a dist being built
  const tasklet = (await import(self)) as Record<string, unknown>;
  const values = Object.keys(tasklet).sort();
  const dir = mkdtempSync(join(tmpdir(), "tasklet-docs-"));
  try {
    mkdirSync(join(dir, "node_modules", "@types"), { recursive: true });
    symlinkSync(ROOT, join(dir, "node_modules", "tasklet"), "dir");
    symlinkSync(join(ROOT, "node_modules", "@types", "node"), join(dir, "node_modules", "@types", "node"), "dir");
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          lib: ["ES2023"],
          module: "NodeNext",
          moduleResolution: "NodeNext",
          types: ["node"],
          strict: true,
          skipLibCheck: false,
          outDir: "out",
          rootDir: "src",
        },
        include: ["src"],
      }),
    );
    mkdirSync(join(dir, "src"));
    writeFileSync(join(dir, "src", "context.ts"), FRAGMENT_CONTEXT);
    const names = new Map<string, Block>();
    /** Lines the wrapper of a fragment puts before the block's first line. */
    const FRAGMENT_LINES = 4;
    const programs: { name: string; block: Block; output: Block | null }[] = [];
    let checked = 0;
    for (const file of markdownFiles()) {
      const all = blocks(file);
      all.forEach((b, i) => {
        // `ts other`: another library's code shown for comparison (docs/coming-from.md), not ours to check.
        // A copy of an example file is checked as that file (test/examples/coming-from.test.ts).
        if (!isTs(b) || b.flags.includes("other") || b.copyOf !== null) return;
        const name = `${file.replace(/[/.]/g, "_")}_${b.where.split(":")[1]}`;
        names.set(name, b);
        checked++;
        if (b.flags.includes("fragment")) {
          const body = b.text.replace(/^(?=.)/gm, "  ");
          const text = [
            `import { ${values.join(", ")} } from "tasklet";`,
            `import type { Job, Operation, Result, Tasklet } from "./context.js";`,
            `import { ${DECLARED.join(", ")} } from "./context.js";`,
            "export function* fragment(): Operation<void> {",
            `${body}}`,
            "",
          ].join("\n");
          writeFileSync(join(dir, "src", `${name}.ts`), text);
          return;
        }
        writeFileSync(join(dir, "src", `${name}.ts`), b.text);
        if (b.flags.includes("program")) {
          const next = all[i + 1];
          programs.push({
            name,
            block: b,
            output: next?.lang === "text" && next.flags.includes("output") ? next : null,
          });
        }
      });
    }
    assert.ok(checked >= 10, `found ${checked} TypeScript blocks`);
    const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", dir], {
      encoding: "utf8",
    });
    // Each error names the block's file and line, and the line within the block.
    const errors = tsc.stdout.replace(/\S*src\/(\w+?_md_\d+)\.ts\((\d+),(\d+)\)/g, (m, name: string, l: string) => {
      const b = names.get(name);
      if (b === undefined) return m;
      return `${b.where} (block line ${Number(l) - (b.flags.includes("fragment") ? FRAGMENT_LINES : 0)})`;
    });
    assert.equal(tsc.status, 0, `the docs' code does not type-check:\n${errors}${tsc.stderr}`);
    assert.ok(programs.length >= 2, `found ${programs.length} programs`);
    // The programs run side by side: the test stays quick however many the docs hold.
    const runs = await Promise.all(programs.map((p) => runProgram(join(dir, "out", `${p.name}.js`), dir)));
    programs.forEach((p, i) => {
      const r = runs[i] as Ran;
      assert.equal(r.status, 0, `${p.block.where}: the program exits ${r.status}\n${r.stdout}${r.stderr}`);
      if (p.output !== null) {
        assert.equal(`${r.stdout}${r.stderr}`, p.output.text, `${p.output.where}: what ${p.block.where} prints`);
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
