// A Kafka client at the byte level for the protocol tests: raw request frames out, whole
// response frames back, so a test can check encodings independently of src/kafka's schemas.
import { connect, type Socket } from "node:net";
import { expect } from "vitest";
import { Reader } from "../../src/kafka/protocol/reader.ts";
import { Writer } from "../../src/kafka/protocol/writer.ts";
import { ADMIN } from "./support.ts";

/** A client that sends raw frames and collects whole response frames. */
export class RawClient {
  private readonly socket: Socket;
  private buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (d: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on("close", () => {
      this.closed = true;
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  static open(bootstrap: string): Promise<RawClient> {
    const [hostName, port] = bootstrap.split(":");
    return new Promise((resolve, reject) => {
      const s = connect(Number(port), hostName!, () => resolve(new RawClient(s)));
      s.once("error", reject);
    });
  }

  send(...frames: Uint8Array[]): void {
    this.socket.write(Buffer.concat(frames));
  }

  /** The next response frame (without its size), or undefined once the server closed. */
  async next(): Promise<Uint8Array | undefined> {
    for (;;) {
      if (this.buffer.length >= 4) {
        const size = this.buffer.readInt32BE(0);
        if (this.buffer.length >= 4 + size) {
          const frame = this.buffer.subarray(4, 4 + size);
          this.buffer = this.buffer.subarray(4 + size);
          return new Uint8Array(frame);
        }
      }
      if (this.closed) return undefined;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  end(): void {
    this.socket.destroy();
  }
}

export function request(apiKey: number, version: number, correlationId: number, body: (w: Writer) => void, flexible = false): Uint8Array {
  const w = new Writer();
  w.int32(0).int16(apiKey).int16(version).int32(correlationId).nullableString("raw-test");
  if (flexible) w.uvarint(0);
  body(w);
  w.patchInt32(0, w.offset - 4);
  return w.finish().slice();
}

/** SaslHandshake v1 + SaslAuthenticate v1 as the admin (or as `as`). */
export async function authenticate(c: RawClient, corr: number, as = ADMIN): Promise<void> {
  c.send(request(17, 1, corr, (w) => w.nullableString("PLAIN")));
  const hs = new Reader((await c.next())!);
  expect(hs.int32()).toBe(corr);
  expect(hs.int16()).toBe(0);
  const token = new TextEncoder().encode(`\u0000${as.user}\u0000${as.password}`);
  c.send(request(36, 1, corr + 1, (w) => w.nullableBytes(token)));
  const auth = new Reader((await c.next())!);
  expect(auth.int32()).toBe(corr + 1);
  expect(auth.int16()).toBe(0);
}
