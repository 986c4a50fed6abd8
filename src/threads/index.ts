/**
 * tasklet/threads: tasklets on a pool of worker threads (M:N), channels that
 * cross threads, and offload of blocking calls. Each worker thread runs its
 * own tasklet runtime; a tasklet stays on the thread it started on; joins,
 * kills and channels cross threads. See docs/threads.md.
 */

export { ThreadChannel, type ThreadChannelOptions } from "./channel.js";
export { PoolTasklet, WorkerError } from "./handle.js";
export { defaultPool, offload } from "./offload.js";
export { WorkerPool, type WorkerPoolOptions } from "./pool.js";
