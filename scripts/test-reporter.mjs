// node:test's `spec` reporter, with the name of each test file above its tests and, at the
// end, the files that had failures: so a failure says where it lives. scripts/test.mjs passes
// it with --test-reporter. The runner reports each file's tests together, in the order of the
// files (on Node 20 to 26, whatever the concurrency), so a header is printed when the file of
// the events changes (again, should a file's output come between another file's tests). Names are the source files (test/…/x.test.ts), not the compiled ones.
import { existsSync } from "node:fs";
import { relative } from "node:path";
import { spec } from "node:test/reporters";

/** `dist/test/sync/channel.test.js` → `test/sync/channel.test.ts` when the source exists. */
function sourceName(file) {
  const rel = relative(process.cwd(), file);
  const ts = rel.replace(/^dist\//, "").replace(/\.js$/, ".ts");
  return existsSync(ts) ? ts : rel;
}

/** The events that print something of one file: a test's line, a file's own failure, its output. */
const PRINTS = new Set(["test:start", "test:pass", "test:fail", "test:stdout", "test:stderr"]);

export default async function* byFile(source) {
  const inner = new spec();
  const failedIn = new Map();
  let current;
  for await (const event of source) {
    const file = event.data?.file;
    if (file !== undefined && PRINTS.has(event.type) && file !== current) {
      current = file;
      yield `\n── ${sourceName(file)}\n`;
    }
    if (event.type === "test:fail" && file !== undefined && event.data.details?.type !== "suite") {
      failedIn.set(file, (failedIn.get(file) ?? 0) + 1);
    }
    inner.write(event);
    for (let chunk = inner.read(); chunk !== null; chunk = inner.read()) yield chunk;
  }
  inner.end();
  for await (const chunk of inner) yield chunk;
  if (failedIn.size > 0) {
    yield `\nfailures in ${failedIn.size} file${failedIn.size === 1 ? "" : "s"}:\n`;
    for (const [file, n] of failedIn) yield `  ${sourceName(file)}: ${n}\n`;
  }
}
