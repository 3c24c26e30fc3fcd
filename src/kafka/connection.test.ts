// The connection state machine with a fake dispatcher: framing across arbitrary chunking,
// responses in request order while requests are handled one at a time, limits and closes.
import { describe, expect, it } from "vitest";
import { KafkaConnection, type FrameDispatcher } from "./connection.ts";

function frame(payload: number[]): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setInt32(0, payload.length);
  out.set(payload, 4);
  return out;
}

function harness(dispatch: FrameDispatcher["dispatch"], limits = { maxFrameBytes: 64, maxQueued: 4, idleMs: 0 }) {
  const sent: number[][] = [];
  const closes: string[] = [];
  let pauses = 0;
  let resumes = 0;
  const conn = new KafkaConnection({ dispatch }, {
    send: (b) => sent.push([...b]),
    close: (r) => closes.push(r),
    pause: () => pauses++,
    resume: () => resumes++,
  }, limits);
  return { conn, sent, closes, pauses: () => pauses, resumes: () => resumes };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe("KafkaConnection", () => {
  it("cuts frames out of any chunking, byte by byte included", async () => {
    const seen: number[][] = [];
    const h = harness(async (f) => {
      seen.push([...f]);
      return { kind: "none" };
    });
    const bytes = new Uint8Array([...frame([1, 2, 3]), ...frame([]), ...frame([9])]);
    for (const b of bytes) h.conn.receive(new Uint8Array([b]));
    await settle();
    expect(seen).toEqual([[1, 2, 3], [], [9]]);
    expect(h.closes).toEqual([]);
  });

  it("answers pipelined requests in request order, one at a time", async () => {
    let active = 0;
    let maxActive = 0;
    const h = harness(async (f) => {
      active++;
      maxActive = Math.max(maxActive, active);
      // The first request takes longest; its answer must still come first.
      await new Promise((r) => setTimeout(r, f[0] === 1 ? 20 : 1));
      active--;
      return { kind: "response", frame: new Uint8Array([f[0]!]) };
    });
    h.conn.receive(new Uint8Array([...frame([1]), ...frame([2]), ...frame([3])]));
    await new Promise((r) => setTimeout(r, 60));
    expect(h.sent).toEqual([[1], [2], [3]]);
    expect(maxActive).toBe(1);
  });

  it("closes on a frame over the size limit without buffering it, and on a negative size", () => {
    const big = harness(async () => ({ kind: "none" }));
    const head = new Uint8Array(4);
    new DataView(head.buffer).setInt32(0, 65);
    big.conn.receive(head);
    expect(big.closes).toEqual(["frame of 65 bytes exceeds the limit of 64"]);
    big.conn.receive(frame([1]));
    expect(big.closes.length).toBe(1);

    const neg = harness(async () => ({ kind: "none" }));
    neg.conn.receive(new Uint8Array([0xff, 0xff, 0xff, 0xfe]));
    expect(neg.closes).toEqual(["negative frame size -2"]);
  });

  it("pauses the transport while too many requests wait, resumes when they drain", async () => {
    const h = harness(async (f) => ({ kind: "response", frame: new Uint8Array([f[0]!]) }));
    const many: number[] = [];
    for (let i = 0; i < 6; i++) many.push(...frame([i]));
    h.conn.receive(new Uint8Array(many));
    expect(h.pauses()).toBe(1);
    await settle();
    expect(h.sent.length).toBe(6);
    expect(h.resumes()).toBe(1);
  });

  it("a dispatcher's close or failure closes the connection and drops the queued requests", async () => {
    const seen: number[] = [];
    const h = harness(async (f) => {
      seen.push(f[0]!);
      if (f[0] === 2) throw new Error("boom");
      return { kind: "response", frame: new Uint8Array([f[0]!]) };
    });
    h.conn.receive(new Uint8Array([...frame([1]), ...frame([2]), ...frame([3])]));
    await settle();
    expect(seen).toEqual([1, 2]);
    expect(h.sent).toEqual([[1]]);
    expect(h.closes).toEqual(["dispatcher failed: boom"]);
  });

  it("closes after the answer when the dispatcher asks (failed SASL)", async () => {
    const h = harness(async () => ({ kind: "response", frame: new Uint8Array([7]), close: "bad password" }));
    h.conn.receive(new Uint8Array([...frame([1]), ...frame([2])]));
    await settle();
    expect(h.sent).toEqual([[7]]);
    expect(h.closes).toEqual(["bad password"]);
  });

  it("closes an idle connection, never one with a request in progress", async () => {
    let release!: () => void;
    const h = harness(async () => {
      await new Promise<void>((r) => (release = r));
      return { kind: "none" };
    }, { maxFrameBytes: 64, maxQueued: 4, idleMs: 5 });
    h.conn.receive(frame([1]));
    await new Promise((r) => setTimeout(r, 20));
    expect(h.closes).toEqual([]);
    release();
    await new Promise((r) => setTimeout(r, 20));
    expect(h.closes).toEqual(["idle for 5 ms"]);
  });
});
