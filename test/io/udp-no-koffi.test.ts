// koffi is an optional dependency: a program installed without it binds UDP sockets as usual,
// and a device binding fails at the call with an error that says what to install. The package
// is copied where no node_modules can be found, as a user's install without koffi would be.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

test("without koffi installed, bindUdp({ device }) throws an IOError (ENOTSUP) that says to npm install koffi; plain bindUdp works", (t) => {
  if (process.platform !== "linux") {
    t.skip("device binding is Linux only");
    return;
  }
  const root = mkdtempSync(join(tmpdir(), "tasklet-nokoffi-"));
  try {
    cpSync(fileURLToPath(new URL("../../src", import.meta.url)), join(root, "dist", "src"), { recursive: true });
    writeFileSync(join(root, "package.json"), '{ "name": "tasklet", "version": "0.0.0", "type": "module" }\n');
    writeFileSync(
      join(root, "app.mjs"),
      `import { run } from "./dist/src/index.js";
import { bindUdp } from "./dist/src/io/index.js";
await run(function* () {
  const plain = yield* bindUdp({ port: 0, address: "127.0.0.1" });
  plain.close();
  console.log("plain ok");
  try {
    yield* bindUdp({ port: 0, device: "lo" });
    console.log("bound?");
  } catch (e) {
    console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message }));
  }
});
`,
    );
    const r = spawnSync(process.execPath, [join(root, "app.mjs")], { encoding: "utf8", timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    const [plain, line] = r.stdout.trim().split("\n");
    assert.equal(plain, "plain ok");
    assert.deepEqual(JSON.parse(line ?? "null"), {
      name: "IOError",
      code: "ENOTSUP",
      message:
        "bindUdp({ device }) needs the optional dependency koffi (an FFI package: Node's dgram cannot set SO_BINDTODEVICE), which is not installed: npm install koffi",
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
