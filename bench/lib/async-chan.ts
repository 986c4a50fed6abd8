/**
 * A minimal rendezvous channel for the async/await cases: `send` resolves when
 * a receiver took the value. What a hand-written program would use; the
 * async twin of tasklet's `channel()` in pingpong and skynet-chan.
 */
export class Chan<T> {
  private readonly receivers: ((v: T) => void)[] = [];
  private readonly senders: { v: T; done: () => void }[] = [];
  send(v: T): Promise<void> {
    const r = this.receivers.shift();
    if (r !== undefined) {
      r(v);
      return Promise.resolve();
    }
    return new Promise((done) => this.senders.push({ v, done }));
  }
  recv(): Promise<T> {
    const s = this.senders.shift();
    if (s !== undefined) {
      s.done();
      return Promise.resolve(s.v);
    }
    return new Promise((resolve) => this.receivers.push(resolve));
  }
}
