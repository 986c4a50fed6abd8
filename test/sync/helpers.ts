import assert from "node:assert/strict";
import { type Operation, schedule } from "../../src/index.js";

type Expected = (new (...args: never[]) => Error) | ((e: unknown) => boolean);

/** Runs `op` and checks that it throws what `expected` describes (a class, or a predicate). */
export function* rejects(op: Operation<unknown>, expected: Expected): Operation<void> {
  let error: unknown;
  try {
    yield* op;
  } catch (e) {
    error = e;
  }
  if (error === undefined) assert.fail("expected the operation to throw");
  const ok =
    expected.prototype instanceof Error || expected === Error
      ? error instanceof (expected as new () => Error)
      : (expected as (e: unknown) => boolean)(error);
  assert.ok(ok, `unexpected error: ${String(error)}`);
}

/** Runs `op` and returns what it threw (fails if it did not throw). */
export function* caught(op: Operation<unknown>): Operation<unknown> {
  try {
    yield* op;
  } catch (e) {
    return e;
  }
  assert.fail("expected the operation to throw");
}

/** Lets every ready tasklet run until all are blocked or done. */
export function* settle(): Operation<void> {
  for (let i = 0; i < 10; i++) yield* schedule();
}
