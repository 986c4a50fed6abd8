/**
 * TCP for the showcase, until the io layer's lands: Node's `net` wrapped for
 * tasklets with the same shape as `tasklet/io` (`listen`, `accept`,
 * `connect`, `readLine`, `send`, `close`), so the switch is one import.
 * Reads: 'data' events feed a channel (the socket pauses past HIGH_WATER
 * unread chunks); writes wait for 'drain' through call(). An open socket
 * counts in the runtime's holds, so tasklets blocked on it are no deadlock.
 */

import { createConnection, createServer, type Socket } from "node:net";
import { runtime } from "../../src/core/runtime.js";
import { type Channel, ClosedError, call, channel, type Operation } from "../../src/index.js";

/** Pause the socket when this many chunks wait to be read. */
const HIGH_WATER = 16;

export class TcpConn {
  private readonly inbox: Channel<string> = channel<string>(0);
  private rest = "";
  private lines: string[] = [];
  private next = 0;
  private open = true;

  constructor(private readonly socket: Socket) {
    const rt = runtime();
    rt.holds++;
    socket.setNoDelay(true);
    socket.on("data", (b: Buffer) => {
      this.inbox.sendAsync(b.toString("latin1"));
      if (this.inbox.balance > HIGH_WATER) socket.pause();
    });
    const end = (): void => {
      if (!this.open) return;
      this.open = false;
      rt.holds--;
      this.inbox.close();
    };
    socket.on("end", end);
    socket.on("close", end);
    socket.on("error", () => {});
  }

  /** The next line without its "\n"; throws ClosedError at the end of the stream. */
  *readLine(): Operation<string> {
    for (;;) {
      if (this.next < this.lines.length) return this.lines[this.next++] as string;
      const r = yield* this.inbox.recvOrDone();
      if (this.inbox.balance < HIGH_WATER / 2 && this.socket.isPaused()) this.socket.resume();
      if (r.done) throw new ClosedError("readLine: the peer closed the connection");
      const parts = (this.rest + r.value).split("\n");
      this.rest = parts.pop() as string;
      this.lines = parts;
      this.next = 0;
    }
  }

  /** Writes `text`, waiting while the socket's buffer is full. */
  *send(text: string): Operation<void> {
    if (!this.open) throw new ClosedError("send: the connection was closed");
    if (this.socket.write(text)) return;
    yield* call(
      (signal) =>
        new Promise<void>((resolve) => {
          const done = (): void => {
            this.socket.off("drain", done).off("close", done);
            signal.removeEventListener("abort", done);
            resolve();
          };
          this.socket.on("drain", done).on("close", done);
          signal.addEventListener("abort", done);
        }),
    );
  }

  close(): void {
    this.socket.end();
  }
}

export interface TcpServer {
  readonly address: { port: number };
  accept(): Operation<TcpConn>;
  close(): void;
}

export function* listen(options: { port: number; host: string; backlog?: number }): Operation<TcpServer> {
  const accepted = channel<Socket>(0);
  const server = createServer((s) => accepted.sendAsync(s));
  yield* call(
    () =>
      new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen({ port: options.port, host: options.host, backlog: options.backlog ?? 511 }, () => resolve());
      }),
  );
  const rt = runtime();
  rt.holds++;
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  let open = true;
  return {
    address: { port },
    *accept(): Operation<TcpConn> {
      const r = yield* accepted.recvOrDone();
      if (r.done) throw new ClosedError("accept: the server was closed");
      return new TcpConn(r.value);
    },
    close(): void {
      if (!open) return;
      open = false;
      server.close();
      accepted.close();
      rt.holds--;
    },
  };
}

export function* connect(options: { host: string; port: number }): Operation<TcpConn> {
  const socket = yield* call(
    () =>
      new Promise<Socket>((resolve, reject) => {
        const s = createConnection({ port: options.port, host: options.host });
        s.once("connect", () => {
          s.off("error", reject);
          resolve(s);
        });
        s.once("error", reject);
      }),
  );
  return new TcpConn(socket);
}
