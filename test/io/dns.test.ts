import assert from "node:assert/strict";
import * as dns from "node:dns";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { IOError, type Operation, run, TimeoutError, timeout } from "../../src/index.js";
import { createResolver, parseResolvConf, type Resolver } from "../../src/io/dns.js";
import { errorOf, GIVE_UP_MS, pollUntil } from "../helpers.js";
import { DnsResponder } from "./dns-responder.js";

/** Replaces `path` as editors and DHCP clients do: write a temporary file, rename it over. */
function replaceAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, path);
}

/** Rewrites resolv.conf and waits until the resolver's directory watch saw it. */
function* rewrite(r: Resolver, text: string): Operation<void> {
  const seen = r.generation;
  replaceAtomically(r.path, text);
  yield* pollUntil("the directory watch saw the rename", () => r.generation > seen);
}

async function withConf(body: (path: string) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(join(tmpdir(), "tasklet-dns-"));
  try {
    await body(join(dir, "resolv.conf"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("resolv.conf replaced atomically: the next lookup goes to the new server (ip:port, as c-ares accepts)", async () => {
  const one = await DnsResponder.start("127.0.0.1", 0, { a: { "host.test": "10.0.0.1" } });
  const two = await DnsResponder.start("127.0.0.1", 0, { a: { "host.test": "10.0.0.2" } });
  try {
    await withConf(async (path) => {
      fs.writeFileSync(path, `# test\nnameserver 127.0.0.1:${one.port}\noptions timeout:1 attempts:2\n`);
      const r = createResolver({ resolvConf: path });
      try {
        await run(function* () {
          assert.deepEqual(yield* r.resolve4("host.test"), ["10.0.0.1"]);
          assert.deepEqual(r.servers(), [`127.0.0.1:${one.port}`]);
          yield* rewrite(r, `nameserver 127.0.0.1:${two.port}\n`);
          assert.deepEqual(yield* r.resolve4("host.test"), ["10.0.0.2"]);
          assert.deepEqual(one.queries, ["host.test"], "the old server got no more queries");
          assert.deepEqual(two.queries, ["host.test"]);
          assert.equal(r.reloads, 2);
        });
      } finally {
        r.close();
      }
    });
  } finally {
    one.close();
    two.close();
  }
});

test("resolv.conf in its standard form (port 53 on two loopback addresses) is followed too", async (t) => {
  let one: DnsResponder;
  let two: DnsResponder;
  try {
    one = await DnsResponder.start("127.0.0.2", 53, { a: { "host.test": "10.0.0.1" } });
  } catch (e) {
    t.skip(`cannot bind 127.0.0.2:53 (${(e as Error).message}): needs root and a free port 53`);
    return;
  }
  try {
    two = await DnsResponder.start("127.0.0.3", 53, { a: { "host.test": "10.0.0.2" } });
  } catch (e) {
    one.close();
    t.skip(`cannot bind 127.0.0.3:53 (${(e as Error).message})`);
    return;
  }
  try {
    await withConf(async (path) => {
      fs.writeFileSync(path, "nameserver 127.0.0.2\n");
      const r = createResolver({ resolvConf: path });
      try {
        await run(function* () {
          assert.deepEqual(yield* r.resolve4("host.test"), ["10.0.0.1"]);
          yield* rewrite(r, "nameserver 127.0.0.3\n");
          assert.deepEqual(yield* r.resolve4("host.test"), ["10.0.0.2"]);
          assert.deepEqual(r.servers(), ["127.0.0.3"]);
          assert.equal(one.queries.length, 1);
        });
      } finally {
        r.close();
      }
    });
  } finally {
    one.close();
    two.close();
  }
});

test("TXT and PTR lookups; an unknown name is IOError ENOTFOUND", async () => {
  const srv = await DnsResponder.start("127.0.0.1", 0, {
    txt: { "info.test": "v=hello" },
    ptr: { "4.3.2.1.in-addr.arpa": "host.example" },
  });
  try {
    await withConf(async (path) => {
      fs.writeFileSync(path, `nameserver 127.0.0.1:${srv.port}\n`);
      const r = createResolver({ resolvConf: path });
      try {
        await run(function* () {
          assert.deepEqual(yield* r.resolveTxt("info.test"), [["v=hello"]]);
          assert.deepEqual(yield* r.reverse("1.2.3.4"), ["host.example"]);
          const e = yield* errorOf(r.resolve4("missing.test"), IOError);
          assert.equal(e.code, "ENOTFOUND");
        });
      } finally {
        r.close();
      }
      assert.throws(
        () => r.reverse("not-an-ip"),
        /reverse: ip must be an IPv4 or IPv6 address, got the string "not-an-ip"/,
      );
    });
  } finally {
    srv.close();
  }
});

test("a lookup under timeout() is withdrawn: TimeoutError, and its late answer is dropped", async () => {
  const srv = await DnsResponder.start("127.0.0.1", 0, { a: { "slow.test": "10.9.9.9" } });
  srv.answering = false;
  try {
    await withConf(async (path) => {
      fs.writeFileSync(path, `nameserver 127.0.0.1:${srv.port}\noptions timeout:1 attempts:1\n`);
      const r = createResolver({ resolvConf: path });
      try {
        await run(function* () {
          yield* errorOf(timeout(50, r.resolve4("slow.test")), TimeoutError);
          assert.deepEqual(srv.queries, ["slow.test"], "the query was sent");
          srv.answering = true;
          assert.deepEqual(yield* timeout(GIVE_UP_MS, r.resolve4("slow.test")), ["10.9.9.9"]);
        });
      } finally {
        r.close();
      }
    });
  } finally {
    srv.close();
  }
});

test("the default resolver reads /etc/resolv.conf as c-ares does", () => {
  const r = createResolver();
  try {
    assert.equal(r.path, "/etc/resolv.conf");
    if (fs.existsSync("/etc/resolv.conf")) assert.deepEqual(r.servers(), new dns.Resolver().getServers());
  } finally {
    r.close();
  }
});

test("parseResolvConf understands nameserver lines (with or without a port), options and comments", () => {
  const conf = parseResolvConf(
    [
      "# comment",
      "search example.com",
      "nameserver 192.0.2.1 ; trailing comment",
      "nameserver 2001:db8::1",
      "nameserver 192.0.2.2:5353",
      "nameserver [2001:db8::2]:53",
      "nameserver bogus",
      "options rotate timeout:2 attempts:3",
    ].join("\n"),
  );
  assert.deepEqual(conf, {
    servers: ["192.0.2.1", "2001:db8::1", "192.0.2.2:5353", "[2001:db8::2]:53"],
    timeoutSec: 2,
    attempts: 3,
  });
  assert.throws(
    () => createResolver({ tries: 0 }),
    /createResolver: options.tries must be an integer >= 1, got the number 0/,
  );
});
