/**
 * Deadlock detection counts `rt.holds`: every host operation of the system
 * half must give back what it took, whether it completed, failed, or was
 * withdrawn, or a real deadlock would go unreported for ever.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runtime } from "../../src/core/runtime.js";
import {
  current,
  DeadlockError,
  type Operation,
  run,
  schedule,
  spawn,
  TimeoutError,
  timeout,
} from "../../src/index.js";
import { createResolver } from "../../src/io/dns.js";
import { exec } from "../../src/io/exec.js";
import { open } from "../../src/io/file.js";
import { spawnProcess } from "../../src/io/process.js";
import { waitSignal } from "../../src/io/signal.js";
import { errorOf } from "../helpers.js";
import { DnsResponder } from "./dns-responder.js";

test("completed, failed and withdrawn io operations leave no hold behind; a later deadlock is still reported", async () => {
  const dir = fs.mkdtempSync(join(tmpdir(), "tasklet-holds-"));
  const fifo = join(dir, "fifo");
  execFileSync("mkfifo", [fifo]);
  const dns = await DnsResponder.start("127.0.0.1", 0, { a: { "h.test": "10.1.1.1" } });
  dns.answering = false;
  fs.writeFileSync(join(dir, "resolv.conf"), `nameserver 127.0.0.1:${dns.port}\noptions timeout:1 attempts:1\n`);
  const resolver = createResolver({ resolvConf: join(dir, "resolv.conf") });
  try {
    await run(function* () {
      const rt = runtime();
      const before = rt.holds;
      // Completed and failed.
      yield* exec(["true"]);
      yield* errorOf(exec(["/nonexistent"]), Error);
      const f = yield* open(fifo, "r+");
      // Withdrawn: a read on the pool, a process wait, a signal wait, a DNS lookup.
      yield* errorOf(timeout(20, f.read(Buffer.alloc(4))), TimeoutError);
      const p = spawnProcess(["sleep", "30"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
      yield* errorOf(timeout(20, p.wait()), TimeoutError);
      p.kill();
      yield* p.wait();
      const w = spawn(waitSignal("SIGURG"));
      yield* schedule();
      w.kill();
      yield* errorOf(timeout(20, resolver.resolve4("h.test")), TimeoutError);
      fs.writeFileSync(fifo, "x"); // lets the withdrawn read finish in the background
      yield* f.read(Buffer.alloc(4));
      yield* f.close();
      assert.equal(rt.holds, before);
    });
  } finally {
    resolver.close();
    dns.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // Nothing can wake these two (each joins the other), and nothing outside the
  // runtime is left alive (the responder and resolver are closed): it must be
  // reported, not left hanging.
  await assert.rejects(
    run(function* (): Operation<void> {
      const root = current();
      const t = spawn(function* (): Operation<void> {
        yield* root.join();
      });
      yield* t.join();
    }),
    DeadlockError,
  );
});
