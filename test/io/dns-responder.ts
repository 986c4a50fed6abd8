/**
 * A tiny DNS responder for tests: a UDP socket that answers A, TXT and PTR
 * questions from a table, NXDOMAIN for names it does not know, and counts
 * the queries it got. Only what c-ares needs (RFC 1035 §4.1): one question,
 * answers that point back at it (0xc00c), no EDNS.
 */
import * as dgram from "node:dgram";

export interface Records {
  a?: Record<string, string>;
  txt?: Record<string, string>;
  ptr?: Record<string, string>;
}

export interface Question {
  id: number;
  name: string;
  type: number;
  /** The question section as it came, to echo back. */
  raw: Buffer;
}

const TYPE_A = 1;
const TYPE_PTR = 12;
const TYPE_TXT = 16;

/** Decodes the header id and the first question of a query. */
export function decodeQuery(msg: Buffer): Question {
  const id = msg.readUInt16BE(0);
  let off = 12;
  const labels: string[] = [];
  for (;;) {
    const len = msg[off] as number;
    off++;
    if (len === 0) break;
    labels.push(msg.toString("latin1", off, off + len));
    off += len;
  }
  const type = msg.readUInt16BE(off);
  return { id, name: labels.join(".").toLowerCase(), type, raw: msg.subarray(12, off + 4) };
}

/** Encodes a domain name as labels. */
export function encodeName(name: string): Buffer {
  const parts = name.split(".").filter((p) => p !== "");
  return Buffer.concat([
    ...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, "latin1")])),
    Buffer.from([0]),
  ]);
}

/** Encodes a response to `q` with answers of q's type (rdata each), or with `rcode` and none. */
export function encodeResponse(q: Question, rdatas: Buffer[], rcode = 0): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  header.writeUInt16BE(0x8180 | rcode, 2); // QR, RD, RA
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(rdatas.length, 6);
  const answers = rdatas.map((rdata) => {
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    rr.writeUInt16BE(q.type, 2);
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return Buffer.concat([header, q.raw, ...answers]);
}

export class DnsResponder {
  /** Queries received, by name. */
  readonly queries: string[] = [];
  /** When false, queries are counted and never answered. */
  answering = true;
  private constructor(
    private readonly socket: dgram.Socket,
    private readonly records: Records,
  ) {
    socket.on("message", (msg, rinfo) => this.answer(msg, rinfo));
  }

  /** Starts a responder on `address`:`port` (port 0: any free one). */
  static start(address: string, port: number, records: Records): Promise<DnsResponder> {
    const socket = dgram.createSocket("udp4");
    return new Promise((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(port, address, () => {
        socket.off("error", reject);
        resolve(new DnsResponder(socket, records));
      });
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  close(): void {
    this.socket.close();
  }

  private answer(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const q = decodeQuery(msg);
    this.queries.push(q.name);
    if (!this.answering) return;
    let rdatas: Buffer[] | null = null;
    const a = q.type === TYPE_A ? this.records.a?.[q.name] : undefined;
    const txt = q.type === TYPE_TXT ? this.records.txt?.[q.name] : undefined;
    const ptr = q.type === TYPE_PTR ? this.records.ptr?.[q.name] : undefined;
    if (a !== undefined) {
      rdatas = [Buffer.from(a.split(".").map(Number))];
    } else if (txt !== undefined) {
      const s = Buffer.from(txt, "utf8");
      rdatas = [Buffer.concat([Buffer.from([s.length]), s])];
    } else if (ptr !== undefined) {
      rdatas = [encodeName(ptr)];
    }
    const reply = rdatas === null ? encodeResponse(q, [], 3) : encodeResponse(q, rdatas);
    this.socket.send(reply, rinfo.port, rinfo.address);
  }
}
