/**
 * The limit: a reference scheduler, the least that tasklet's design can cost.
 * Used by the benchmarks' `limit` cases only (bench/cases/<benchmark>/limit.ts); not a runtime.
 *
 * It keeps tasklet's suspension protocol (src/core/op.ts): a task is a generator, an operation
 * is `yield* op`, `op[Symbol.iterator]()` records the op and returns one shared iterator whose
 * `next()` starts it, and a parked task yields one sentinel up through every `yield*` to the
 * loop's `gen.next()`. It has only spawn, join, schedule, a rendezvous channel and sleep (a
 * binary heap of deadlines on one host timer), and none of tasklet's features: no kill or
 * cancellation, no select, no error routing (a throw rejects `run`), no inspection, no
 * priorities, no live list, one thread. The distance from tasklet to it is what the features
 * and their bookkeeping cost, not the protocol.
 *
 * Invariants: a task is on at most one queue at a time (the ready queue, a channel's queue or a
 * join list), linked through its own `next` field, so waiting allocates nothing; `resuming` is
 * true only between the loop's `gen.next(v)` and the `ITER.next(v)` that it reaches.
 */

export interface Operation<T> {
  [Symbol.iterator](): Iterator<unknown, T, unknown>;
}

const PARK = Symbol("park");
const PARKED = Symbol("parked"); // what a parked task yields to the loop
type Start = (t: Task) => unknown; // the result, or PARK after parking t

/** A task: its generator and the one link that puts it on a queue. */
export class Task<T = unknown> {
  next: Task | null = null; // the queue it is on
  value: unknown = undefined; // the value it resumes with; a parked sender's value; its result when done
  done = false;
  joiners: Task | null = null; // tasks waiting in join(), a stack through `next`
  constructor(public gen: Generator<unknown, T, unknown> | null) {}
  join(): Operation<T> {
    joined = this;
    return JOIN as Operation<T>;
  }
}

class Fifo {
  head: Task | null = null;
  tail: Task | null = null;
  push(t: Task): void {
    if (this.tail === null) this.head = t;
    else this.tail.next = t;
    this.tail = t;
  }
  shift(): Task | null {
    const t = this.head;
    if (t !== null) {
      this.head = t.next;
      if (this.head === null) this.tail = null;
      t.next = null;
    }
    return t;
  }
}

let resuming = false;
let pending: Start | null = null;
let current: Task = new Task(null);
const SUSPENDED = { done: false, value: PARKED };
const DONE: { done: true; value: unknown } = { done: true, value: undefined };
const ITER: Iterator<unknown, unknown, unknown> = {
  next(v?: unknown) {
    if (resuming) {
      resuming = false;
      DONE.value = v;
      return DONE;
    }
    const start = pending as Start;
    pending = null;
    const r = start(current);
    if (r === PARK) return SUSPENDED;
    DONE.value = r;
    return DONE;
  },
};
/** An operation whose start is `start`: `yield*` on it runs `start(current task)`. */
const op = (start: Start): Operation<unknown> => ({
  [Symbol.iterator]() {
    pending = start;
    resuming = false;
    return ITER;
  },
});

// Ready tasks, FIFO; a step's spawns go to `spawned`, spliced to the front of `ready` after the
// step: tasklet's order contract (a spawned task starts when its spawner suspends, before every
// task already ready; one step's spawns in spawn order), so both do the same work in the same order.
const ready = new Fifo();
const spawned = new Fifo();
function wake(t: Task, v: unknown): void {
  t.value = v;
  ready.push(t);
}

let root: Task | null = null;
let settle: ((error: unknown, value?: unknown) => void) | null = null;
function loop(): void {
  try {
    for (let t = ready.shift(); t !== null; t = ready.shift()) {
      current = t;
      resuming = true; // a first step clears it at its first op
      const r = (t.gen as Generator).next(t.value);
      if (r.done) finish(t, r.value);
      if (spawned.head !== null) {
        (spawned.tail as Task).next = ready.head;
        if (ready.head === null) ready.tail = spawned.tail;
        ready.head = spawned.head;
        spawned.head = spawned.tail = null;
      }
      if (ready.head === null && timerAt.length > 0) wakeDue(); // due timers before going idle
    }
    if (timerAt.length > 0) arm();
    else if (root !== null && !root.done) settle?.(new Error("reference: every task is blocked"));
  } catch (e) {
    settle?.(e);
  }
}
function finish(t: Task, v: unknown): void {
  t.done = true;
  t.gen = null;
  t.value = v;
  for (let j = t.joiners; j !== null; ) {
    const next: Task | null = j.next;
    j.next = null;
    wake(j, v); // joiners wake latest first (none of the benchmarks joins twice)
    j = next;
  }
  t.joiners = null;
  if (t === root) settle?.(null, v);
}

/** Runs `gen` as the root task; settles with its result (other tasks may still be running). */
export function run<T>(gen: Generator<unknown, T, unknown>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    root = new Task(gen);
    ready.push(root);
    settle = (error, value) => {
      settle = null;
      if (error === null) resolve(value as T);
      else reject(error);
    };
    loop();
  });
}

/** A new task: it starts when its spawner suspends, before the tasks already ready. */
export function spawn<T>(gen: Generator<unknown, T, unknown>): Task<T> {
  const t = new Task<T>(gen);
  spawned.push(t);
  return t;
}

let joined: Task = current;
const JOIN = op((t) => {
  const target = joined;
  if (target.done) return target.value;
  t.next = target.joiners;
  target.joiners = t;
  return PARK;
});

/** To the back of the ready queue. */
export const schedule = (): Operation<void> => SCHEDULE as Operation<void>;
const SCHEDULE = op((t) => {
  wake(t, undefined);
  return PARK;
});

/** A rendezvous channel: a send waits for a receiver and a receive for a sender, FIFO. */
export class Chan<T> {
  readonly receivers = new Fifo();
  readonly senders = new Fifo();
  send(v: T): Operation<void> {
    sendTo = this;
    sent = v;
    return SEND as Operation<void>;
  }
  recv(): Operation<T> {
    recvFrom = this;
    return RECV as Operation<T>;
  }
}
let sendTo: Chan<unknown> | null = null;
let sent: unknown;
let recvFrom: Chan<unknown> | null = null;
const SEND = op((t) => {
  const ch = sendTo as Chan<unknown>;
  const r = ch.receivers.shift();
  if (r !== null) wake(r, sent);
  else {
    t.value = sent;
    ch.senders.push(t);
    return PARK;
  }
  return undefined;
});
const RECV = op((t) => {
  const ch = recvFrom as Chan<unknown>;
  const s = ch.senders.shift();
  if (s === null) {
    ch.receivers.push(t);
    return PARK;
  }
  const v = s.value;
  wake(s, undefined);
  return v;
});

// Sleep: a binary min-heap of (deadline, sequence) in parallel arrays, one host timer for its top.
const timerAt: number[] = [];
const timerSeq: number[] = [];
const timerTask: Task[] = [];
let seq = 0;
let host: ReturnType<typeof setTimeout> | null = null;
let hostAt = 0;
const before = (i: number, j: number): boolean =>
  (timerAt[i] as number) < (timerAt[j] as number) ||
  (timerAt[i] === timerAt[j] && (timerSeq[i] as number) < (timerSeq[j] as number));
function swap(i: number, j: number): void {
  const at = timerAt[i] as number;
  const s = timerSeq[i] as number;
  const t = timerTask[i] as Task;
  timerAt[i] = timerAt[j] as number;
  timerSeq[i] = timerSeq[j] as number;
  timerTask[i] = timerTask[j] as Task;
  timerAt[j] = at;
  timerSeq[j] = s;
  timerTask[j] = t;
}
let sleepFor = 0;
/** Wakes after `ms` milliseconds; equal deadlines wake in the order of the calls. */
export function sleep(ms: number): Operation<void> {
  sleepFor = ms;
  return SLEEP as Operation<void>;
}
const SLEEP = op((t) => {
  let i = timerAt.push(performance.now() + sleepFor) - 1;
  timerSeq.push(seq++);
  timerTask.push(t);
  for (let up = (i - 1) >> 1; i > 0 && before(i, up); i = up, up = (i - 1) >> 1) swap(i, up);
  return PARK;
});
function arm(): void {
  const at = timerAt[0] as number;
  if (host !== null && hostAt <= at) return;
  if (host !== null) clearTimeout(host);
  hostAt = at;
  host = setTimeout(fire, Math.max(0, at - performance.now()));
}
function fire(): void {
  host = null;
  wakeDue();
  loop();
}
function wakeDue(): void {
  const now = performance.now();
  while (timerAt.length > 0 && (timerAt[0] as number) <= now) {
    wake(timerTask[0] as Task, undefined);
    const last = timerAt.length - 1;
    swap(0, last);
    timerAt.pop();
    timerSeq.pop();
    timerTask.pop();
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const m = l + 1 < last && before(l + 1, l) ? l + 1 : l;
      if (m >= last || !before(m, i)) break;
      swap(i, m);
      i = m;
    }
  }
}
