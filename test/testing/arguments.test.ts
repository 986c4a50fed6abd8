// Bad input at the testing layer's entry points: each options bag refuses keys it does not know
// (a misspelt `seed` would otherwise run FIFO and look deterministic for the wrong reason).
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Operation, run } from "../../src/index.js";
import { createTestRuntime, explore, runTest } from "../../src/testing/index.js";

function* body(): Operation<number> {
  return 1;
}

test("createTestRuntime, runTest and explore refuse an unknown option, naming the known ones", () => {
  assert.throws(
    () => createTestRuntime({ sead: 1 } as never),
    /^TypeError: createTestRuntime: unknown option "sead" in options \(did you mean seed\?\); known options: seed, virtualTime$/,
  );
  assert.throws(
    () => runTest(body, { allowLeak: true } as never),
    /^TypeError: runTest: unknown option "allowLeak" in options \(did you mean allowLeaks\?\); known options: seed, virtualTime, name, allowLeaks, onUncaught$/,
  );
  assert.throws(
    () => explore(body, { run: 5 } as never),
    /^TypeError: explore: unknown option "run" in options \(did you mean runs\?\); .*, runs$/,
  );
  assert.throws(
    () => createTestRuntime({ name: "x" } as never),
    /unknown option "name"/,
    "runTest's keys are not the runtime's",
  );
});

test("explore passes its options on to each run without its own `runs`", async () => {
  const r = await explore(body, { runs: 3, seed: 5, name: "t", allowLeaks: false });
  assert.deepEqual(r, { runs: 3, seed: 5 });
  assert.equal(await run(body, { runtime: createTestRuntime({ seed: 1, virtualTime: true }) }), 1);
});
