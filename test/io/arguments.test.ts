// Bad input at the io layer's entry points: a resolv.conf that cannot be read is named at
// createResolver, not found later as ECONNREFUSED; options bags refuse keys they do not know.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { IOError, run } from "../../src/index.js";
import { createResolver } from "../../src/io/index.js";
import { errorOf, pollUntil } from "../helpers.js";

function withDir(body: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = fs.mkdtempSync(join(tmpdir(), "tasklet-args-"));
  return (async () => {
    try {
      await body(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  })();
}

test("createResolver of a resolv.conf that does not exist is an IOError ENOENT at the call, naming the path", () =>
  withDir((dir) => {
    const path = join(dir, "missing.conf");
    assert.throws(
      () => createResolver({ resolvConf: path }),
      (e: unknown) =>
        e instanceof IOError &&
        e.code === "ENOENT" &&
        e.message.startsWith(`createResolver: options.resolvConf ${path} cannot be read: ENOENT`),
    );
  }));

test("createResolver refuses an unknown option and names bad values", () => {
  assert.throws(
    () => createResolver({ resolvconf: "/etc/resolv.conf" } as never),
    /^TypeError: createResolver: unknown option "resolvconf" in options \(did you mean resolvConf\?\); known options: resolvConf, timeout, tries$/,
  );
  assert.throws(
    () => createResolver({ resolvConf: "" }),
    /^RangeError: createResolver: options\.resolvConf must be a non-empty string, got the string ""$/,
  );
  assert.throws(
    () => createResolver({ timeout: "5" as never }),
    /^TypeError: createResolver: options\.timeout must be an integer >= 1, got the string "5"$/,
  );
});

test("a lookup after the followed resolv.conf disappeared says so in its error, beside the system's code", () =>
  withDir(async (dir) => {
    const path = join(dir, "resolv.conf");
    fs.writeFileSync(path, "nameserver 127.0.0.1:9\n");
    const r = createResolver({ resolvConf: path, timeout: 200, tries: 1 });
    try {
      await run(function* () {
        r.servers(); // starts the watch
        const seen = r.generation;
        fs.rmSync(path);
        yield* pollUntil("the directory watch saw the removal", () => r.generation > seen);
        const e = yield* errorOf(r.resolve4("host.test"), IOError);
        assert.match(e.message, /could not be read, ENOENT: the default server 127\.0\.0\.1 was asked\)/);
        assert.match(e.message, /^resolve4 host\.test \(.*resolv\.conf could not be read/);
      });
    } finally {
      r.close();
    }
  }));

test("a lookup's host must be a non-empty string; reverse's ip an address", () => {
  const r = createResolver();
  try {
    assert.throws(
      () => r.resolve4(42 as never),
      /^TypeError: resolve4: host must be a non-empty string, got the number 42$/,
    );
    assert.throws(
      () => r.reverse("nope"),
      /^RangeError: reverse: ip must be an IPv4 or IPv6 address, got the string "nope"$/,
    );
  } finally {
    r.close();
  }
});
