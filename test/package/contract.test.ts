// The public contract (docs/design.md and the README), checked through the package's own name and exports map
// (Node resolves a package's own name from inside it), so a user's `import … from "tasklet"`
// and every subpath are what is tested, not the source files.
import assert from "node:assert/strict";
import { test } from "node:test";

/** Imported by a computed name, so the compiler does not resolve it against a dist that is being built. */
async function load(specifier: string): Promise<Record<string, unknown>> {
  return (await import(specifier)) as Record<string, unknown>;
}

test("package tasklet: every name of the public contract is exported, with its kind", async () => {
  const m = await load("tasklet");
  const functions = ["run", "main", "spawn", "schedule", "sleep", "exit", "current", "call", "timeout", "scope"];
  const more = ["channel", "select", "after", "defaultCase", "now", "tasklets", "dump", "withLock", "withPermit"];
  for (const name of [...functions, ...more]) assert.equal(typeof m[name], "function", `${name} is a function`);
  const classes = ["Mutex", "Semaphore", "WaitGroup", "Event", "Dispatcher", "TaskletPool", "TaskletLocal"];
  for (const name of classes) assert.equal(typeof m[name], "function", `${name} is a class`);
  const errors: [string, string][] = [
    ["TaskletError", "Error"],
    ["KilledError", "TaskletError"],
    ["TimeoutError", "TaskletError"],
    ["NotJoinableError", "TaskletError"],
    ["DeadlockError", "TaskletError"],
    ["ChannelError", "TaskletError"],
    ["ChannelTimeoutError", "ChannelError"],
    ["ChannelClosedError", "ChannelError"],
    ["IOError", "TaskletError"],
    ["ClosedError", "IOError"],
  ];
  for (const [name, base] of errors) {
    const E = m[name] as new (...args: never[]) => Error;
    const B = (base === "Error" ? Error : m[base]) as new (...args: never[]) => Error;
    assert.ok(E.prototype instanceof B, `${name} extends ${base}`);
  }
});

test("package tasklet: the contract's methods are there on the objects users get", async () => {
  const m = await load("tasklet");
  const run = m["run"] as (body: () => Generator) => Promise<unknown>;
  const spawn = m["spawn"] as (body: () => Generator) => Record<string, unknown>;
  const channel = m["channel"] as (capacity?: number) => Record<string, unknown>;
  await run(function* () {
    const t = spawn(function* () {});
    for (const method of ["isRunning", "isJoinable", "kill", "join"])
      assert.equal(typeof t[method], "function", method);
    assert.equal(typeof t["id"], "number");
    assert.equal(typeof t["name"], "string");
    const ch = channel();
    for (const method of ["send", "sendAsync", "recv", "recvTimeout", "tryRecv", "trySend", "close"]) {
      assert.equal(typeof ch[method], "function", `channel.${method}`);
    }
    assert.equal(ch["balance"], 0);
    yield* (t["join"] as () => Generator)();
  });
});

test("subpaths tasklet/io, /system, /threads, /cluster, /testing resolve and export their entry points", async () => {
  const io = await load("tasklet/io");
  for (const name of ["listen", "connect", "bindUdp", "open", "readFile", "writeFile", "exec", "spawnProcess"]) {
    assert.equal(typeof io[name], "function", `tasklet/io ${name}`);
  }
  for (const name of ["createResolver", "waitSignal", "watchSignals"]) {
    assert.equal(typeof io[name], "function", `tasklet/io ${name}`);
  }
  const system = await load("tasklet/system");
  assert.equal(typeof system["createTaskletSystem"], "function", "tasklet/system createTaskletSystem");
  const threads = await load("tasklet/threads");
  for (const name of ["WorkerPool", "ThreadChannel", "offload"]) {
    assert.equal(typeof threads[name], "function", `tasklet/threads ${name}`);
  }
  const cluster = await load("tasklet/cluster");
  for (const name of ["joinCluster", "NodeLostError", "ClusterJob"]) {
    assert.equal(typeof cluster[name], "function", `tasklet/cluster ${name}`);
  }
  const TaskletError = (await load("tasklet"))["TaskletError"] as new (...args: never[]) => Error;
  assert.ok((cluster["NodeLostError"] as new (...args: never[]) => Error).prototype instanceof TaskletError);
  const testing = await load("tasklet/testing");
  for (const name of ["runTest", "explore", "createTestRuntime", "createTaskletSystem"]) {
    assert.equal(typeof testing[name], "function", `tasklet/testing ${name}`);
  }
});

test("tasklet/cluster: an embedded Cluster has the contract's methods, and its job handle too", async () => {
  const cluster = await load("tasklet/cluster");
  const c = (await (cluster["joinCluster"] as (o: object) => Promise<Record<string, unknown>>)({
    workers: 1,
  })) as Record<string, unknown>;
  try {
    for (const method of ["spawn", "spawnWith", "channel", "nodes", "jobs", "close"]) {
      assert.equal(typeof c[method], "function", `Cluster.${method}`);
    }
    const job = (c["spawn"] as (m: string, e: string) => Record<string, unknown>)(
      "data:text/javascript,export function* f() {}",
      "f",
    );
    for (const method of ["join", "kill"]) assert.equal(typeof job[method], "function", `ClusterJob.${method}`);
    assert.equal(typeof job["id"], "string");
    await (job["result"] as () => Promise<unknown>)();
  } finally {
    await (c["close"] as () => Promise<void>)();
  }
});

test("deep imports are not reachable: the exports map exposes the entry points only", async () => {
  await assert.rejects(load("tasklet/src/core/runtime.js"), { code: "ERR_PACKAGE_PATH_NOT_EXPORTED" });
});
