// The part of js-csp 1.0.1 that the benchmarks use (the package ships no types).
declare module "js-csp" {
  export interface Chan<T = unknown> {
    readonly closed: boolean;
    close(): void;
    /** A value that marks a process step; the runtime interprets it. */
    readonly __chan?: T;
  }
  export interface Instruction {
    readonly __instruction: true;
  }
  interface Csp {
    chan<T = unknown>(buffer?: number): Chan<T>;
    go<A extends unknown[]>(f: (...args: A) => Generator<unknown, unknown, unknown>, args?: A): Chan;
    take<T>(ch: Chan<T>): Instruction;
    put<T>(ch: Chan<T>, value: T): Instruction;
    sleep(ms: number): Instruction;
    putAsync<T>(ch: Chan<T>, value: T, callback?: () => void): void;
    takeAsync<T>(ch: Chan<T>, callback: (value: T) => void): void;
  }
  const csp: Csp;
  export default csp;
}
