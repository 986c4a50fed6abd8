// Bad input at the inspect layer's entry points: options bags refuse keys they do not know.
import assert from "node:assert/strict";
import { test } from "node:test";
import { dump, tasklets } from "../../src/index.js";

test("dump and tasklets refuse an unknown option, naming the known ones", () => {
  assert.throws(
    () => dump({ runtme: undefined } as never),
    /^TypeError: dump: unknown option "runtme" in options \(did you mean runtime\?\); known options: runtime$/,
  );
  assert.throws(
    () => tasklets({ stack: false } as never),
    /^TypeError: tasklets: unknown option "stack" in options \(did you mean stacks\?\); known options: stacks, runtime$/,
  );
  assert.throws(
    () => tasklets({ stacks: "no" } as never),
    /^TypeError: tasklets: options\.stacks must be a boolean, got the string "no"$/,
  );
});
