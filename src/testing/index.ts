/**
 * tasklet/testing: the deterministic runtime for tests. Virtual time that
 * jumps when every tasklet is blocked, seeded schedules, exploration of many
 * schedules, and reports of deadlocks and of tasklets a test leaves behind.
 */

export { DeadlockError } from "../core/errors.js";
export { ExploreError, type ExploreOptions, type ExploreResult, explore } from "./explore.js";
export { describeTasklet, LeakError, runTest, type TestOptions } from "./run-test.js";
export { CHOICE_WINDOW, createTestRuntime, type TestRuntimeOptions } from "./runtime.js";
export { createTaskletSystem, type TestTaskletSystemOptions } from "./system.js";
export { VirtualHost } from "./virtual-host.js";
