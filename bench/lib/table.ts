/**
 * The harness's output: the three tables (time, time per operation relative
 * to tasklet and to async/await, peak memory) as plain text for the terminal
 * and as Markdown for bench/results/latest.md.
 *
 * A runtime run at a smaller size than the benchmark's (a slow peer) shows
 * its time at that size, marked "@ 100k"; its ratios compare time per
 * operation (ms / n), which assumes the cost grows linearly with n.
 */

import { BASE, LIMIT, RUNTIME_ORDER, SECOND } from "./benchmarks.js";
import { baseOf, type Cell, type Machine } from "./harness.js";
import { costRatio, type VariantCell } from "./variants.js";

export interface Report {
  machine: Machine;
  reps: number;
  quick: boolean;
  /** Benchmark → its full size (null: the cases' default) and what it measures. */
  benches: { name: string; n: number | null; measures: string; does: string; result: string; floorMs?: number }[];
  cells: Cell[];
  /** The tasklet cases run again with an inspection feature on (bench/lib/variants.ts); absent in older reports. */
  variants?: VariantCell[];
  failures: string[];
  notes: string[];
}

/** 1234567 → "1 234 567"; 0.5 → "0.5". */
export function num(x: number): string {
  if (x >= 100) return Math.round(x).toLocaleString("en-US").replace(/,/g, " ");
  if (x >= 10) return x.toFixed(1).replace(/\.0$/, "");
  return x.toFixed(2).replace(/\.?0+$/, "");
}

/** 1000000 → "1M", 100000 → "100k". */
export function short(n: number): string {
  if (n >= 1e6 && n % 1e6 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 1e3 === 0) return `${n / 1e3}k`;
  return String(n);
}

function perOp(c: Cell, floorMs: number): number {
  const ms = Math.max(c.medianMs - floorMs, 0.1);
  return c.n === null ? ms : ms / c.n;
}

type Bench = Report["benches"][number];

function ok(c: Cell | undefined): boolean {
  return c !== undefined && c.error === undefined && c.runs.length > 0;
}

/** "1.9×": c's time per operation over base's; "" when there is nothing to compare. */
function ratio(c: Cell, base: Cell | undefined, bench: Bench): string {
  if (base === undefined || !ok(base) || (c.n === null) !== (base.n === null)) return "";
  if (c === base) return "1";
  const floor = bench.floorMs ?? 0;
  return `${num(perOp(c, floor) / perOp(base, floor))}×`;
}

function at(c: Cell, b: Bench): string {
  return c.n !== null && c.n !== b.n ? ` @ ${short(c.n)}` : "";
}

interface Grid {
  head: string[];
  rows: string[][];
}

/** Benchmarks whose runtimes are all the usual peers go in the matrices; the others get a table each. */
function inMatrix(r: Report, b: Bench): boolean {
  const cells = r.cells.filter((c) => c.bench === b.name);
  return cells.every((c) => RUNTIME_ORDER.includes(c.runtime) && c.extra === undefined);
}

function matrixRuntimes(r: Report): string[] {
  const used = new Set(r.cells.filter((c) => RUNTIME_ORDER.includes(c.runtime)).map((c) => c.runtime));
  if (r.machine.go === null) {
    used.add("go-1");
    used.add("go");
  }
  return RUNTIME_ORDER.filter((rt) => used.has(rt));
}

function grid(r: Report, cell: (c: Cell, b: Bench) => string): Grid {
  const runtimes = matrixRuntimes(r);
  const rows = r.benches
    .filter((b) => inMatrix(r, b))
    .map((b) => [
      b.n === null ? b.name : `${b.name} ${short(b.n)}`,
      ...runtimes.map((rt) => {
        const c = r.cells.find((x) => x.bench === b.name && x.runtime === rt);
        if (c === undefined) return rt.startsWith("go") && r.machine.go === null ? "no go" : "–";
        if (c.error !== undefined) return c.error.includes("WRONG") ? "WRONG" : "FAILED";
        return cell(c, b);
      }),
    ]);
  return { head: ["benchmark", ...runtimes], rows };
}

function ratios(r: Report): (c: Cell, b: Bench) => string {
  return (c, b) => {
    const cells = r.cells.filter((x) => x.bench === b.name);
    const vsBase = ratio(c, baseOf(cells), b) || "–";
    const vsSecond = ratio(
      c,
      cells.find((x) => x.runtime === SECOND),
      b,
    );
    return vsSecond === "" ? vsBase : `${vsBase} (${vsSecond})`;
  };
}

/** An extra figure; a size in bytes (`…Bytes`: heap-bytes) with its ratio to the base runtime's in brackets. */
function extraCell(c: Cell, base: Cell | undefined, k: string): string {
  const v = c.extra?.[k];
  if (v === undefined) return "–";
  const b = base?.extra?.[k];
  if (!k.endsWith("Bytes") || c === base || b === undefined || b <= 0 || !ok(base)) return num(v);
  return `${num(v)} (${num(v / b)}×)`;
}

/** The table of one benchmark that does not fit the matrices: a row per runtime, with its extra figures. */
function own(r: Report, b: Bench): Grid {
  const cells = r.cells.filter((c) => c.bench === b.name);
  const base = baseOf(cells);
  const extras = [...new Set(cells.flatMap((c) => Object.keys(c.extra ?? {})))];
  const head = ["runtime", "n", "ms", `÷ ${base?.runtime ?? BASE}`, "peak RSS MB", ...extras];
  const rows = cells.map((c) => {
    if (!ok(c)) return [c.runtime, String(c.n ?? "default"), c.error?.includes("WRONG") ? "WRONG" : "FAILED"];
    return [
      c.runtime,
      c.n === null ? "default" : short(c.n),
      num(c.medianMs),
      ratio(c, base, b) || "–",
      num(c.rssMB),
      ...extras.map((k) => extraCell(c, base, k)),
    ];
  });
  return { head, rows };
}

/**
 * The ratio matrix with a first column `tasklet ÷ limit` (tasklet's time per operation over the
 * reference scheduler's, bench/lib/reference.ts) when some benchmark has a `limit` case.
 */
function withLimit(r: Report, g: Grid): Grid {
  if (!r.cells.some((c) => c.runtime === LIMIT)) return g;
  const benches = r.benches.filter((b) => inMatrix(r, b));
  const rows = g.rows.map((row, i) => {
    const b = benches[i] as Bench;
    const cells = r.cells.filter((c) => c.bench === b.name);
    const base = baseOf(cells);
    const limit = cells.find((c) => c.runtime === LIMIT);
    const v = base === undefined || limit === undefined || !ok(base) ? "" : ratio(base, limit, b);
    return [row[0] as string, v || "–", ...row.slice(1)];
  });
  return { head: [g.head[0] as string, `${BASE} ÷ ${LIMIT}`, ...g.head.slice(1)], rows };
}

export const COST_TITLE = "Cost of inspection (time ÷ the same case with it off, same run)";

/** The cost table: a row per benchmark with variants, a column per variant; null when none ran. */
function costs(r: Report): [string, Grid, string[]] | null {
  const vs = r.variants ?? [];
  if (vs.length === 0) return null;
  const benches = r.benches.filter((b) => vs.some((v) => v.bench === b.name));
  // Columns in the order of the benchmark with the most variants, then any others.
  const lists = benches.map((b) => vs.filter((v) => v.bench === b.name).map((v) => v.variant));
  const names = [...new Set(lists.sort((a, b) => b.length - a.length).flat())];
  const rows = benches.map((b) => {
    const base = r.cells.find((c) => c.bench === b.name && c.runtime === vs.find((v) => v.bench === b.name)?.runtime);
    return [
      b.n === null ? b.name : `${b.name} ${short(b.n)}`,
      base === undefined || !ok(base) ? "FAILED" : num(base.medianMs),
      ...names.map((name) => {
        const v = vs.find((x) => x.bench === b.name && x.variant === name);
        if (v === undefined) return "n/a";
        if (v.absent !== undefined) return "—";
        if (v.error !== undefined) return v.error.includes("WRONG") ? "WRONG" : "FAILED";
        const x = costRatio(v, base);
        return x === null ? "–" : `${num(x)}×`;
      }),
    ];
  });
  const envs = names
    .map((name) => {
      const env = vs.find((v) => v.variant === name)?.env ?? {};
      const set = Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ");
      return `${name}: ${set}`;
    })
    .join("; ");
  const legend = [
    `Each column is the tasklet case run with one feature on (${envs}), right after the same case with all of them unset, in every repetition; the ratio is of the two medians, > 1 means slower.${names.includes("console") ? " The console runs with no page open." : ""} The ratio includes each feature's one-time start (the watchdog's thread, the console's server: tens of ms), which weighs heavily on cases of a few hundred ms; the cost per operation on long runs is in docs/inspect.md.`,
    "`—`: the feature is not in this build (its variable is read by no file of the build; see Notes), so nothing ran; `n/a`: not measured on that benchmark (the feature does nothing per operation of it).",
    "The wait-for check (a lock or join that would close a cycle throws DeadlockError) has no switch: it is always on and runs only when a lock or join must wait. Measured against the build before it on `mutex` (1000 tasklets, 12 runs each, interleaved): 1.02×, within the noise (docs/inspect.md).",
  ];
  return [COST_TITLE, { head: ["benchmark", "off, ms", ...names], rows }, legend];
}

function sections(r: Report): [string, Grid, string[]?][] {
  const out: [string, Grid, string[]?][] = [
    [`Time, ms (median of ${r.reps})`, grid(r, (c, b) => `${num(c.medianMs)}${at(c, b)}`)],
    [`Time per operation ÷ ${BASE}'s (÷ ${SECOND}'s in brackets); > 1 means slower`, withLimit(r, grid(r, ratios(r)))],
    ["Peak RSS, MB (the largest of the runs)", grid(r, (c, b) => `${num(c.rssMB)}${at(c, b)}`)],
  ];
  if (out[0]?.[1].rows.length === 0) out.length = 0;
  for (const b of r.benches) {
    if (!inMatrix(r, b))
      out.push([`${b.name}${b.n === null ? "" : ` ${short(b.n)}`} (median of ${r.reps})`, own(r, b)]);
  }
  const cost = costs(r);
  if (cost !== null) out.push(cost);
  return out;
}

function text(g: Grid): string {
  const all = [g.head, ...g.rows];
  const widths = g.head.map((_, i) => Math.max(...all.map((row) => (row[i] ?? "").length)));
  const line = (row: string[]): string =>
    row.map((s, i) => (i === 0 ? s.padEnd(widths[i] ?? 0) : s.padStart(widths[i] ?? 0))).join("  ");
  return [line(g.head), ...g.rows.map(line)].join("\n");
}

function markdown(g: Grid): string {
  const line = (row: string[]): string => `| ${row.join(" | ")} |`;
  const rule = `| ${g.head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`;
  return [line(g.head), rule, ...g.rows.map(line)].join("\n");
}

/** A run started above this 1-minute load average says so in its tables (2 cores here: other work was running). */
export const BUSY_LOAD = 1.5;

/** The warning of a run started on a busy machine, or null. */
export function busyLine(m: Machine): string | null {
  const load = Number(m.load.split(" ")[0]);
  if (!(load > BUSY_LOAD)) return null;
  return `BUSY MACHINE: the run started at a load of ${load} (above ${BUSY_LOAD}); every column is slowed and the figures are noisy`;
}

function machineLine(m: Machine): string {
  const peers = Object.entries(m.peers)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB, ${m.os}; Node ${m.node}; ${m.go ?? "Go: not on the PATH"}; ${peers}; ${m.date}; load ${m.load}`;
}

export function toText(r: Report): string {
  const parts = [`Machine: ${machineLine(r.machine)}`];
  const busy = busyLine(r.machine);
  if (busy !== null) parts.push(busy);
  for (const [title, g, legend] of sections(r)) {
    parts.push(`\n${title}\n${text(g)}`);
    if (legend !== undefined) parts.push(legend.join("\n"));
  }
  if (r.notes.length > 0) parts.push(`\n${r.notes.map((n) => `note: ${n}`).join("\n")}`);
  if (r.failures.length > 0) parts.push(`\nFAILURES:\n${r.failures.map((f) => `  ${f}`).join("\n")}`);
  return parts.join("\n");
}

export function toMarkdown(r: Report): string {
  const m = r.machine;
  const out = [
    `# Benchmarks: tasklet against its peers on Node ${m.node}${r.quick ? " (quick run: tiny sizes, times mean nothing)" : ""}`,
    "",
    ...(busyLine(m) === null ? [] : [`**${busyLine(m)}.**`, ""]),
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB RAM, ${m.os}`,
    `- Node ${m.node}; ${m.go ?? "Go: not on the PATH (the Go columns stay empty)"}`,
    `- Peers: ${Object.entries(m.peers)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
    `- Date: ${m.date}; load average ${m.load}; ${r.reps} run(s) of each case, each in its own process; the median is shown`,
    "- `–`: no case for that runtime (yet); `FAILED`/`WRONG`: see FAILURES below",
    ...(r.cells.some((c) => c.runtime === LIMIT)
      ? [
          "- `limit`: the reference scheduler (bench/lib/reference.ts), tasklet's suspension protocol with no features;",
          "  `tasklet ÷ limit` is tasklet's time per operation over its: the distance to the limit of this design",
        ]
      : []),
    "- `@ 100k`: that runtime ran at the smaller size shown (too slow or too big at the full one); its ratios",
    "  compare time per operation (ms ÷ n), which assumes cost linear in n; for sleepers, the time above the",
    "  longest sleep (1000 ms) per sleeper",
    "",
  ];
  for (const [title, g, legend] of sections(r)) {
    out.push(`## ${title}`, "", markdown(g), "");
    if (legend !== undefined) out.push(...legend.map((l) => `- ${l}`), "");
  }
  out.push("## What each benchmark does", "");
  for (const b of r.benches) out.push(`- **${b.name}**: ${b.measures}. ${b.does}; result: ${b.result}.`);
  out.push("");
  if (r.notes.length > 0) out.push("## Notes", "", ...r.notes.map((n) => `- ${n}`), "");
  if (r.failures.length > 0) out.push("## FAILURES", "", ...r.failures.map((f) => `- ${f}`), "");
  return out.join("\n");
}
