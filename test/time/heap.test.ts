import assert from "node:assert/strict";
import { test } from "node:test";
import { type HeapEntry, TimerHeap } from "../../src/time/heap.js";

const entry = (at: number): HeapEntry & { name: string } => ({ at, seq: -1, name: `t${at}` });

test("the heap pops by deadline, and equal deadlines in the order they were pushed", () => {
  const h = new TimerHeap<HeapEntry & { name: string }>();
  const items = [5, 1, 3, 1, 9, 3, 0, 7, 1].map((at, i) => ({ ...entry(at), name: `${at}:${i}` }));
  for (const e of items) h.push(e);
  const out: string[] = [];
  for (let e = h.pop(); e !== undefined; e = h.pop()) out.push(e.name);
  assert.deepEqual(out, ["0:6", "1:1", "1:3", "1:8", "3:2", "3:5", "5:0", "7:7", "9:4"]);
});

test("removing any entry, and pushing it again, keeps the heap ordered (random trial against a sorted list)", () => {
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let round = 0; round < 50; round++) {
    const h = new TimerHeap<HeapEntry & { name: string }>();
    const live: (HeapEntry & { name: string })[] = [];
    for (let i = 0; i < 200; i++) {
      if (live.length > 0 && rnd(3) === 0) {
        const victim = live.splice(rnd(live.length), 1)[0] as HeapEntry & { name: string };
        assert.equal(h.remove(victim), true);
        assert.equal(h.remove(victim), false, "a removed entry is on no heap");
        if (rnd(2) === 0) {
          // Pushed again with a new deadline: its old slot must never come out.
          victim.at = rnd(50);
          h.push(victim);
          live.push(victim);
        }
      } else {
        const e = entry(rnd(50));
        h.push(e);
        live.push(e);
      }
    }
    live.sort((a, b) => a.at - b.at); // stable: equal deadlines stay in push order
    assert.equal(h.size, live.length);
    const out = [];
    for (let e = h.pop(); e !== undefined; e = h.pop()) out.push(e);
    assert.deepEqual(out, live);
  }
});

test("an entry removed and pushed again is popped once, at its new deadline and in its new turn", () => {
  const h = new TimerHeap<HeapEntry & { name: string }>();
  const a = { ...entry(5), name: "a" };
  const b = { ...entry(5), name: "b" };
  const c = { ...entry(1), name: "c" };
  h.push(a);
  h.push(b);
  h.push(c);
  assert.equal(h.remove(a), true);
  a.at = 5;
  h.push(a); // now after b among the deadlines 5
  assert.equal(h.size, 3);
  const out: string[] = [];
  for (let e = h.pop(); e !== undefined; e = h.pop()) out.push(`${e.name}@${e.at}`);
  assert.deepEqual(out, ["c@1", "b@5", "a@5"]);
  assert.equal(h.size, 0);
  assert.equal(h.remove(a), false, "a popped entry is on no heap");
});

test("removed timers leave at most as many dead slots as armed timers, and size counts the armed ones", () => {
  const h = new TimerHeap<HeapEntry>();
  const es = Array.from({ length: 1000 }, (_, i) => entry(1000 - i));
  for (const e of es) h.push(e);
  for (let i = 0; i < 990; i++) {
    assert.equal(h.remove(es[i] as HeapEntry), true);
    const { items } = h.slots();
    assert.equal(h.size, 1000 - i - 1);
    assert.ok(items.length <= 2 * h.size + 1, `${items.length} slots for ${h.size} armed timers`);
  }
  const out = [];
  for (let e = h.pop(); e !== undefined; e = h.pop()) out.push(e.at);
  assert.deepEqual(out, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(h.slots().items.length, 0);
});
