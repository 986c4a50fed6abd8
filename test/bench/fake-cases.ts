// A bench case folder for the harness's own tests: `<dir>/cases/sum/<runtime>.js`, each a
// tiny program. `reports(result)` is the source of a case that reports `result`.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The harness's report module, as a module specifier string for generated case files. */
export const REPORT_JS = JSON.stringify(new URL("../../bench/lib/report.js", import.meta.url).href);

/** The source of a case file that reports `result` at once. */
export const reports = (result: number): string =>
  `import { report } from ${REPORT_JS};\nreport(performance.now(), ${result});\n`;

/**
 * Writes the benchmark `sum` under `<dir>/cases` with one file per entry of `files`
 * (runtime name → source) and returns the `cases` folder, as `--cases` takes it.
 */
export function fakeCases(dir: string, files: Record<string, string>): string {
  const cases = join(dir, "cases");
  mkdirSync(join(cases, "sum"), { recursive: true });
  writeFileSync(join(cases, "package.json"), '{ "type": "module" }\n');
  for (const [runtime, source] of Object.entries(files)) writeFileSync(join(cases, "sum", `${runtime}.js`), source);
  return cases;
}
