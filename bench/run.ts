/**
 * `npm run bench`: runs every benchmark case found in dist/bench/cases (and
 * bench/go when `go` is on the PATH), each in its own process, `--reps`
 * times, interleaving the runtimes so that a slow minute of the machine
 * hurts all of them alike; checks that the runtimes agree on each result;
 * prints the tables and writes <out>/latest.json and <out>/latest.md.
 *
 * Flags: --quick (tiny sizes: checks results, times mean nothing),
 * --reps N (default 3), --only a,b (benchmarks), --out DIR (default
 * bench/results), --timeout S (per run; default 300), --cases DIR (default
 * dist/bench/cases; the tests point it elsewhere), --note TEXT (a line for
 * the Notes, e.g. which branches were merged), --node PATH|MAJOR (repeatable
 * or a comma list: run every case under each Node listed, one whole run per
 * Node; a major version such as 24 missing here is installed from the
 * registry, bench/lib/nodes.ts). The first Node's tables go to latest.json
 * and latest.md, each further one's to latest-node<major>.json and .md.
 * --variants all|none|a,b: which of the benchmarks' variants to run (default
 * all): the tasklet case again with an inspection feature on (`variants` in
 * bench/lib/benchmarks.ts; bench/lib/variants.ts), for the table "Cost of
 * inspection".
 * Exits 1 when a case failed or a result disagreed.
 */

import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type BenchSpec, SECOND } from "./lib/benchmarks.js";
import {
  baseOf,
  buildGo,
  type Case,
  type Cell,
  checkResults,
  discoverCases,
  machine,
  runOnce,
  SkippedCase,
  sortRuntimes,
  specOf,
  summarize,
} from "./lib/harness.js";
import { type NodeBin, resolveNodes, resultName } from "./lib/nodes.js";
import { type Report, toMarkdown, toText } from "./lib/table.js";
import { buildSrcOf, checkVariants, chooseVariants, envText, withVariants } from "./lib/variants.js";

const GO_DIR = "bench/go";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    reps: { type: "string", default: "3" },
    only: { type: "string" },
    out: { type: "string", default: "bench/results" },
    timeout: { type: "string", default: "300" },
    cases: { type: "string", default: "dist/bench/cases" },
    note: { type: "string", multiple: true, default: [] },
    node: { type: "string", multiple: true, default: [] },
    variants: { type: "string" },
  },
});
let nodes: NodeBin[];
try {
  nodes = resolveNodes(values.node);
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}
const CASES = values.cases;
const reps = Number(values.reps);
if (!Number.isInteger(reps) || reps < 1) throw new RangeError(`--reps must be a positive integer, got ${values.reps}`);
const timeoutMs = Number(values.timeout) * 1000;
if (!(timeoutMs > 0)) throw new RangeError(`--timeout must be a positive number of seconds, got ${values.timeout}`);

const found = discoverCases(CASES);
if (found.size === 0) {
  console.error(`no benchmark cases in ${CASES} (build first: npm run bench builds, then runs)`);
  process.exit(1);
}
const only = values.only?.split(",").filter((s) => s !== "");
if (only !== undefined) {
  const unknown = only.filter((b) => !found.has(b));
  if (unknown.length > 0) {
    throw new RangeError(
      `--only: no cases for ${unknown.join(", ")} in ${CASES} (have ${[...found.keys()].join(", ")})`,
    );
  }
  for (const b of [...found.keys()]) if (!only.includes(b)) found.delete(b);
}

const specs = new Map<string, Partial<BenchSpec>>();
for (const b of found.keys()) specs.set(b, await specOf(CASES, b));
let chosen: Set<string> | "all";
try {
  chosen = chooseVariants(values.variants, [
    ...new Set([...specs.values()].flatMap((s) => Object.keys(s.variants ?? {}))),
  ]);
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}
const SRC = buildSrcOf(CASES);

const goFailures: string[] = [];
const goNotes: string[] = [];
if (machine().go !== null) {
  const go = buildGo(GO_DIR, [...found.keys()]);
  for (const c of go.cases) found.get(c.bench)?.push(c);
  goFailures.push(...go.failures);
  process.on("exit", () => rmSync(go.dir, { recursive: true, force: true }));
  for (const [b, cases] of found) found.set(b, sortRuntimes(cases));
} else {
  goNotes.push("Go is not on the PATH: the Go columns are empty (bench/go/*.go fill them where Go exists).");
}

// Every case under each Node asked for: one whole run per Node, its own report.
const reports: Report[] = [];
for (const node of nodes) {
  const cases = new Map(
    [...found].map(([b, cs]) => [b, cs.map((c) => (c.cmd === process.execPath ? { ...c, cmd: node.path } : c))]),
  );
  if (nodes.length > 1) console.error(`\n=== Node ${node.version} (${node.path})`);
  reports.push(await runAll(cases, node));
}

mkdirSync(values.out, { recursive: true });
// The result files describe this run only: a further Node's files from an earlier run go.
for (const f of readdirSync(values.out)) if (/^latest-node.*\.(json|md)$/.test(f)) rmSync(join(values.out, f));
const taken = new Set<string>();
reports.forEach((report, i) => {
  const name = i === 0 ? "latest" : resultName(report.machine.node, taken);
  writeFileSync(join(values.out, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(values.out, `${name}.md`), toMarkdown(report));
  console.log(toText(report));
  console.log(`\nwrote ${join(values.out, `${name}.json`)} and ${join(values.out, `${name}.md`)}\n`);
  if (report.failures.length > 0) process.exitCode = 1;
});

async function runAll(found: Map<string, Case[]>, node: NodeBin): Promise<Report> {
  const m = machine(node.version);
  const notes: string[] = [...values.note, ...goNotes];
  const failures: string[] = [...goFailures];
  const report: Report = {
    machine: m,
    reps,
    quick: values.quick,
    benches: [],
    cells: [],
    variants: [],
    failures,
    notes,
  };
  const absentNoted = new Set<string>();
  const started = performance.now();

  for (const [bench, cases] of found) {
    const spec = specs.get(bench) ?? {};
    const full = values.quick ? (spec.quick ?? null) : (spec.n ?? null);
    if (full === null)
      notes.push(`${bench}: no sizes in bench/lib/benchmarks.ts or its meta.js; its cases' defaults ran.`);
    report.benches.push({
      name: bench,
      n: full,
      measures: spec.measures ?? "(no description)",
      does: spec.does ?? "see its cases",
      result: spec.result ?? "see its cases",
      ...(spec.floorMs === undefined || values.quick ? {} : { floorMs: spec.floorMs }),
    });
    const sizeOf = (runtime: string): number | null => {
      const smaller = values.quick ? undefined : spec.smaller?.[runtime];
      return smaller ?? full;
    };
    let cells: Cell[] = cases.map((c) => ({
      bench,
      runtime: c.runtime,
      n: sizeOf(c.runtime),
      runs: [],
      medianMs: 0,
      minMs: 0,
      maxMs: 0,
      rssMB: 0,
    }));
    // The tasklet case again with each inspection feature on, right after its plain run.
    const variants = Object.entries(spec.variants ?? {}).filter(([name]) => chosen === "all" || chosen.has(name));
    const { runs, vcells } = withVariants(cases, cells, variants, SRC);
    for (const v of vcells) {
      if (v.absent === undefined || absentNoted.has(v.variant)) continue;
      absentNoted.add(v.variant);
      notes.push(`${v.variant} (${envText(v.env)}): ${v.absent}; shown as —.`);
    }
    const skipped = new Set<Cell>();
    for (let rep = 1; rep <= reps; rep++) {
      for (const [c, cell] of runs) {
        if (cell.error !== undefined || skipped.has(cell)) continue;
        try {
          const run = runOnce(c, cell.n, timeoutMs);
          cell.runs.push(run);
          console.error(`${bench}/${c.runtime} n=${cell.n ?? "default"} run ${rep}: ${run.ms} ms, ${run.rssMB} MB`);
        } catch (e) {
          if (e instanceof SkippedCase) {
            // It cannot run here (a server or package is missing): out of the table, its reason in the notes.
            skipped.add(cell);
            notes.push(e.message);
            console.error(e.message);
            continue;
          }
          cell.error = (e as Error).message;
          report.failures.push(cell.error);
          console.error(`FAILED ${cell.error}`);
        }
      }
    }
    cells = cells.filter((c) => !skipped.has(c));
    for (const cell of cells) summarize(cell);
    for (const cell of vcells) summarize(cell);
    // A size that only one runtime ran at is checked against the reference run once at that size.
    const reference = (n: number | null): unknown => {
      const ref: Case | undefined =
        baseOf(cases) ?? cases.find((c) => c.runtime === SECOND) ?? cases.find((c) => sizeOf(c.runtime) === full);
      if (ref === undefined) return undefined;
      console.error(`${bench}: checking the result at n=${n} with ${ref.runtime}`);
      try {
        return runOnce(ref, n, timeoutMs).result;
      } catch (e) {
        notes.push(`${bench}: results at n=${n} unchecked, the reference failed: ${(e as Error).message}`);
        return undefined;
      }
    };
    for (const f of checkResults(cells, reference)) {
      report.failures.push(f);
      console.error(`\n!!! ${f}\n`);
    }
    report.cells.push(...cells);
    const baseCell = cells.find((c) => c.runtime === vcells[0]?.runtime);
    if (baseCell !== undefined) {
      for (const f of checkVariants(baseCell, vcells)) {
        report.failures.push(f);
        console.error(`\n!!! ${f}\n`);
      }
    }
    report.variants?.push(...vcells);
  }

  const loadEnd = loadavg()
    .map((x) => x.toFixed(1))
    .join(" ");
  notes.push(
    `The whole run took ${Math.round((performance.now() - started) / 1000)} s; load average at the end ${loadEnd}.`,
  );

  return report;
}
