// A real TCP proxy between one process and its NATS server, that a test can cut or stall: the
// faults a submitter meets on a real network (a lost link, a link whose replies arrive late).
import { createServer, type Server, type Socket, connect as tcp } from "node:net";

export interface TcpProxy {
  /** The URL to give the client instead of the server's. */
  url: string;
  /** Drops every connection and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  /** Holds what the server sends (the client's sends still go through) until `resume()`. */
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port that forwards to `target` ("nats://host:port"). */
export async function startProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target.replace(/^nats:/, "http:"));
  const pairs = new Set<[Socket, Socket]>();
  let cut = false;
  let stalled = false;
  const server: Server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = tcp(Number(port), hostname);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream);
    if (stalled) upstream.pause();
    else upstream.pipe(client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port: mine } = server.address() as { port: number };
  return {
    url: `nats://127.0.0.1:${mine}`,
    cut() {
      cut = true;
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
    },
    restore() {
      cut = false;
    },
    stall() {
      stalled = true;
      for (const [, up] of pairs) {
        up.unpipe();
        up.pause();
      }
    },
    resume() {
      stalled = false;
      for (const [c, up] of pairs) {
        up.pipe(c);
        up.resume();
      }
    },
    close() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      return new Promise((r) => server.close(() => r()));
    },
  };
}
