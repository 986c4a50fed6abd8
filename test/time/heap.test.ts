import assert from "node:assert/strict";
import { test } from "node:test";
import { type HeapEntry, TimerHeap } from "../../src/time/heap.js";

const entry = (at: number): HeapEntry & { name: string } => ({ at, idx: -1, name: `t${at}` });

test("the heap pops by deadline, and equal deadlines in the order they were pushed", () => {
  const h = new TimerHeap<HeapEntry & { name: string }>();
  const items = [5, 1, 3, 1, 9, 3, 0, 7, 1].map((at, i) => ({ ...entry(at), name: `${at}:${i}` }));
  for (const e of items) h.push(e);
  const out: string[] = [];
  for (let e = h.pop(); e !== undefined; e = h.pop()) out.push(e.name);
  assert.deepEqual(out, ["0:6", "1:1", "1:3", "1:8", "3:2", "3:5", "5:0", "7:7", "9:4"]);
});

test("removing any entry keeps the heap ordered (random trial against a sorted list)", () => {
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
      } else {
        const e = entry(rnd(50));
        h.push(e);
        live.push(e);
      }
    }
    live.sort((a, b) => a.at - b.at); // stable: equal deadlines stay in push order
    const out = [];
    for (let e = h.pop(); e !== undefined; e = h.pop()) out.push(e);
    assert.deepEqual(out, live);
  }
});
