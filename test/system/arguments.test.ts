// Bad input at the system layer's entry points reads as the io layer's: one check of a port
// (core/check.ts) serves both, where two copies used to word it differently.
import assert from "node:assert/strict";
import { test } from "node:test";
import { run } from "../../src/index.js";
import { bindUdp, listen } from "../../src/io/index.js";
import { createTaskletSystem, SimNetwork } from "../../src/system/index.js";

test("a bad port reads the same from io's listen and bindUdp and from ITasklet's sockets", async () => {
  const sys = createTaskletSystem();
  await run(function* () {
    const expected = (fn: string, arg = "port"): RegExp =>
      new RegExp(`^RangeError: ${fn}: ${arg} must be an integer in 0\\.\\.65535, got the number 70000$`);
    assert.throws(() => listen({ port: 70000 }), expected("listen", "options\\.port"));
    assert.throws(() => bindUdp({ port: 70000 }), expected("bindUdp", "options\\.port"));
    assert.throws(() => sys.getServerStreamSocket(70000), expected("ITasklet\\.getServerStreamSocket"));
    assert.throws(() => sys.getClientDatagramSocket(70000, "lo"), expected("ITasklet\\.getClientDatagramSocket"));
    assert.throws(
      () => sys.getServerStreamSocket("80" as never),
      /^TypeError: ITasklet\.getServerStreamSocket: port must be an integer in 0\.\.65535, got the string "80"$/,
    );
  });
});

test("ITasklet.msWait names its argument; Infinity is a duration (never), as sleep's", () => {
  const sys = createTaskletSystem();
  assert.throws(
    () => sys.msWait(-1),
    /^RangeError: ITasklet\.msWait: msec must be a number >= 0 \(Infinity for never\), got the number -1$/,
  );
  assert.throws(() => sys.msWait("5" as never), /^TypeError: ITasklet\.msWait: msec must be .*, got the string "5"$/);
});

test("createTaskletSystem and SimNetwork refuse an unknown option with the known ones", () => {
  assert.throws(
    () => createTaskletSystem({ netwrok: undefined } as never),
    /^TypeError: createTaskletSystem: unknown option "netwrok" in options \(did you mean network\?\); known options: network$/,
  );
  assert.throws(
    () => new SimNetwork({ seeed: 1 } as never),
    /^TypeError: SimNetwork: unknown option "seeed" in options \(did you mean seed\?\); known options: seed, dropProbability$/,
  );
});
