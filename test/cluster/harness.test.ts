// The harness's own promise: a server it starts never outlives the process that started it,
// even when that process is killed halfway (a test runner stopped by a timeout or by hand).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { test } from "node:test";
import { pollUntilAsync } from "../helpers.js";
import { natsMissing } from "./harness.js";

const HARNESS = new URL("./harness.js", import.meta.url).href;
const missing = natsMissing();

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });

test("a nats-server the harness started ends when the process that started it is SIGKILLed", {
  skip: missing ?? false,
}, async () => {
  const child = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const h = await import(${JSON.stringify(HARNESS)}); const s = await h.startNats(); console.log(s.url); setInterval(() => {}, 1000);`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.on("data", (b: Buffer) => {
    out += b.toString();
  });
  const exited = new Promise((r) => child.once("exit", r));
  const deadline = Date.now() + 20_000;
  while (!/nats:\/\/127\.0\.0\.1:(\d+)/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) assert.fail(`the child did not start a server: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const port = Number((out.match(/nats:\/\/127\.0\.0\.1:(\d+)/) as RegExpMatchArray)[1]);
  assert.equal(await listening(port), true);
  child.kill("SIGKILL");
  await exited;
  await pollUntilAsync(
    `the server on port ${port}, which outlived the process that started it, stops`,
    async () => !(await listening(port)),
    { limitMs: 10_000, everyMs: 50 },
  );
});
