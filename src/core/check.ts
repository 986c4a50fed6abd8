/**
 * The checks of arguments at the public entry points, and the one wording
 * of their errors (docs/design.md: "Bad arguments get a clear error at the call"):
 *
 *   `<function>: <argument> must be <what it expects>, got <what it got>`
 *
 * e.g. `sleep: ms must be a number >= 0 (Infinity for never), got the string "100"`.
 * A value of the wrong type is a `TypeError`; a value of the right type out
 * of range (NaN, -1, 1.5 for an integer, a port of 70000) is a `RangeError`.
 * An options bag is refused whole when it is not an object, and for any key
 * the function does not know (`{ nmae: "x" }`: a misspelling would otherwise
 * be silently ignored); the message lists the known keys.
 *
 * Every layer uses these helpers, so the same mistake reads the same
 * everywhere. They throw; they never return a default for a bad value.
 */

/** How an argument's value is named in an error: its type, and its value when that is short and helps. */
export function describe(v: unknown): string {
  switch (typeof v) {
    case "undefined":
      return "undefined";
    case "string":
      return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
    case "number":
      return `the number ${String(v)}`;
    case "bigint":
      return `the bigint ${String(v)}n`;
    case "boolean":
      return `the boolean ${String(v)}`;
    case "symbol":
      return `the symbol ${String(v)}`;
    case "function":
      return describeFunction(v);
    default:
      return describeObject(v as object | null);
  }
}

function describeFunction(f: object): string {
  const name = (f as { name?: unknown }).name;
  const named = typeof name === "string" && name !== "" ? ` (${name})` : "";
  const tag = (f as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  if (tag === "AsyncFunction") return `an async function${named}`;
  if (tag === "GeneratorFunction") return `a generator function${named}`;
  if (tag === "AsyncGeneratorFunction") return `an async generator function${named}`;
  return `a function${named}`;
}

function describeObject(v: object | null): string {
  if (v === null) return "null";
  if (isThenable(v)) return "a promise";
  if (Array.isArray(v)) return "an array";
  const tag = (v as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  if (tag === "Generator") return "a generator";
  if (tag === "AsyncGenerator") return "an async generator";
  const ctor = (v as { constructor?: { name?: unknown } }).constructor;
  const name = typeof ctor === "function" ? ctor.name : undefined;
  if (typeof name === "string" && name !== "" && name !== "Object") return `an object (${name})`;
  return "an object";
}

/** Whether `v` is a promise or any object with a `then` method (not an operation's trap, `awaitedOperation`). */
export function isThenable(v: unknown): boolean {
  if ((typeof v !== "object" && typeof v !== "function") || v === null) return false;
  const then = (v as { then?: unknown }).then;
  return typeof then === "function" && then !== awaitedOperation;
}

/**
 * The `then` of every operation (op.ts puts it on `Op.prototype`): `await op`
 * and `Promise.resolve(op)` call it, and it rejects with a TypeError that says
 * what to do, where an object without `then` would be awaited as itself, at
 * once and silently. `yield*` never reads `then`, so tasklets pay nothing.
 */
export function awaitedOperation(this: object, _resolve?: unknown, reject?: (e: unknown) => void): void {
  const name = (this as { constructor?: { name?: unknown } }).constructor?.name;
  const e = new TypeError(
    `await of an operation${typeof name === "string" && name !== "" ? ` (${name})` : ""}: it is an operation, not a promise: use yield* inside a tasklet (yield* op), or run() from async code (await run(function* () { return yield* op; }))`,
  );
  if (typeof reject === "function") reject(e);
  else throw e;
}

/** `fn: arg must be expected, got describe(got)` as a TypeError (the wrong type). */
export function typeError(fn: string, arg: string, expected: string, got: unknown, hint?: string): TypeError {
  return new TypeError(message(fn, arg, expected, got, hint));
}

/** `fn: arg must be expected, got describe(got)` as a RangeError (the right type, a value out of range). */
export function rangeError(fn: string, arg: string, expected: string, got: unknown, hint?: string): RangeError {
  return new RangeError(message(fn, arg, expected, got, hint));
}

function message(fn: string, arg: string, expected: string, got: unknown, hint: string | undefined): string {
  const text = `${fn}: ${arg} must be ${expected}, got ${describe(got)}`;
  return hint === undefined ? text : `${text}: ${hint}`;
}

/**
 * Checks an options bag: `undefined`, or an object whose every key is in
 * `known` (inherited enumerable keys included: they would be read too).
 * Returns whether options were given. The unknown key is named with the
 * known ones, and the nearest one when it looks like a misspelling.
 */
export function checkOptionKeys(
  fn: string,
  options: unknown,
  known: readonly string[],
  arg = "options",
): options is Record<string, unknown> {
  if (options === undefined) return false;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw typeError(fn, arg, "an object", options);
  }
  for (const k in options) {
    if (!known.includes(k)) throw unknownKey(fn, arg, k, known);
  }
  return true;
}

/** As `checkOptionKeys`, for an options bag that must be given (`listen({ port })`). */
export function checkRequiredOptions(
  fn: string,
  options: unknown,
  known: readonly string[],
  arg = "options",
): asserts options is Record<string, unknown> {
  if (options === undefined) throw typeError(fn, arg, "an object", options);
  checkOptionKeys(fn, options, known, arg);
}

function unknownKey(fn: string, arg: string, key: string, known: readonly string[]): TypeError {
  const list = known.length === 0 ? "none" : known.join(", ");
  const near = nearest(key, known);
  const guess = near === null ? "" : ` (did you mean ${near}?)`;
  return new TypeError(`${fn}: unknown option ${JSON.stringify(key)} in ${arg}${guess}; known options: ${list}`);
}

/** The known key within 2 edits of `key` (a misspelling), or null. */
function nearest(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

/** Levenshtein distance, adjacent swaps counting one (`nmae` is one edit from `name`). */
function editDistance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const up = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
      row.push(v);
    }
    d.push(row);
  }
  return (d[a.length] as number[])[b.length] as number;
}

/**
 * Checks that `v` is one of `choices`' own keys and returns its value.
 * Own keys only: `"constructor"`, `"__proto__"` or `"toString"` are refused,
 * not looked up on Object.prototype.
 */
export function checkChoice<V>(fn: string, arg: string, v: unknown, choices: Readonly<Record<string, V>>): V {
  if (typeof v === "string" && Object.hasOwn(choices, v)) return choices[v] as V;
  const expected = `one of ${Object.keys(choices)
    .map((k) => JSON.stringify(k))
    .join(", ")}`;
  throw typeof v === "string" ? rangeError(fn, arg, expected, v) : typeError(fn, arg, expected, v);
}

/** Checks a function argument. */
export function checkFunction<F extends (...args: never[]) => unknown>(fn: string, arg: string, v: unknown): F {
  if (typeof v !== "function") throw typeError(fn, arg, "a function", v);
  return v as F;
}

/**
 * Checks a `body` argument that must be a function returning an operation
 * (withLock, withPermit): a generator or a promise passed in its place gets
 * the advice to wrap it.
 */
export function checkBody(fn: string, v: unknown, arg = "body"): void {
  if (typeof v === "function") return;
  const hint = isThenable(v)
    ? "use call(() => promise) inside a function* body"
    : typeof v === "object" && v !== null && Symbol.iterator in v
      ? "pass a function that returns it: () => op"
      : undefined;
  throw typeError(fn, arg, "a function returning an operation", v, hint);
}

/** Checks a boolean argument. */
export function checkBoolean(fn: string, arg: string, v: unknown): boolean {
  if (typeof v !== "boolean") throw typeError(fn, arg, "a boolean", v);
  return v;
}

/** Checks a string argument (`nonEmpty`: "" is refused as well, with a RangeError). */
export function checkString(fn: string, arg: string, v: unknown, nonEmpty = false): string {
  if (typeof v !== "string") throw typeError(fn, arg, nonEmpty ? "a non-empty string" : "a string", v);
  if (nonEmpty && v === "") throw rangeError(fn, arg, "a non-empty string", v);
  return v;
}

/**
 * Checks an integer argument in [min, max]. A non-number is a TypeError; a
 * fraction, NaN or a number out of range is a RangeError.
 */
export function checkInteger(
  fn: string,
  arg: string,
  v: unknown,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof v === "number" && Number.isInteger(v) && v >= min && v <= max) return v;
  const expected =
    max !== Number.MAX_SAFE_INTEGER
      ? `an integer in ${min}..${max}`
      : min === Number.MIN_SAFE_INTEGER
        ? "an integer"
        : `an integer >= ${min}`;
  throw typeof v === "number" ? rangeError(fn, arg, expected, v) : typeError(fn, arg, expected, v);
}

/**
 * Checks a duration in milliseconds: a number >= 0; `Infinity` is accepted
 * and means "never" (a sleep until killed, no timeout). NaN and negative
 * numbers are RangeErrors, anything not a number a TypeError.
 */
export function checkDuration(fn: string, v: unknown, arg = "ms"): number {
  if (typeof v === "number" && v >= 0) return v; // NaN fails `v >= 0`
  const expected = "a number >= 0 (Infinity for never)";
  throw typeof v === "number" ? rangeError(fn, arg, expected, v) : typeError(fn, arg, expected, v);
}

/** Checks a port: an integer in 0..65535. */
export function checkPort(fn: string, v: unknown, arg = "port"): number {
  return checkInteger(fn, arg, v, 0, 65535);
}

const OPERATION = "an operation (a generator or an object with [Symbol.iterator])";

/** What to do instead of passing `got` where an operation (or a tasklet body) was expected, if we can tell. */
export function operationHint(got: unknown): string | undefined {
  if (isThenable(got)) return "use call(() => promise) to wait for a promise in a tasklet";
  if (typeof got === "function") {
    const tag = (got as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
    if (tag === "GeneratorFunction") return "call the generator function to get its operation: f(), not f";
    if (tag === "AsyncFunction") return "wait for an async function with call(() => f())";
  }
  return undefined;
}

/**
 * Checks an argument that must be an operation, as `timeout(ms, op)`'s:
 * a promise gets the advice to use `call`, a generator function the advice
 * to call it.
 */
export function checkOperation<T>(fn: string, arg: string, v: T): T {
  if (
    typeof v === "object" &&
    v !== null &&
    typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function" &&
    !Array.isArray(v)
  ) {
    return v;
  }
  throw typeError(fn, arg, OPERATION, v, operationHint(v));
}
