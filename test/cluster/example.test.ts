// examples/cluster/main.ts runs as documented: its jobs spread over its three node processes and agree.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { pollUntilAsync } from "../helpers.js";
import { natsMissing } from "./harness.js";

const EXAMPLE = fileURLToPath(new URL("../../examples/cluster/main.js", import.meta.url));
const missing = natsMissing();

test("examples/cluster spreads its jobs over three node processes and their digests agree", {
  skip: missing ?? false,
}, () => {
  const r = spawnSync(process.execPath, [EXAMPLE], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /3 node processes/);
  assert.match(r.stdout, /agrees/);
  const nodes = r.stdout.match(/node-[abc]: \d+ jobs/g) ?? [];
  assert.ok(nodes.length >= 2, `the jobs ran on ${nodes.length} node(s):\n${r.stdout}`);
});

test("stopping the example with SIGTERM stops its nats-server and node processes too", {
  skip: missing ?? false,
}, async () => {
  const p = spawn(process.execPath, [EXAMPLE], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  p.stdout.on("data", (b: Buffer) => {
    out += b.toString();
  });
  const exited = new Promise<number | null>((r) => p.once("exit", (code) => r(code)));
  const deadline = Date.now() + 30_000;
  while (!/nats-server on (\S+),/.test(out)) {
    if (p.exitCode !== null || Date.now() > deadline) {
      p.kill("SIGTERM"); // its handler stops what it started
      assert.fail(`the example did not start its nodes:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const url = (out.match(/nats-server on (\S+),/) as RegExpMatchArray)[1] as string;
  const port = new URL(url.replace("nats:", "http:")).port;
  p.kill("SIGTERM");
  assert.equal(await exited, 143);
  // Its children were SIGKILLed before it exited; give the kernel a moment to reap them.
  const left = () =>
    [`127.0.0.1:${port}`, `-p ${port} `]
      .map((pattern) => spawnSync("pgrep", ["-af", "--", pattern], { encoding: "utf8" }).stdout.trim())
      .join("");
  await pollUntilAsync(
    () => `the stopped example's processes end; still running: ${left()}`,
    () => left() === "",
    {
      limitMs: 5000,
      everyMs: 50,
    },
  );
});
