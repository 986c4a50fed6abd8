import assert from "node:assert/strict";
import { test } from "node:test";
import { TimerHeap } from "../../src/time/heap.js";

// An owner of entries as time/timers.ts is of its timers: an entry's slot is armed while `seq` is its number.
interface HeapEntry {
  at: number;
  seq: number;
}
const entry = (at: number): HeapEntry & { name: string } => ({ at, seq: -1, name: `t${at}` });
const armed = (e: HeapEntry, seq: number): boolean => e.seq === seq;
class Owned<E extends HeapEntry> extends TimerHeap<E> {
  constructor() {
    super(armed);
  }
  add(e: E): void {
    e.seq = this.push(e, e.at);
  }
  take(): E | undefined {
    const e = this.pop();
    if (e !== undefined) e.seq = -1;
    return e;
  }
  remove(e: E): boolean {
    if (e.seq < 0) return false;
    e.seq = -1;
    this.unarmed(e);
    return true;
  }
}

test("the heap pops by deadline, and equal deadlines in the order they were pushed", () => {
  const h = new Owned<HeapEntry & { name: string }>();
  const items = [5, 1, 3, 1, 9, 3, 0, 7, 1].map((at, i) => ({ ...entry(at), name: `${at}:${i}` }));
  for (const e of items) h.add(e);
  const out: string[] = [];
  for (let e = h.take(); e !== undefined; e = h.take()) out.push(e.name);
  assert.deepEqual(out, ["0:6", "1:1", "1:3", "1:8", "3:2", "3:5", "5:0", "7:7", "9:4"]);
});

test("removing any entry, and pushing it again, keeps the heap ordered (random trial against a sorted list)", () => {
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let round = 0; round < 50; round++) {
    const h = new Owned<HeapEntry & { name: string }>();
    const live: (HeapEntry & { name: string })[] = [];
    for (let i = 0; i < 200; i++) {
      if (live.length > 0 && rnd(3) === 0) {
        const victim = live.splice(rnd(live.length), 1)[0] as HeapEntry & { name: string };
        assert.equal(h.remove(victim), true);
        assert.equal(h.remove(victim), false, "a removed entry is on no heap");
        if (rnd(2) === 0) {
          // Pushed again with a new deadline: its old slot must never come out.
          victim.at = rnd(50);
          h.add(victim);
          live.push(victim);
        }
      } else {
        const e = entry(rnd(50));
        h.add(e);
        live.push(e);
      }
    }
    live.sort((a, b) => a.at - b.at); // stable: equal deadlines stay in push order
    assert.equal(h.size, live.length);
    const out = [];
    for (let e = h.take(); e !== undefined; e = h.take()) out.push(e);
    assert.deepEqual(out, live);
  }
});

test("an entry removed and pushed again is popped once, at its new deadline and in its new turn", () => {
  const h = new Owned<HeapEntry & { name: string }>();
  const a = { ...entry(5), name: "a" };
  const b = { ...entry(5), name: "b" };
  const c = { ...entry(1), name: "c" };
  h.add(a);
  h.add(b);
  h.add(c);
  assert.equal(h.remove(a), true);
  a.at = 5;
  h.add(a); // now after b among the deadlines 5
  assert.equal(h.size, 3);
  const out: string[] = [];
  for (let e = h.take(); e !== undefined; e = h.take()) out.push(`${e.name}@${e.at}`);
  assert.deepEqual(out, ["c@1", "b@5", "a@5"]);
  assert.equal(h.size, 0);
  assert.equal(h.remove(a), false, "a popped entry is on no heap");
});

test("removed timers leave at most as many dead slots as armed timers, and size counts the armed ones", () => {
  const h = new Owned<HeapEntry>();
  const es = Array.from({ length: 1000 }, (_, i) => entry(1000 - i));
  for (const e of es) h.add(e);
  for (let i = 0; i < 990; i++) {
    assert.equal(h.remove(es[i] as HeapEntry), true);
    const { items } = h.slots();
    assert.equal(h.size, 1000 - i - 1);
    assert.ok(items.length <= 2 * h.size + 1, `${items.length} slots for ${h.size} armed timers`);
  }
  const out = [];
  for (let e = h.take(); e !== undefined; e = h.take()) out.push(e.at);
  assert.deepEqual(out, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(h.slots().items.length, 0);
});
