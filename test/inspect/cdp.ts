// A headless Chromium driven over the DevTools protocol, with no dependency: the browser is
// started with --remote-debugging-port=0 and its WebSocket is spoken over node:http's
// upgrade (Node 20 has no WebSocket client; RFC 6455 framing, text frames only).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The Chromium binary (CHROMIUM, else chromium or chromium-browser on PATH), or why there is none. */
export function findChromium(): { path: string } | { reason: string } {
  const candidates = [process.env["CHROMIUM"], "chromium", "chromium-browser", "google-chrome"].filter(
    (c): c is string => c !== undefined && c !== "",
  );
  for (const c of candidates) {
    try {
      execFileSync(c, ["--version"], { stdio: "ignore", timeout: 20_000 });
      return { path: c };
    } catch {
      // not this one
    }
  }
  return { reason: `no Chromium found (tried ${candidates.join(", ")}): apt-get install chromium, or set CHROMIUM` };
}

/** A WebSocket client connection: send text, get each text message. */
class WebSocketClient {
  private buf = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  constructor(
    private readonly socket: Socket,
    head: Buffer,
    private readonly onMessage: (text: string) => void,
  ) {
    socket.on("data", (d: Buffer) => this.receive(d));
    if (head.length > 0) this.receive(head);
  }

  static connect(url: string, onMessage: (text: string) => void): Promise<WebSocketClient> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const req = request({
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        headers: {
          Connection: "Upgrade",
          Upgrade: "websocket",
          "Sec-WebSocket-Key": randomBytes(16).toString("base64"),
          "Sec-WebSocket-Version": "13",
        },
      });
      req.on("upgrade", (_res, socket, head) => resolve(new WebSocketClient(socket, head, onMessage)));
      req.on("response", (res) => reject(new Error(`no WebSocket upgrade: HTTP ${res.statusCode}`)));
      req.on("error", reject);
      req.end();
    });
  }

  send(text: string): void {
    const payload = Buffer.from(text);
    const n = payload.length;
    const head = n < 126 ? Buffer.alloc(2) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    head[0] = 0x81; // FIN, text
    if (n < 126) head[1] = 0x80 | n;
    else if (n < 65536) {
      head[1] = 0x80 | 126;
      head.writeUInt16BE(n, 2);
    } else {
      head[1] = 0x80 | 127;
      head.writeBigUInt64BE(BigInt(n), 2);
    }
    const mask = randomBytes(4);
    for (let i = 0; i < n; i++) payload[i] = (payload[i] as number) ^ (mask[i & 3] as number);
    this.socket.write(Buffer.concat([head, mask, payload]));
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      if (this.buf.length < 2) return;
      const b0 = this.buf[0] as number;
      const b1 = this.buf[1] as number;
      let len = b1 & 0x7f;
      let at = 2;
      if (len === 126) {
        if (this.buf.length < 4) return;
        len = this.buf.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return;
        len = Number(this.buf.readBigUInt64BE(2));
        at = 10;
      }
      if (this.buf.length < at + len) return;
      const payload = this.buf.subarray(at, at + len);
      this.buf = this.buf.subarray(at + len);
      const opcode = b0 & 0x0f;
      if (opcode === 0x8) {
        this.socket.end();
        return;
      }
      if (opcode !== 0x1 && opcode !== 0x0) continue; // pings and binary: not used by DevTools
      this.fragments.push(Buffer.from(payload));
      if ((b0 & 0x80) !== 0) {
        const text = Buffer.concat(this.fragments).toString("utf8");
        this.fragments = [];
        this.onMessage(text);
      }
    }
  }
}

/** A headless browser with one page, driven by DevTools commands. */
export class Browser {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private sessionId = "";

  private constructor(
    private readonly proc: ChildProcess,
    private readonly dir: string,
    private ws: WebSocketClient | null = null,
  ) {}

  static async launch(path: string, width = 1400, height = 1000): Promise<Browser> {
    const dir = mkdtempSync(join(tmpdir(), "tasklet-chromium-"));
    const proc = spawn(
      path,
      [
        "--headless",
        "--no-sandbox", // tests run as root in CI containers
        "--disable-gpu",
        "--no-first-run",
        "--remote-debugging-port=0",
        `--user-data-dir=${dir}`,
        `--window-size=${width},${height}`,
        "about:blank",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    const b = new Browser(proc, dir);
    const wsUrl = await new Promise<string>((resolve, reject) => {
      let err = "";
      const t = setTimeout(() => reject(new Error(`Chromium did not start in 30 s:\n${err}`)), 30_000);
      proc.stderr?.on("data", (d: Buffer) => {
        err += d.toString();
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
        if (m !== null) {
          clearTimeout(t);
          resolve(m[1] as string);
        }
      });
      proc.on("exit", (code) => {
        clearTimeout(t);
        reject(new Error(`Chromium exited (${code}):\n${err}`));
      });
    });
    b.ws = await WebSocketClient.connect(wsUrl, (text) => b.onMessage(text));
    const { targetId } = (await b.send("Target.createTarget", { url: "about:blank" })) as { targetId: string };
    const { sessionId } = (await b.send("Target.attachToTarget", { targetId, flatten: true })) as {
      sessionId: string;
    };
    b.sessionId = sessionId;
    await b.page("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: 1, mobile: false });
    return b;
  }

  private onMessage(text: string): void {
    const m = JSON.parse(text) as { id?: number; result?: unknown; error?: { message: string } };
    if (m.id === undefined) return; // events: not listened to
    const p = this.pending.get(m.id);
    if (p === undefined) return;
    this.pending.delete(m.id);
    if (m.error !== undefined) p.reject(new Error(`DevTools: ${m.error.message}`));
    else p.resolve(m.result);
  }

  /** A command to the browser (`sessionId` "" ) or to the page's session. */
  private send(method: string, params: object = {}, sessionId = ""): Promise<unknown> {
    const id = this.nextId++;
    const msg: Record<string, unknown> = { id, method, params };
    if (sessionId !== "") msg["sessionId"] = sessionId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws?.send(JSON.stringify(msg));
    });
  }

  /** A command to the page. */
  page(method: string, params: object = {}): Promise<unknown> {
    return this.send(method, params, this.sessionId);
  }

  async goto(url: string): Promise<void> {
    await this.page("Page.navigate", { url });
  }

  /** The value of `expression` evaluated in the page (JSON-serializable). */
  async evaluate<T>(expression: string): Promise<T> {
    const r = (await this.page("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true })) as {
      result: { value?: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (r.exceptionDetails !== undefined) {
      throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    }
    return r.result.value as T;
  }

  /** A PNG of the page as it shows. */
  async screenshot(): Promise<Buffer> {
    const r = (await this.page("Page.captureScreenshot", { format: "png" })) as { data: string };
    return Buffer.from(r.data, "base64");
  }

  async close(): Promise<void> {
    this.ws?.close();
    const exited = new Promise<void>((resolve) => {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) resolve();
      else this.proc.once("exit", () => resolve());
    });
    this.proc.kill("SIGTERM");
    await exited;
    // Its helper processes may still be writing the profile for a moment after it exited.
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}
