// The live console's cost on pingpong: processes alternating between no console, the console
// with no page, and the console with a page open in headless Chromium (the page takes its
// events for the whole timed part), so that all see the same machine load. Each gives the
// wall time of its timed part and the process's CPU time in it (the browser runs on the same
// cores: wall time counts its share, CPU time does not). The DevTools client is the browser
// test's (test/inspect/cdp.ts).
//   npm run build && node dist/bench/console/ab.js [round trips = 10000000] [runs of each = 7]
import { spawn } from "node:child_process";
import { get } from "node:http";
import { fileURLToPath } from "node:url";
import { Browser, findChromium } from "../../test/inspect/cdp.js";

const n = Number(process.argv[2] ?? 10_000_000);
const pairs = Number(process.argv[3] ?? 7);
const CASE = fileURLToPath(new URL("./pingpong.js", import.meta.url));
const chromium = findChromium();
if ("reason" in chromium) {
  console.error(`cannot measure: ${chromium.reason}`);
  process.exit(1);
}
const browser = await Browser.launch(chromium.path);

/** The snapshot times the event streams of the console-sse arm reported. */
const snapshots: number[] = [];

type Arm = "off" | "console-no-page" | "console-sse" | "console";

/** One process: its timed part's wall and CPU ms. */
async function once(arm: Arm): Promise<{ ms: number; cpuMs: number }> {
  const withConsole = arm !== "off";
  const child = spawn(process.execPath, [CASE, String(n), ...(withConsole ? ["console"] : [])], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, TASKLET_CONSOLE: "" },
  });
  let out = "";
  let opened = !withConsole;
  const done = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  child.stdout.setEncoding("utf8").on("data", async (s: string) => {
    out += s;
    const m = /tasklet console: (\S+)/.exec(out);
    if (m !== null && !opened) {
      opened = true;
      if (arm === "console-no-page") {
        child.stdin.write("go\n");
        return;
      }
      if (arm === "console-sse") {
        // What an open page costs the program without a browser drawing on the same cores: its event stream, read here.
        get((m[1] as string).replace("/?", "/events?"), (res) => {
          res.setEncoding("utf8");
          res.once("data", () => child.stdin.write("go\n"));
          // How long each snapshot took in the program (tasklets() with stacks), as the state events say.
          res.on("data", (d: string) => {
            for (const x of d.matchAll(/"snapshotMs":([\d.]+)/g)) snapshots.push(Number(x[1]));
          });
        });
        return;
      }
      await browser.goto(m[1] as string);
      // Wait until the page shows the tasklets: it is connected and drawing.
      for (let i = 0; i < 200; i++) {
        const live = await browser.evaluate<boolean>(
          `document.getElementById("status")?.textContent === "live" && document.querySelectorAll("#tasklets tr.tasklet").length > 0`,
        );
        if (live) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      child.stdin.write("go\n");
    }
  });
  if (!withConsole) child.stdin.end();
  await done;
  const line = out.split("\n").find((l) => l.startsWith("{"));
  if (line === undefined) throw new Error(`no report: ${out}`);
  return JSON.parse(line) as { ms: number; cpuMs: number };
}

// ARMS=off,console-sse (comma-separated) runs only those; "off" is the baseline and comes first.
const arms = (process.env["ARMS"]?.split(",") ?? ["off", "console-no-page", "console-sse", "console"]) as Arm[];
const got = new Map<Arm, { ms: number; cpuMs: number }[]>(arms.map((a) => [a, []]));
for (let i = 0; i < pairs; i++) for (const a of arms) got.get(a)?.push(await once(a));
snapshots.sort((a, b) => a - b);
const mid = snapshots[snapshots.length >> 1] ?? Number.NaN;
console.log(`snapshots sent to the plain client: ${snapshots.length}, median ${mid} ms, max ${snapshots.at(-1)} ms`);
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
const f = (x: number): string => x.toFixed(0);
const base = got.get("off") ?? [];
console.log(`pingpong ${n} round trips, ${pairs} runs of each, interleaved; median (min) ms, and vs no console`);
for (const a of arms) {
  const r = got.get(a) ?? [];
  const ms = r.map((x) => x.ms);
  const cpu = r.map((x) => x.cpuMs);
  const vs = (xs: number[], ys: number[]): string => `${((med(xs) / med(ys) - 1) * 100).toFixed(1)} %`;
  const baseMs = base.map((x) => x.ms);
  const baseCpu = base.map((x) => x.cpuMs);
  const wall = `wall ${f(med(ms))} (${f(Math.min(...ms))}) ${vs(ms, baseMs)}`;
  const cpuLine = `cpu ${f(med(cpu))} (${f(Math.min(...cpu))}) ${vs(cpu, baseCpu)}`;
  console.log(`${a.padEnd(16)} ${wall}   ${cpuLine}`);
}
await browser.close();
