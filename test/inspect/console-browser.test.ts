// The live console in a real browser: examples/console-demo.ts runs under the runner with
// --console, headless Chromium (Debian's chromium package) loads the page it printed, and
// the test reads what the page rendered. Without Chromium it skips, saying why.
// TASKLET_UPDATE_SCREENSHOT=1 writes the screenshot to docs/console.png (the README's);
// otherwise it goes to a temporary file, so that a test run leaves the tree as it was.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Browser, findChromium } from "./cdp.js";
import { CHILD_DEADLINE_MS, Child, CLI } from "./child.js";

const DEMO = fileURLToPath(new URL("../../examples/console-demo.js", import.meta.url));
const DOCS_PNG = fileURLToPath(new URL("../../../docs/console.png", import.meta.url));

function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on("error", reject);
  });
}

/** Polls `probe` until it returns a value that is not undefined, or fails after the deadline. */
async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + CHILD_DEADLINE_MS;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`the page never showed ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const chromium = findChromium();

test("the console page, loaded in Chromium, lists the program's tasklets by name and updates; a request without the token is refused", async (t) => {
  if ("reason" in chromium) {
    process.stderr.write(`skipped: ${chromium.reason}\n`);
    t.skip(chromium.reason);
    return;
  }
  const child = new Child([CLI, "run", DEMO, "--console", "120"]);
  let browser: Browser | null = null;
  try {
    await child.waitFor("stderr", /tasklet console: http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{32}/);
    const url = (/tasklet console: (\S+)/.exec(child.stderr) as RegExpExecArray)[1] as string;
    const base = url.replace(/\?.*$/, "");
    assert.equal(await status(base), 403, "no token");
    assert.equal(await status(`${base}events`), 403, "no token on the event stream");
    assert.equal(await status(`${base}?token=${"0".repeat(32)}`), 403, "a wrong token");
    assert.equal(await status(url), 200);

    browser = await Browser.launch(chromium.path);
    const b = browser;
    await b.goto(url);
    const names = await until("the tasklets", async () => {
      const n = await b.evaluate<string[]>(
        `[...document.querySelectorAll("#tasklets tr.tasklet td.name")].map((td) => td.textContent)`,
      );
      return n.includes("spinner") ? n : undefined;
    });
    for (const name of ["producer-1", "producer-2", "consumer", "worker-1", "listener", "gatekeeper", "mover-ab"]) {
      assert.ok(names.includes(name), `${name} is listed: ${names.join(", ")}`);
    }
    assert.equal(await b.evaluate<string>(`document.getElementById("status").textContent`), "live");

    // It updates: the spinner's switches and the total seen grow from one read to a later one.
    const read = (): Promise<{ spinner: number; total: number }> =>
      b.evaluate(`({
        spinner: Number(document.querySelector('#tasklets tr.tasklet[data-id] td.name') &&
          [...document.querySelectorAll("#tasklets tr.tasklet")].find((r) => r.querySelector("td.name").textContent === "spinner")
            .querySelector("td.switches").textContent),
        total: Number(document.getElementById("switches-total").textContent),
      })`);
    const first = await read();
    const later = await until("the switches grow", async () => {
      const r = await read();
      return r.spinner > first.spinner && r.total > first.total ? r : undefined;
    });
    assert.ok(later.total > 0);

    // The channel and the lock, with their waiters; the movers' cycle in the graph, in red.
    const prims = await b.evaluate<string>(`document.getElementById("primitives").textContent`);
    assert.match(prims, /channel#\d+ \(capacity 0\)/, "the listener's channel");
    assert.match(prims, /recv #\d+ listener/);
    await until("a wait-for cycle", async () =>
      (await b.evaluate<number>(`document.querySelectorAll("#graph rect.cycle").length`)) >= 2 ? true : undefined,
    );

    const png = await b.screenshot();
    assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from("PNG")]);
    if (process.env["TASKLET_UPDATE_SCREENSHOT"] === "1") writeFileSync(DOCS_PNG, png);
    else {
      const dir = mkdtempSync(join(tmpdir(), "tasklet-console-"));
      writeFileSync(join(dir, "console.png"), png);
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await browser?.close();
    child.kill();
  }
});
