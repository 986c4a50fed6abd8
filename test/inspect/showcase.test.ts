import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { chat, formatSummary } from "../../examples/chat/showcase.js";
import { run } from "../../src/index.js";
import { Child } from "./child.js";

const START = fileURLToPath(new URL("../../examples/start.js", import.meta.url));

test("showcase: every message reaches every member of its room (deliveries = sent × fan-out)", async () => {
  const ticks: string[] = [];
  const s = await run(
    chat({ clients: 30, seconds: 0.5, roomSize: 10, thinkMs: 0, tickMs: 100, onTick: (l) => ticks.push(l) }),
  );
  assert.equal(s.rooms, 3);
  assert.equal(s.accepted, 30);
  assert.equal(s.errors, 0);
  assert.ok(s.sent >= 30, `the clients sent (sent ${s.sent})`);
  assert.equal(s.delivered, s.sent * 10);
  assert.equal(s.expected, s.delivered);
  assert.equal(s.readByClients, s.delivered);
  assert.ok(s.peakTasklets >= 30 * 3, "a client, a session and a writer per connection");
  assert.ok(s.latencyMs.p50 > 0 && s.latencyMs.p50 <= s.latencyMs.p99 && s.latencyMs.p99 <= s.latencyMs.max);
  assert.ok(ticks.length >= 1);
  assert.match(
    ticks.at(-1) ?? "",
    /^ *[\d.]+\/0\.5 s \| tasklets [\d,]+ \| clients 30\/30 \| msgs\/s [\d,]+ sent, [\d,]+ delivered \| latency p50 /,
  );
  assert.match(formatSummary(s), /check +ok: every message reached every member of its room/);
});

test("showcase: rooms of unequal size still add up (Σ sent in room × room size)", async () => {
  const s = await run(chat({ clients: 40, seconds: 0.3, roomSize: 7, thinkMs: 1 }));
  assert.equal(s.rooms, 6); // sizes 7 7 7 7 6 6
  assert.equal(s.errors, 0);
  assert.equal(s.delivered, s.expected);
  assert.equal(s.readByClients, s.delivered);
  assert.ok(s.delivered > s.sent * 6 && s.delivered < s.sent * 7 + 1, "between the two room sizes");
});

test("npm start's program: a line of progress a second when not on a terminal, then the summary", async () => {
  const child = new Child([START, "--clients", "20", "--seconds", "1.2"]);
  try {
    assert.equal(await child.exit(), 0, child.stderr);
    const lines = child.stdout.trim().split("\n");
    assert.match(lines[0] ?? "", /^tasklet chat showcase: 20 clients, 1\.2 s \(pid \d+: kill -QUIT \d+ prints a dump/);
    assert.ok(
      lines.some((l) => /^ +[\d.]+\/1\.2 s \| tasklets [\d,]+ \| clients 20\/20 /.test(l)),
      child.stdout,
    );
    assert.doesNotMatch(child.stdout, /\r/);
    assert.match(child.stdout, /check +ok: every message reached every member of its room\n$/);
  } finally {
    child.kill();
  }
  const bad = new Child([START, "--clients", "0"]);
  try {
    assert.equal(await bad.exit(), 2);
    assert.match(bad.stderr, /--clients must be a whole number >= 1, got 0/);
  } finally {
    bad.kill();
  }
});

test("npm start's program: --help prints its flags and exits 0; an unknown flag exits 2 naming it, with the usage", async () => {
  const help = new Child([START, "--help"]);
  try {
    assert.equal(await help.exit(), 0, help.stderr);
    assert.match(help.stdout, /^usage: node dist\/examples\/start\.js \[--clients N\]/);
    assert.match(help.stdout, /--think MS/);
  } finally {
    help.kill();
  }
  const bogus = new Child([START, "--clients=3", "--bogus"]);
  try {
    assert.equal(await bogus.exit(), 2);
    assert.match(bogus.stderr, /Unknown option '--bogus'[^\n]*\nusage: node dist\/examples\/start\.js/);
  } finally {
    bogus.kill();
  }
});
