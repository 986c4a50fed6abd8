/**
 * The harness's output: the three tables (time, time per operation relative
 * to tasklet and to async/await, peak memory) as plain text for the terminal
 * and as Markdown for bench/results/latest.md.
 *
 * A runtime run at a smaller size than the benchmark's (a slow peer) shows
 * its time at that size, marked "@ 100k"; its ratios compare time per
 * operation (ms / n), which assumes the cost grows linearly with n.
 */

import { BASE, SECOND } from "./benchmarks.js";
import type { Cell, Machine } from "./harness.js";

export interface Report {
  machine: Machine;
  reps: number;
  quick: boolean;
  /** Benchmark → its full size (null: the cases' default) and what it measures. */
  benches: { name: string; n: number | null; measures: string; does: string; floorMs?: number }[];
  runtimes: string[];
  cells: Cell[];
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

function ratio(c: Cell, base: Cell | undefined, floorMs: number): string {
  if (base === undefined || base.error !== undefined || base.runs.length === 0) return "";
  if ((c.n === null) !== (base.n === null)) return "";
  return `${num(perOp(c, floorMs) / perOp(base, floorMs))}×`;
}

interface Grid {
  head: string[];
  rows: string[][];
}

function grid(r: Report, cell: (c: Cell, bench: Report["benches"][number]) => string, missing: string): Grid {
  const head = ["benchmark", ...r.runtimes];
  const rows = r.benches.map((b) => {
    const label = b.n === null ? b.name : `${b.name} ${short(b.n)}`;
    return [
      label,
      ...r.runtimes.map((rt) => {
        const c = r.cells.find((x) => x.bench === b.name && x.runtime === rt);
        if (c === undefined) return rt.startsWith("go") && r.machine.go === null ? "no go" : missing;
        if (c.error !== undefined) return c.error.startsWith("WRONG") ? "WRONG" : "FAILED";
        return cell(c, b);
      }),
    ];
  });
  return { head, rows };
}

function timeCell(c: Cell, b: Report["benches"][number]): string {
  const at = c.n !== null && c.n !== b.n ? ` @ ${short(c.n)}` : "";
  return `${num(c.medianMs)}${at}`;
}

function ratioCell(r: Report): (c: Cell, bench: Report["benches"][number]) => string {
  return (c, bench) => {
    const floor = bench.floorMs ?? 0;
    const base = r.cells.find((x) => x.bench === c.bench && x.runtime === BASE);
    const second = r.cells.find((x) => x.bench === c.bench && x.runtime === SECOND);
    const a = c.runtime === BASE ? "1" : ratio(c, base, floor);
    const b = c.runtime === SECOND ? "1" : ratio(c, second, floor);
    return b === "" ? a || "–" : `${a || "–"} (${b})`;
  };
}

function memCell(c: Cell, b: Report["benches"][number]): string {
  const at = c.n !== null && c.n !== b.n ? ` @ ${short(c.n)}` : "";
  return `${num(c.rssMB)}${at}`;
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

function sections(r: Report): [string, Grid][] {
  return [
    [`Time, ms (median of ${r.reps})`, grid(r, timeCell, "–")],
    [`Time per operation ÷ ${BASE}'s (÷ ${SECOND}'s in brackets); > 1 means slower`, grid(r, ratioCell(r), "–")],
    ["Peak RSS, MB (the largest of the runs)", grid(r, memCell, "–")],
  ];
}

function machineLine(m: Machine): string {
  const peers = Object.entries(m.peers)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB, ${m.os}; Node ${m.node}; ${m.go ?? "Go: not on the PATH"}; ${peers}; ${m.date}; load ${m.load}`;
}

export function toText(r: Report): string {
  const parts = [`Machine: ${machineLine(r.machine)}`];
  for (const [title, g] of sections(r)) parts.push(`\n${title}\n${text(g)}`);
  if (r.notes.length > 0) parts.push(`\n${r.notes.map((n) => `note: ${n}`).join("\n")}`);
  if (r.failures.length > 0) parts.push(`\nFAILURES:\n${r.failures.map((f) => `  ${f}`).join("\n")}`);
  return parts.join("\n");
}

export function toMarkdown(r: Report): string {
  const m = r.machine;
  const out = [
    `# Benchmarks: tasklet against its peers${r.quick ? " (quick run: tiny sizes, times mean nothing)" : ""}`,
    "",
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB RAM, ${m.os}`,
    `- Node ${m.node}; ${m.go ?? "Go: not on the PATH (the Go columns stay empty)"}`,
    `- Peers: ${Object.entries(m.peers)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
    `- Date: ${m.date}; load average ${m.load}; ${r.reps} run(s) of each case, each in its own process; the median is shown`,
    "- `–`: no case for that runtime (yet); `FAILED`/`WRONG`: see FAILURES below",
    "- `@ 100k`: that runtime ran at the smaller size shown (too slow or too big at the full one); its ratios",
    "  compare time per operation (ms ÷ n), which assumes cost linear in n; for sleepers, the time above the",
    "  longest sleep (1000 ms) per sleeper",
    "",
  ];
  for (const [title, g] of sections(r)) out.push(`## ${title}`, "", markdown(g), "");
  out.push("## What each benchmark does", "");
  for (const b of r.benches) out.push(`- **${b.name}**: ${b.measures}. ${b.does}.`);
  out.push("");
  if (r.notes.length > 0) out.push("## Notes", "", ...r.notes.map((n) => `- ${n}`), "");
  if (r.failures.length > 0) out.push("## FAILURES", "", ...r.failures.map((f) => `- ${f}`), "");
  return out.join("\n");
}
