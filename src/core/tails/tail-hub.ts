// Push delivery of a partition's records to WebSocket subscribers, portable: the host hands in its
// sockets through `TailSocket` (on Cloudflare, hibernatable WebSockets whose state lives in their
// serialized attachment, so an idle subscriber costs nothing and survives eviction).
//
// Server → client (JSON text frames):
//   {"type":"records","records":[<record as in the JSON fetch answer>...],"next_offset","high_watermark"}
//   {"type":"end","reason":"topic_deleted","next_offset"}             then close 1000
//   {"type":"end","reason":"credentials_revoked","message","next_offset"}  then close 4401
//   {"type":"error","error":{"code","message",...}}                   then close 4416 / 1011
// Client → server:
//   {"type":"ack","offset":N}    every record before N is processed (N = a next_offset received)
//
// Flow control is a credit window, as JetStream's max_ack_pending or HTTP/2's window: at most
// `window` records are sent and not yet acknowledged. While the window is full nothing is sent
// (the log itself is the buffer, so nothing piles up in memory) and delivery resumes on the ack.
// A subscriber whose window stays full for longer than `ackTimeoutMs` while new records arrive
// cannot keep up: it is closed with code 4008 and a reason naming the offset to resume from.
//
// A subscriber that authenticated with an API key keeps the key id (and its secret, in the
// socket's attachment — memory only, never storage) so that before records are pushed to it the
// key's object is asked again, at most every `credentialCheckMs`: a key revoked, or rotated past
// its grace period, ends the tail with the same end as the SSE tail (src/core/keys/credential-check.ts).
import { CREDENTIAL_CHECK_MS, REVOKED_END } from "../keys/credential-check.ts";
import type { Failure } from "../errors.ts";
import type { ReadRequest, ReadResult } from "../log/partition-types.ts";
import { batchesEnd, decodePage, type DecodedRecord } from "../batch/record-batch.ts";
import type { Isolation } from "../log/partition-types.ts";

export const TAIL_CLOSE = {
  /** The topic was deleted (or recreated): the stream is over. */
  end: 1000,
  /** The client sent something that is not an ack. */
  invalidMessage: 1008,
  internal: 1011,
  /** The API key the tail was opened with no longer opens (revoked, or rotated past its grace). */
  revoked: 4401,
  /** The subscriber did not acknowledge in time (flow control). */
  slow: 4008,
  /** The records the subscriber needs next were deleted (retention, delete-records). */
  offsetOutOfRange: 4416,
} as const;

/** How the Worker hands a tail's API key to the partition object (a client's own are removed). */
export const TAIL_KEY_HEADERS = { id: "edgebroker-tail-key-id", secret: "edgebroker-tail-key-secret" } as const;

export const DEFAULT_TAIL_WINDOW = 1_000;
export const DEFAULT_ACK_TIMEOUT_MS = 30_000;
const READ_MAX_BYTES = 1_048_576;

/** One subscriber's position; small plain data (it is a hibernatable socket's attachment). */
export interface TailState {
  topic: string;
  partition: number;
  epoch: number;
  /** The next offset to send. */
  next: number;
  /** Every offset before this one was acknowledged. */
  acked: number;
  /** Most records sent and not acknowledged. */
  window: number;
  ackTimeoutMs: number;
  /** When the window became full with records waiting, or null. */
  stalledSince: number | null;
  /** read_committed: only committed transactions' records, up to the last stable offset. */
  isolation?: Isolation;
  /** The API key the tail was opened with, and when it was last found to open (absent: admin). */
  credential?: TailCredential;
}

export interface TailCredential {
  key: string;
  secret: string;
  checkedAt: number;
}

export interface TailSocket {
  send(message: string): void;
  close(code: number, reason: string): void;
  state(): TailState | undefined;
  save(state: TailState): void;
}

export interface TailHubOptions {
  read(req: ReadRequest): Promise<ReadResult>;
  /** The subscribers currently connected (for hibernatable sockets: ctx.getWebSockets()). */
  sockets(): TailSocket[];
  /** Record → the JSON object clients get (the HTTP layer's view, injected to keep core portable). */
  render(record: DecodedRecord): Record<string, unknown>;
  /** Whether the key still opens (its object's check(): no quota charge). Absent: never asked. */
  checkCredential?(key: string, secret: string): Promise<boolean>;
  /** At most one check per subscriber per this many ms (default 30 s). */
  credentialCheckMs?: number;
  now?: () => number;
}

/** A close reason is at most 123 bytes of UTF-8. */
function reason(text: string): string {
  return text.length <= 123 ? text : text.slice(0, 120) + "...";
}

export class TailHub {
  private readonly options: TailHubOptions;
  private readonly now: () => number;
  /** Pumps run one at a time, so two of them never send the same records to a socket. */
  private chain: Promise<void> = Promise.resolve();

  constructor(options: TailHubOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** After a commit: every subscriber gets what it has room for. */
  pushAll(): Promise<void> {
    return this.serialize(() => this.pump(this.options.sockets()));
  }

  /** A new subscriber (its state already saved): the backlog, within its window. */
  subscribed(socket: TailSocket): Promise<void> {
    return this.serialize(() => this.pump([socket]));
  }

  /** A message from a subscriber: an ack frees window space and delivery resumes. */
  message(socket: TailSocket, text: string): Promise<void> {
    return this.serialize(async () => {
      const state = socket.state();
      if (!state) return;
      let offset: unknown;
      try {
        const msg = JSON.parse(text) as { type?: unknown; offset?: unknown };
        offset = msg.type === "ack" ? msg.offset : undefined;
      } catch {
        offset = undefined;
      }
      if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset > state.next) {
        socket.close(
          TAIL_CLOSE.invalidMessage,
          reason(`expected {"type":"ack","offset":N} with N at most ${state.next} (the next_offset sent)`),
        );
        return;
      }
      if (offset <= state.acked) return;
      socket.save({ ...state, acked: offset, stalledSince: null });
      await this.pump([socket]);
    });
  }

  /** The topic was deleted: every subscriber of that incarnation or older hears the end. */
  end(epoch: number): void {
    for (const socket of this.options.sockets()) {
      const state = socket.state();
      if (state && state.epoch <= epoch) this.finish(socket, state, fail404());
    }
  }

  private serialize(fn: () => Promise<void>): Promise<void> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async pump(all: TailSocket[]): Promise<void> {
    const sockets = await this.credentialed(all);
    // Subscribers at the same offset (the common case: all caught up) share one read and one
    // rendering: a commit costs one storage read per distinct position, not per subscriber.
    // Grouped by position and isolation level (both decide what one read returns).
    const byOffset = new Map<string, Array<{ socket: TailSocket; state: TailState; room: number }>>();
    for (const socket of sockets) {
      const state = socket.state();
      if (!state) continue;
      const room = state.window - (state.next - state.acked);
      const key = `${state.next}/${state.isolation ?? ""}`;
      const list = byOffset.get(key) ?? [];
      list.push({ socket, state, room });
      byOffset.set(key, list);
    }
    for (const subscribers of byOffset.values()) {
      const first = subscribers[0]!.state;
      const offset = first.next;
      const want = Math.max(1, ...subscribers.map((s) => s.room));
      const isolation = first.isolation === "read_committed" ? { isolation: first.isolation } : {};
      const read = await this.options.read({
        topic: first.topic,
        partition: first.partition,
        epoch: first.epoch,
        offset,
        maxRecords: want,
        maxBytes: READ_MAX_BYTES,
        waitMs: 0,
        ...isolation,
      });
      if (!read.ok) {
        for (const s of subscribers) this.finish(s.socket, s.state, read);
        continue;
      }
      const page = decodePage(read.batches, offset, Number.POSITIVE_INFINITY);
      const records: DecodedRecord[] = page.records;
      // Past what the read held with nothing to show (markers, aborted data left out), unless
      // decoding stopped at the decompression bound: the batches past it are read next time.
      const end = page.stopped ? page.next : Math.max(page.next, batchesEnd(read.batches, offset), read.nextOffset ?? offset);
      if (records.length === 0) {
        if (end > offset)
          for (const s of subscribers) s.socket.save({ ...s.state, next: end, acked: s.state.acked === offset ? end : s.state.acked });
        continue;
      }
      const rendered = records.map((r) => this.options.render(r));
      const messages = new Map<number, string>();
      for (const s of subscribers) {
        if (s.room <= 0) {
          this.stalled(s.socket, s.state);
          continue;
        }
        const count = Math.min(s.room, rendered.length);
        const nextOffset = count === records.length ? Math.max(end, records[count - 1]!.offset + 1) : records[count - 1]!.offset + 1;
        let message = messages.get(count);
        if (message === undefined) {
          message = JSON.stringify({
            type: "records",
            records: rendered.slice(0, count),
            next_offset: nextOffset,
            high_watermark: read.highWatermark,
          });
          messages.set(count, message);
        }
        try {
          s.socket.send(message);
        } catch {
          continue; // the socket is closing; its close handler cleans up
        }
        s.socket.save({ ...s.state, next: nextOffset, stalledSince: null });
      }
    }
  }

  /**
   * The sockets whose key still opens. Keys last checked longer than the interval ago are asked
   * again, once per distinct key and secret however many sockets share them; a key whose object
   * cannot be reached right now counts as open (the next push asks again).
   */
  private async credentialed(sockets: TailSocket[]): Promise<TailSocket[]> {
    const check = this.options.checkCredential;
    if (!check) return sockets;
    const now = this.now();
    const every = this.options.credentialCheckMs ?? CREDENTIAL_CHECK_MS;
    const due = new Map<string, Promise<boolean>>();
    const verdicts: Array<Promise<boolean> | true> = sockets.map((socket) => {
      const cred = socket.state()?.credential;
      if (!cred || now - cred.checkedAt < every) return true;
      const id = `${cred.key}\u0000${cred.secret}`;
      let verdict = due.get(id);
      if (!verdict) {
        verdict = check(cred.key, cred.secret).catch(() => true);
        due.set(id, verdict);
      }
      return verdict;
    });
    if (due.size === 0) return sockets;
    const open = await Promise.all(verdicts);
    const kept: TailSocket[] = [];
    sockets.forEach((socket, i) => {
      const state = socket.state();
      if (!state) return;
      if (open[i]) {
        if (state.credential && now - state.credential.checkedAt >= every)
          socket.save({ ...state, credential: { ...state.credential, checkedAt: now } });
        kept.push(socket);
        return;
      }
      try {
        socket.send(JSON.stringify({ type: "end", ...REVOKED_END, next_offset: state.next }));
        socket.close(TAIL_CLOSE.revoked, REVOKED_END.reason);
      } catch {
        // Already closing.
      }
    });
    return kept;
  }

  /** A full window with records waiting: start the clock, or drop the subscriber when it ran out. */
  private stalled(socket: TailSocket, state: TailState): void {
    const now = this.now();
    if (state.stalledSince === null) {
      socket.save({ ...state, stalledSince: now });
      return;
    }
    if (now - state.stalledSince <= state.ackTimeoutMs) return;
    socket.close(
      TAIL_CLOSE.slow,
      reason(
        `slow subscriber: ${state.next - state.acked} records unacknowledged for over ${state.ackTimeoutMs} ms; reconnect with offset=${state.acked}`,
      ),
    );
  }

  private finish(socket: TailSocket, state: TailState, failure: Failure): void {
    try {
      if (failure.error.code === "topic_not_found") {
        socket.send(JSON.stringify({ type: "end", reason: "topic_deleted", next_offset: state.next }));
        socket.close(TAIL_CLOSE.end, "topic_deleted");
      } else {
        socket.send(JSON.stringify({ type: "error", error: failure.error }));
        const code = failure.error.code === "offset_out_of_range" ? TAIL_CLOSE.offsetOutOfRange : TAIL_CLOSE.internal;
        socket.close(code, reason(`${failure.error.code}: reconnect with offset=earliest or a valid offset`));
      }
    } catch {
      // Already closing.
    }
  }
}

function fail404(): Failure {
  return { ok: false, error: { code: "topic_not_found", message: "the topic was deleted" } };
}
