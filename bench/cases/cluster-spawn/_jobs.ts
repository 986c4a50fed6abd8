// The cluster benchmarks' trivial job.
import type { Operation } from "../../../src/index.js";

export function* inc(i: number): Operation<number> {
  return i + 1;
}
