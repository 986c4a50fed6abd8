/**
 * select: wait for the first of several sources (Go's select, libwire's
 * wait lists).
 *
 * A case is any `Waitable<T>` (core/wait.ts): `ch.recv()`, `ch.recvOrDone()`,
 * `ch.send(v)`, `t.join()`, `after(ms)`, and whatever a primitive of another
 * layer offers (a Mutex's lock case). A primitive offers a case by returning
 * an object with the four methods of `Waitable`: `poll(t)` completes at once
 * or returns NOT_READY without side effects; `enqueue(n)` puts node `n` on
 * the source's wait queue (setting `n.value` to what the case offers, as a
 * send case's value); the source later takes `n` off its queue and calls
 * `rt.wakeNode(n, v)` (or `wakeNodeThrow`); `dequeue(n)` takes `n` off
 * without side effects. Its single-wait op can be the same object.
 *
 * How a select runs (one op object per call):
 *   1. poll the cases once each in a uniformly random order (Go's
 *      `pollorder`, selectgo in src/runtime/select.go). The first ready case
 *      fires at once, nothing else is touched.
 *   2. none ready: a `defaultCase()` fires if present. Otherwise one fresh
 *      node per case (`sel` = this op, `tag` = its index) is enqueued on its
 *      source and the tasklet parks with the op as its blocker.
 *   3. the first source to wake a node reaches `win`: every other case is
 *      dequeued (nothing taken from them) and the tasklet is woken with
 *      `{ index, value }`, or with the error the source raised.
 *   4. a kill, timeout or interrupt calls `withdraw`: every case is dequeued.
 * So exactly one case fires. Sources take a node off their queue and wake it
 * in one step, and a select is woken once, so `win` runs at most once.
 *
 * Fairness (docs/design.md, "select is uniformly fair"): among the cases ready
 * when step 1 polls, each fires with probability 1/(how many are ready),
 * whatever its position and the cases around it. The first ready case of a
 * uniformly random order is uniform among the ready ones, by symmetry. A
 * poll that fails changes nothing, so the set of ready cases is the same
 * throughout step 1; one that succeeds has taken its value, so the choice
 * must be made before polling, by the order, and polling stops there: no
 * "poll all, then pick" (that would consume from several cases). A random
 * start followed by the argument order is not uniform: in
 * `select(idle, a, b)` a would win the starts at idle and at a, 2/3.
 *
 * The order is Fisher–Yates (Knuth's Algorithm P) drawn lazily, one
 * position at a time, each a uniform pick among the cases not yet polled
 * (Go draws its whole pollorder up front, one cheaprandn per case). `start`
 * draws and polls position 0 only; a select whose first poll finds a case
 * ready, the usual case of a busy one, makes one draw and writes nothing.
 * Otherwise `pollRest` writes the order into one array per thread
 * (`spareOrder`), reused by every select, so the ready path allocates
 * nothing but its result. The draws come from Math.random, or under a
 * seeded schedule from the runtime's chooser (`seededBelow`), so a seed
 * replays the choices as well as the schedule.
 *
 * Errors: a case that fails raises its error from the select: a `recv()`
 * case on a closed, drained channel raises `ChannelClosedError` (as `recv`
 * would; use `recvOrDone()` to get `{ done: true }` instead), a `send` case
 * on a closed channel `ChannelError`, a `join()` case the joined tasklet's
 * error.
 */

import { current, Op, type Operation, SUSPEND, type Suspend } from "../core/op.js";
import { runtime } from "../core/runtime.js";
import type { Tasklet } from "../core/tasklet.js";
import {
  type Blocker,
  CaseNode,
  NOT_READY,
  type NotReady,
  type Selector,
  type Waitable,
  type WaitNode,
} from "../core/wait.js";
import { checkMs, Timer, timersOf } from "../time/timers.js";

/** The value type of a case. */
export type CaseValue<C> = C extends Waitable<infer T> ? T : never;

/**
 * The outcome of `select(...cases)`: which case fired (`index`, its position
 * in the argument list) and its value, as a union that `index` narrows.
 * Over an array of cases (`select(...chans.map((c) => c.recv()))`), `index`
 * is a number and `value` the union of the cases' values.
 */
export type Selected<C extends readonly Waitable<unknown>[]> = number extends C["length"]
  ? { readonly index: number; readonly value: CaseValue<C[number]> }
  : {
      [K in keyof C]: K extends `${infer I extends number}`
        ? { readonly index: I; readonly value: CaseValue<C[K]> }
        : never;
    }[number];

/** The case that fires when no other is ready: it makes a select non-blocking. */
class DefaultCase implements Waitable<undefined> {
  poll(): undefined {
    return undefined;
  }
  enqueue(): void {
    throw new Error("unreachable: a default case is never enqueued");
  }
  dequeue(): void {}
  describe(): string {
    return "default";
  }
}
const DEFAULT = new DefaultCase();

/**
 * A case that fires only when no other case of the select is ready at
 * once, so the select never blocks (Go's `default:`). Its value is undefined.
 *
 * @example
 * const r = yield* select(ch.recv(), defaultCase());
 * if (r.index === 1) console.log("nothing yet");
 */
export function defaultCase(): Waitable<undefined> {
  return DEFAULT;
}

/** The timer of one enqueued `after` case: it wakes its node when due. */
class AfterTimer extends Timer {
  /** Null once removed: a removed timer may stay in the heap a while (time/heap.ts) and keeps nothing alive. */
  constructor(public n: WaitNode | null) {
    super();
  }
  start(): never {
    throw new Error("an after() timer is not an operation");
  }
  fire(): void {
    const n = this.n as WaitNode;
    n.t.rt.wakeNode(n, undefined);
  }
  describe(): string {
    return "after() case";
  }
}

class AfterCase implements Waitable<void> {
  constructor(
    private readonly at: number,
    private readonly ms: number,
  ) {}
  poll(t: Tasklet): undefined | NotReady {
    return t.rt.host.now() >= this.at ? undefined : NOT_READY;
  }
  enqueue(n: WaitNode): void {
    const rt = n.t.rt;
    const timer = new AfterTimer(n);
    n.value = timer;
    timersOf(rt).add(timer, Math.max(0, this.at - rt.host.now()));
  }
  dequeue(n: WaitNode): void {
    const timer = n.value as AfterTimer;
    n.value = undefined;
    timersOf(n.t.rt).remove(timer);
    timer.n = null;
  }
  describe(): string {
    return `after(${this.ms})`;
  }
}

/**
 * A case that fires `ms` milliseconds after this call: a deadline, so the
 * same `after` used by a select in a loop bounds the whole loop (and fires
 * at once in every select after it passed). Limits: as sleep's (a timer
 * never fires early; it fires as soon as the event loop gets to it).
 *
 * @example
 * const r = yield* select(ch.recv(), after(100));
 * if (r.index === 1) throw new Error("no reply within 100 ms");
 */
export function after(ms: number): Waitable<void> {
  checkMs("after", ms);
  const rt = current?.rt ?? runtime();
  return new AfterCase(rt.host.now() + ms, ms);
}

/**
 * The poll order of the select being started: its first entries are the
 * indices of the cases in the order drawn. One per thread (module state is
 * per thread), reused by every select; null while a select polls, so that a
 * select started from inside a case's poll, if one ever is, makes its own
 * array instead of overwriting this one. Its length is that of the largest
 * select so far.
 */
let spareOrder: number[] | null = [];

/**
 * A uniform integer in [0, n), n >= 2, from a seeded schedule's chooser.
 * The chooser is uniform only up to the schedule's choice window (the test
 * runtime caps its picks at CHOICE_WINDOW, testing/runtime.ts), so this asks
 * it for fair bits, chooser(2), and rejects values >= n (each try succeeds
 * with probability > 1/2). A chooser that is not random (a test may set one
 * that always picks the last) could reject forever: after 64 tries the value
 * is folded with %, which fair bits reach with probability below 2^-64.
 */
function seededBelow(choose: (n: number) => number, n: number): number {
  const bits = 32 - Math.clz32(n - 1);
  for (let tries = 1; ; tries++) {
    let x = 0;
    for (let b = 0; b < bits; b++) x = (x << 1) | (choose(2) & 1);
    if (x < n || tries === 64) return x % n;
  }
}

class SelectOp<C extends readonly Waitable<unknown>[]> extends Op<Selected<C>> implements Selector, Blocker {
  private nodes: CaseNode[] | null = null;
  constructor(
    private readonly cases: C,
    private readonly dflt: number,
  ) {
    super();
  }

  start(t: Tasklet): Selected<C> | Suspend {
    const cases = this.cases;
    const count = cases.length;
    const dflt = this.dflt;
    const rt = t.rt;
    const m = dflt >= 0 ? count - 1 : count; // how many cases to poll
    if (m > 0) {
      // Step 1, position 0 of the poll order: a uniform pick among the m
      // cases (counting past the default), polled before the rest of the
      // order is drawn. The rest is a method of its own, so that this path
      // stays small enough for V8 to inline the poll (with both loops here,
      // a CPU profile showed the channel's poll called, not inlined).
      const choose = rt.chooser;
      const first = m === 1 ? 0 : choose === null ? Math.floor(Math.random() * m) : seededBelow(choose, m);
      const i = dflt >= 0 && first >= dflt ? first + 1 : first;
      const v = (cases[i] as Waitable<unknown>).poll(t);
      if (v !== NOT_READY) return { index: i, value: v } as Selected<C>;
      if (m > 1) {
        const r = this.pollRest(t, m, first, i);
        if (r !== NOT_READY) return r;
      }
    }
    if (dflt >= 0) return { index: dflt, value: undefined } as Selected<C>;
    const nodes = new Array<CaseNode>(count);
    let k = 0;
    try {
      for (; k < count; k++) {
        const n = new CaseNode(t);
        n.sel = this;
        n.tag = k;
        (cases[k] as Waitable<unknown>).enqueue(n);
        nodes[k] = n;
      }
    } catch (e) {
      for (let j = 0; j < k; j++) (cases[j] as Waitable<unknown>).dequeue(nodes[j] as CaseNode);
      throw e;
    }
    this.nodes = nodes;
    rt.park(t, this);
    return SUSPEND;
  }

  /**
   * Step 1 after position 0 (case `i0`, the `first`-th of the `m` cases to
   * poll) was not ready: draws the rest of the order one position at a time
   * (Fisher–Yates) and polls each case as it is placed, until one is ready.
   */
  private pollRest(t: Tasklet, m: number, first: number, i0: number): Selected<C> | NotReady {
    const cases = this.cases;
    const count = cases.length;
    const dflt = this.dflt;
    const choose = t.rt.chooser;
    const order = spareOrder ?? [];
    spareOrder = null;
    for (let i = 0, k = 0; i < count; i++) if (i !== dflt) order[k++] = i;
    order[first] = order[0] as number; // order[first] was i0: swap it to position 0
    order[0] = i0;
    for (let k = 1; k < m; k++) {
      const left = m - k;
      if (left > 1) {
        const j = k + (choose === null ? Math.floor(Math.random() * left) : seededBelow(choose, left));
        const x = order[j] as number;
        order[j] = order[k] as number;
        order[k] = x;
      }
      const i = order[k] as number;
      const v = (cases[i] as Waitable<unknown>).poll(t);
      if (v !== NOT_READY) {
        spareOrder = order;
        return { index: i, value: v } as Selected<C>;
      }
    }
    spareOrder = order;
    return NOT_READY;
  }

  win(n: CaseNode, value: unknown, isError: boolean): void {
    this.dequeueAll(n);
    const t = n.t;
    if (isError) t.rt.wakeThrow(t, value);
    else t.rt.wake(t, { index: n.tag, value });
  }

  withdraw(): void {
    this.dequeueAll(null);
  }

  private dequeueAll(except: CaseNode | null): void {
    const nodes = this.nodes as CaseNode[];
    this.nodes = null;
    const cases = this.cases;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i] as CaseNode;
      if (n !== except) (cases[i] as Waitable<unknown>).dequeue(n);
    }
  }

  describe(): string {
    return `select(${this.cases.map((c) => c.describe()).join(", ")})`;
  }
}

/**
 * Node has a global `Event` (the DOM's): `new Event("x")` without an import
 * of ours compiles and makes one. Its methods differ (no `wait`, `set`,
 * `waitCase`), so the mistake fails at its first use; passed as a case it
 * would read "[object Event]", so the error names the import.
 */
function globalEventHint(c: unknown): string {
  const G = (globalThis as { Event?: unknown }).Event;
  if (typeof G !== "function" || !(c instanceof (G as new (type: string) => object))) return "";
  return ": this is Node's global Event (the DOM's): import { Event } from \"tasklet\" and pass ev.waitCase()";
}

/**
 * Waits for the first of several cases and tells which fired: `{ index,
 * value }`, where `index` is the case's position and narrows `value`'s type.
 * Exactly one case fires; the others are withdrawn without taking anything.
 * Fairness: when several cases are ready at once, each of them is equally
 * likely to fire, whatever its position in the list (the cases are polled
 * in a uniformly random order and the first ready one fires, as in Go);
 * under a seeded test runtime (`runTest(body, { seed })`) the order is drawn
 * from the seed, so a run replays its choices. When none is ready, the
 * select waits and the first case to become ready fires. With a
 * `defaultCase()`, the select never blocks: the default fires only when no
 * other case is ready. A case's error (a closed channel, a failed join) is
 * raised from the select.
 *
 * @example
 * const r = yield* select(jobs.recv(), results.send(last), after(1000), worker.join());
 * switch (r.index) {
 *   case 0: handle(r.value); break;   // r.value: Job
 *   case 1: last = next(); break;     // the send completed
 *   case 2: console.log("idle"); break;
 *   case 3: console.log("worker ended with", r.value);
 * }
 */
export function select<const C extends readonly Waitable<unknown>[]>(...cases: C): Operation<Selected<C>> {
  if (cases.length === 0) throw new TypeError("select: give at least one case");
  let dflt = -1;
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i] as Waitable<unknown> | undefined;
    if (c === DEFAULT) {
      if (dflt >= 0) throw new TypeError(`select: cases ${dflt} and ${i} are both defaultCase()`);
      dflt = i;
    } else if (
      typeof c !== "object" ||
      c === null ||
      typeof c.poll !== "function" ||
      typeof c.enqueue !== "function" ||
      typeof c.dequeue !== "function"
    ) {
      throw new TypeError(
        `select: case ${i} is not a Waitable (ch.recv(), ch.send(v), t.join(), after(ms), defaultCase()), got ${String(c)}${globalEventHint(c)}`,
      );
    }
  }
  return new SelectOp(cases, dflt);
}
