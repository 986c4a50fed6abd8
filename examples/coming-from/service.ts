// A local HTTP service for the fetch examples of docs/coming-from.md: /fast answers at once,
// /slow after 5 s (or never, if the client gives up first). Not part of the comparison.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface Service {
  readonly url: string;
  close(): Promise<void>;
}

export function startService(): Promise<Service> {
  const server = createServer((req, res) => {
    const delay = req.url === "/slow" ? 5000 : 0;
    const timer = setTimeout(() => res.end(`${req.url?.slice(1)} answer`), delay);
    res.on("close", () => clearTimeout(timer));
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
