// select is uniformly fair (docs/design.md, "select is uniformly fair"): among the cases that
// are ready when it polls, each is chosen with equal probability, wherever it
// stands in the argument list and whatever stands around it (idle cases, a
// defaultCase()). On the real runtime the choice comes from Math.random; under
// a seeded schedule (runTest's `seed`) from the schedule's generator, so it is
// just as fair and a seed replays it.
//
// The counts are checked against the binomial law with Go's tolerance, 10
// standard deviations: a fair select fails such a check about once in 10^23
// runs, and the old poll order (a random start, then round in order) fails
// every one of them.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Waitable } from "../../src/core/wait.js";
import { channel, defaultCase, type Operation, run, schedule, select, spawn } from "../../src/index.js";
import { CHOICE_WINDOW, createTestRuntime, runTest } from "../../src/testing/index.js";

/** Checks that `count` wins out of `trials` fit probability `p`, within 10 standard deviations. */
function assertBinomial(count: number, trials: number, p: number, what: string): void {
  const mean = trials * p;
  const tolerance = 10 * Math.sqrt(trials * p * (1 - p));
  assert.ok(
    Math.abs(count - mean) <= tolerance,
    `${what}: ${count} of ${trials}, expected ${mean} ± ${tolerance.toFixed(0)}`,
  );
}

/**
 * Runs `trials` selects over `n` channel receives, the one at each position
 * of `ready` always holding a value (refilled after each win), the others
 * empty; a `defaultCase()` stands at position `dflt` if it is >= 0. Returns
 * how often each position won.
 */
function* tally(n: number, ready: readonly number[], trials: number, dflt = -1): Operation<number[]> {
  const chans = Array.from({ length: n }, () => channel<number>(1));
  for (const i of ready) chans[i]?.sendAsync(i);
  const counts = new Array<number>(n).fill(0);
  for (let k = 0; k < trials; k++) {
    const cases: Waitable<unknown>[] = chans.map((c, i) => (i === dflt ? defaultCase() : c.recv()));
    const r = yield* select(...cases);
    counts[r.index] = (counts[r.index] as number) + 1;
    if (r.index !== dflt) {
      assert.equal(r.value, r.index, "a case's own value");
      chans[r.index]?.sendAsync(r.index);
    }
  }
  return counts;
}

/** Checks that the ready positions each won about 1/ready.length of the trials, and no other position won. */
function assertUniform(counts: readonly number[], ready: readonly number[], trials: number, what: string): void {
  const shown = counts.length <= 8 ? `[${counts}]` : `${counts.length} cases`;
  counts.forEach((c, i) => {
    if (ready.includes(i)) assertBinomial(c, trials, 1 / ready.length, `${what}, case ${i} of ${shown}`);
    else assert.equal(c, 0, `${what}: case ${i} was not ready but won ${c} times`);
  });
}

/** Every non-empty subset of positions 0..n-1. */
function subsets(n: number): number[][] {
  const all: number[][] = [];
  for (let mask = 1; mask < 1 << n; mask++) all.push([...Array(n).keys()].filter((i) => (mask & (1 << i)) !== 0));
  return all;
}

test("Go's TestSelectFairness: of four cases, the two ready ones each win half of 10 000 selects", async () => {
  // A port of TestSelectFairness (Go, src/runtime/chan_test.go): c1 and c2
  // are buffered and full, c3 and c4 empty and never sent to; a tasklet
  // selects over c3, c4, c1, c2 (in that order) and passes what it got on.
  // The old poll order gave c1 3/4 of the wins (any start but c2's own).
  const trials = 10_000;
  const [cnt1, cnt2] = await run(function* () {
    const c1 = channel<number>(trials + 1);
    const c2 = channel<number>(trials + 1);
    for (let i = 0; i < trials + 1; i++) {
      yield* c1.send(1);
      yield* c2.send(2);
    }
    const c3 = channel<number>();
    const c4 = channel<number>();
    const out = channel<number>();
    const done = channel<void>();
    const worker = spawn(function* () {
      for (;;) {
        const b = (yield* select(c3.recv(), c4.recv(), c1.recv(), c2.recv())).value;
        const r = yield* select(out.send(b), done.recvOrDone());
        if (r.index === 1) return;
      }
    });
    let cnt1 = 0;
    let cnt2 = 0;
    for (let i = 0; i < trials; i++) {
      const b = yield* out.recv();
      if (b === 1) cnt1++;
      else if (b === 2) cnt2++;
      else assert.fail(`unexpected value ${b} on channel`);
    }
    done.close();
    yield* worker.join();
    return [cnt1, cnt2];
  });
  assertBinomial(cnt1, trials, 0.5, `unfair select: in ${trials} trials, results were ${cnt1}, ${cnt2}`);
});

test("an idle case before two ready ones does not favour the first of them: each wins half the time", async () => {
  // select(idle, a, b): the old random start then round in order gave a the
  // starts at idle and at a, so 2/3 of the wins.
  const trials = 10_000;
  const counts = await run(() => tally(3, [1, 2], trials));
  assertUniform(counts, [1, 2], trials, "select(idle, a, b)");
});

test("whichever cases are ready, each of them is chosen equally often, wherever it stands", async () => {
  const trials = 4_000;
  for (const ready of subsets(4)) {
    const counts = await run(() => tally(4, ready, trials));
    assertUniform(counts, ready, trials, `ready [${ready}] of 4`);
  }
});

test("under runTest, each seed's choice is as fair, whichever cases are ready", async () => {
  const trials = 4_000;
  for (const seed of [1, 2, 3, 42, 0xffffffff]) {
    for (const ready of subsets(4)) {
      const counts = await runTest(() => tally(4, ready, trials), { seed });
      assertUniform(counts, ready, trials, `seed ${seed}, ready [${ready}] of 4`);
    }
  }
});

test("under runTest, a seed replays the same choices, and other seeds make other ones", async () => {
  // Two tasklets select over shared channels, so the schedule and the
  // choices both come from the seed.
  function* choices(): Operation<string> {
    const a = channel<number>(64);
    const b = channel<number>(64);
    const c = channel<number>(64);
    for (let i = 0; i < 64; i++) {
      a.sendAsync(0);
      b.sendAsync(1);
      c.sendAsync(2);
    }
    const log: number[] = [];
    const picker = function* (): Operation<void> {
      for (let i = 0; i < 48; i++) {
        log.push((yield* select(a.recv(), b.recv(), c.recv(), defaultCase())).value ?? 3);
        yield* schedule();
      }
    };
    const t1 = spawn(picker);
    const t2 = spawn(picker);
    yield* t1.join();
    yield* t2.join();
    return log.join("");
  }
  const bySeed = new Map<number, string>();
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const first = await runTest(choices, { seed });
    assert.equal(await runTest(choices, { seed }), first, `seed ${seed} replays its choices`);
    bySeed.set(seed, first);
  }
  assert.equal(new Set(bySeed.values()).size, bySeed.size, "each seed made its own choices");
});

test("under runTest, a select with more cases than the schedule's choice window is still fair", async () => {
  // The seeded chooser picks among at most CHOICE_WINDOW ready tasklets; a
  // select of more cases must not inherit that limit (cases 0 and the last
  // one ready: the old start drawn below the window gave the last 63/64).
  const n = CHOICE_WINDOW + 36;
  const trials = 4_000;
  for (const seed of [1, 2, 3]) {
    const counts = await runTest(() => tally(n, [0, n - 1], trials), { seed });
    assertUniform(counts, [0, n - 1], trials, `seed ${seed}, ${n} cases`);
  }
});

test("a chooser that is not random (always the last, always the first) still lets every select complete", async () => {
  // Under a seeded schedule select draws fair bits from the chooser and
  // rejects out-of-range values; a chooser that always answers the same
  // must not make it reject forever.
  for (const chooser of [(n: number) => n - 1, () => 0]) {
    const rt = createTestRuntime();
    rt.chooser = chooser;
    const counts = await run(() => tally(7, [1, 2, 4], 100), { runtime: rt });
    assert.equal(
      counts.reduce((x, y) => x + y),
      100,
    );
    assert.equal((counts[1] as number) + (counts[2] as number) + (counts[4] as number), 100);
  }
});

test("defaultCase() is never chosen while a case is ready, wherever it stands, and takes no share from the ready ones", async () => {
  // select(a, default, b) with a and b ready: the old order skipped the
  // default and gave b the starts at default and at b, 2/3 of the wins.
  const trials = 4_000;
  for (let dflt = 0; dflt < 4; dflt++) {
    const others = [0, 1, 2, 3].filter((i) => i !== dflt);
    const none = await run(() => tally(4, [], 100, dflt));
    assert.equal(none[dflt], 100, `no case ready: the default at ${dflt} fires every time`);
    for (const ready of subsets(3).map((s) => s.map((i) => others[i] as number))) {
      const counts = await run(() => tally(4, ready, trials, dflt));
      assertUniform(counts, ready, trials, `default at ${dflt}, ready [${ready}]`);
    }
  }
});
