// The bench's --node option (bench/lib/nodes.ts, bench/run.ts): its values, its errors, and one
// report per Node. No Node is installed here: the versions asked for are the running one's.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { nodeVersion, parseNodeOption, resolveNodes } from "../../bench/lib/nodes.js";
import { fakeCases, reports } from "./fake-cases.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const RUN = join(ROOT, "dist/bench/run.js");
const MAJOR = process.versions.node.split(".")[0] as string;
const EXPECTS = /expected a path to a node binary or a major version such as 24/;

test("--node takes major versions and paths, repeated or as a comma list, in the order given", () => {
  assert.deepEqual(parseNodeOption(["24,20", "v22", " ./bin/node "]), [
    { asked: "24", major: 24 },
    { asked: "20", major: 20 },
    { asked: "v22", major: 22 },
    { asked: "./bin/node", path: "./bin/node" },
  ]);
  assert.deepEqual(parseNodeOption([]), []);
});

test("a --node value that is neither a version nor a path is refused, naming the option, the value and what it expects", () => {
  assert.throws(() => parseNodeOption(["latest"]), /--node: got "latest"; expected a path/);
  assert.throws(() => parseNodeOption(["24.1"]), /--node: got "24.1"; expected/);
  assert.throws(() => parseNodeOption(["24,,20"]), /--node: got "24,,20", with an empty item; expected a path/);
});

test("a --node path that is missing, not executable, or not node is refused, naming the option, the path and what it expects", () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-node-"));
  try {
    assert.throws(
      () => nodeVersion(join(dir, "nope"), "nope/node"),
      /--node: got "nope\/node", which is not an executable file/,
    );
    const plain = join(dir, "plain");
    writeFileSync(plain, "not a program\n");
    assert.throws(() => nodeVersion(plain, plain), EXPECTS);
    const liar = join(dir, "liar");
    writeFileSync(liar, "#!/bin/sh\necho hello\n");
    chmodSync(liar, 0o755);
    assert.throws(
      () => nodeVersion(liar, liar),
      /--node: got ".*liar", which did not run as node \(.*printed "hello"\)/,
    );
    assert.throws(() => nodeVersion(dir, dir), /which is not an executable file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the running Node's major version resolves to itself, with no install; no --node means the running Node", () => {
  assert.deepEqual(resolveNodes([MAJOR]), [{ path: process.execPath, version: process.version }]);
  assert.deepEqual(resolveNodes([]), [{ path: process.execPath, version: process.version }]);
  assert.deepEqual(resolveNodes([`${process.execPath},v${MAJOR}`]).length, 2);
});

test("npm run bench with a bad --node exits 2 before running anything, and says why", () => {
  const r = spawnSync(process.execPath, [RUN, "--node", "/no/such/node", "--only", "switch"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--node: got "\/no\/such\/node", which is not an executable file; expected a path/);
  assert.doesNotMatch(r.stderr, /run 1/);
});

test("with two Nodes the harness writes one report per Node, the first as latest, and drops an earlier run's files", () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-nodes-"));
  try {
    fakeCases(dir, { tasklet: reports(45) });
    const out = join(dir, "results");
    mkdirSync(out);
    writeFileSync(join(out, "latest-node99.md"), "stale\n");
    const r = spawnSync(
      process.execPath,
      [RUN, "--reps", "1", "--cases", join(dir, "cases"), "--out", out, "--node", `${process.execPath},${MAJOR}`],
      { cwd: ROOT, encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    for (const name of ["latest", `latest-node${MAJOR}`]) {
      const md = readFileSync(join(out, `${name}.md`), "utf8");
      assert.match(md, new RegExp(`^# Benchmarks: tasklet against its peers on Node ${process.version}`));
      const json = JSON.parse(readFileSync(join(out, `${name}.json`), "utf8")) as { machine: { node: string } };
      assert.equal(json.machine.node, process.version);
    }
    assert.ok(!existsSync(join(out, "latest-node99.md")), "an earlier run's file was left");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
