// Real network tests in two network namespaces joined by two veth links:
//
//   namespace A                    namespace B
//   va1 10.201.1.1/24  <-link 1->  vb1 10.201.1.2/24
//   va2 10.201.2.1/24  <-link 2->  vb2 10.201.2.2/24
//
// Code runs inside a namespace as a child process (`ip netns exec NS node …`).
// Needs root (CAP_NET_ADMIN); where `ip netns add` is refused the tests skip
// and say why. The namespaces (and with them the veths) are deleted in finally.

import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { type TestContext, test } from "node:test";
import { ip } from "../helpers.js";

const IO = JSON.stringify(new URL("../../src/io/index.js", import.meta.url).href);
const CORE = JSON.stringify(new URL("../../src/index.js", import.meta.url).href);
const PORT = 4444;
/** Upper bound for any one step, so that a failing test ends instead of hanging. */
const STEP_LIMIT_MS = 20_000;

/** Creates the two namespaces and links; returns their names, or null (after t.skip) if refused. */
function setUp(t: TestContext): { a: string; b: string } | null {
  const id = `${process.pid}${Math.floor(Math.random() * 1000)}`;
  const a = `tlA${id}`;
  const b = `tlB${id}`;
  const first = ip("netns", "add", a);
  if (!first.ok) {
    const reason = `ip netns is refused here: ${first.err}`;
    console.log(`skipping: ${reason}`);
    t.skip(reason);
    return null;
  }
  const steps: string[][] = [
    ["netns", "add", b],
    ["link", "add", "va1", "netns", a, "type", "veth", "peer", "name", "vb1", "netns", b],
    ["link", "add", "va2", "netns", a, "type", "veth", "peer", "name", "vb2", "netns", b],
    ["-n", a, "addr", "add", "10.201.1.1/24", "dev", "va1"],
    ["-n", a, "addr", "add", "10.201.2.1/24", "dev", "va2"],
    ["-n", b, "addr", "add", "10.201.1.2/24", "dev", "vb1"],
    ["-n", b, "addr", "add", "10.201.2.2/24", "dev", "vb2"],
  ];
  for (const ns of [a, b])
    for (const dev of ["lo", ns === a ? "va1" : "vb1", ns === a ? "va2" : "vb2"]) {
      steps.push(["-n", ns, "link", "set", dev, "up"]);
    }
  for (const s of steps) {
    const r = ip(...s);
    if (!r.ok) {
      tearDown({ a, b });
      throw new Error(`ip ${s.join(" ")} failed: ${r.err}`);
    }
  }
  return { a, b };
}

function tearDown(ns: { a: string; b: string }): void {
  ip("netns", "del", ns.a);
  ip("netns", "del", ns.b);
}

/** Runs an ES module inside namespace `ns`; `body` sees `bindUdp`, `connect`, `run`, `spawn`. */
function inNs(ns: string, body: string): ChildProcess {
  const script = `import { bindUdp, connect } from ${IO};\nimport { run, spawn } from ${CORE};\n${body}`;
  return spawn("ip", ["netns", "exec", ns, process.execPath, "--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Runs a script in `ns` to its end; returns its stdout. */
function runInNs(ns: string, body: string): string {
  const script = `import { bindUdp, connect } from ${IO};\nimport { run, spawn } from ${CORE};\n${body}`;
  const r = spawnSync("ip", ["netns", "exec", ns, process.execPath, "--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: STEP_LIMIT_MS,
  });
  assert.equal(r.status, 0, `script in ${ns} failed: ${r.stderr}`);
  return r.stdout;
}

/** Lines of a child's stdout, awaited one by one. */
function lines(child: ChildProcess): () => Promise<string> {
  const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const queue: string[] = [];
  let waiting: ((l: string) => void) | null = null;
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  rl.on("line", (l) => {
    if (waiting !== null) {
      const w = waiting;
      waiting = null;
      w(l);
    } else queue.push(l);
  });
  return () => {
    const l = queue.shift();
    if (l !== undefined) return Promise.resolve(l);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no line from the child in time; stderr: ${stderr}`)),
        STEP_LIMIT_MS,
      );
      waiting = (x) => {
        clearTimeout(timer);
        resolve(x);
      };
    });
  };
}

const SEND = (dev: string, ...msgs: string[]) => `
  await run(function* () {
    const s = yield* bindUdp({ port: 0, device: ${JSON.stringify(dev)}, broadcast: true });
    for (const m of ${JSON.stringify(msgs)}) yield* s.sendto(m, "255.255.255.255", ${PORT});
    s.close();
  });
`;

test("a UDP socket bound to a device receives the broadcasts of its link and not those of another link", async (t) => {
  const ns = setUp(t);
  if (ns === null) return;
  let receiver: ChildProcess | null = null;
  try {
    // In A: one socket per device on the same port; each prints what it receives.
    receiver = inNs(
      ns.a,
      `
      await run(function* () {
        const s1 = yield* bindUdp({ port: ${PORT}, device: "va1" });
        const s2 = yield* bindUdp({ port: ${PORT}, device: "va2" });
        const listen = (s, dev) => spawn(function* () {
          const buf = Buffer.alloc(100);
          try {
            for (;;) {
              const d = yield* s.recvfrom(buf);
              const msg = buf.toString("utf8", 0, d.n);
              console.log(JSON.stringify({ dev, msg, ip: d.rmtIp }));
              if (msg === "END") return;
            }
          } catch (e) { if (e.name !== "ClosedError") throw e; }
        });
        const l1 = listen(s1, "va1");
        listen(s2, "va2");
        console.log("ready");
        yield* l1.join();
        s1.close();
        s2.close();
        console.log("done");
      });
      `,
    );
    const next = lines(receiver);
    assert.equal(await next(), "ready");
    // X goes out on link 2: the va2 socket gets it. The kernel delivers one
    // broadcast to every matching socket in one pass, so once va2 has it,
    // va1 would have it queued too if it were going to get it.
    runInNs(ns.b, SEND("vb2", "X"));
    const got: { dev: string; msg: string; ip: string }[] = [];
    got.push(JSON.parse(await next()));
    assert.deepEqual(got[0], { dev: "va2", msg: "X", ip: "10.201.2.2" });
    // Y and END go out on link 1: only the va1 socket gets them, after nothing else.
    runInNs(ns.b, SEND("vb1", "Y", "END"));
    for (let l = await next(); l !== "done"; l = await next()) got.push(JSON.parse(l));
    assert.deepEqual(got.slice(1), [
      { dev: "va1", msg: "Y", ip: "10.201.1.2" },
      { dev: "va1", msg: "END", ip: "10.201.1.2" },
    ]);
  } finally {
    receiver?.kill("SIGKILL");
    tearDown(ns);
  }
});

test("TCP connect errors carry the system code: no route ENETUNREACH, no answer ETIMEDOUT / EHOSTUNREACH", async (t) => {
  const ns = setUp(t);
  if (ns === null) return;
  try {
    const out = runInNs(
      ns.a,
      `
      const codes = await run(function* () {
        const codes = [];
        for (const o of [
          { host: "10.99.0.1", port: 80 },                   // no route at all
          { host: "10.201.1.99", port: 80, timeout: 100 },   // on link 1, nobody answers ARP
          { host: "10.201.2.99", port: 80 },                 // the same without a timeout: the kernel gives up
        ]) {
          try { yield* connect(o); codes.push("connected?"); } catch (e) { codes.push(e.name + " " + e.code); }
        }
        return codes;
      });
      console.log(JSON.stringify(codes));
      `,
    );
    assert.deepEqual(JSON.parse(out), ["IOError ENETUNREACH", "IOError ETIMEDOUT", "IOError EHOSTUNREACH"]);
  } finally {
    tearDown(ns);
  }
});
