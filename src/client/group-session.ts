// A consumer group member over the broker's stateless group API (docs/consumer-groups.md). The
// broker assigns partitions, keeps positions and stores commits; this class joins, polls (a poll
// is also the heartbeat), commits, leaves, and repairs its membership when the broker says it is
// gone or stale: it joins again under the same member id, which restarts its partitions from the
// committed offsets, so committed progress is never skipped nor re-committed.
//
// The member joins with the broker's auto-commit off: the Consumer commits what it has yielded
// itself, before each poll and on close. A broker-side auto-commit at the next poll would also
// commit records that were fetched but never yielded (a loop that breaks mid-batch).
import { decodeRecord } from "./codec.ts";
import { EdgebrokerError, isRetriable } from "./errors.ts";
import { type HttpClient, seg } from "./http.ts";
import { backoffMs, sleep } from "./retry.ts";
import { fromKey, tpKey, type AssignmentListener, type ReadSettings, type RecordSource } from "./consumer-types.ts";
import type { ConsumerRecord, TopicPartitionOffset } from "./types.ts";

interface Membership {
  member_id: string;
  member_epoch: number;
  assignment: Array<{ topic: string; partitions: number[] }>;
}

interface PollAnswer extends Membership {
  records: Array<Record<string, unknown> & { topic: string; partition: number }>;
}

/** The broker no longer knows this incarnation: join again (same member id) and carry on. */
const REJOIN = new Set(["stale_epoch", "unknown_member", "group_not_found"]);

export interface GroupSettings extends ReadSettings {
  group: string;
  memberId: string | undefined;
  sessionTimeoutMs: number | undefined;
}

export class GroupSession implements RecordSource {
  private member: Membership | undefined;
  private owned = new Set<string>();
  private readonly seeks = new Map<string, TopicPartitionOffset>();
  private failures = 0;
  private readonly http: HttpClient;
  private readonly s: GroupSettings;
  private readonly listener: AssignmentListener;

  constructor(http: HttpClient, settings: GroupSettings, listener: AssignmentListener) {
    this.http = http;
    this.s = settings;
    this.listener = listener;
  }

  private get base(): string {
    return `/v1/groups/${seg(this.s.group)}/members`;
  }

  get memberId(): string | undefined {
    return this.member?.member_id ?? this.s.memberId;
  }

  /** The current membership (a transaction's offsets are committed as this member, KIP-447). */
  get membership(): { memberId: string; memberEpoch: number } | undefined {
    return this.member && { memberId: this.member.member_id, memberEpoch: this.member.member_epoch };
  }

  async fetch(signal: AbortSignal): Promise<ConsumerRecord[]> {
    for (;;) {
      try {
        if (!this.member) await this.join(signal);
        await this.applySeeks(signal);
        const answer = (
          await this.http.once<PollAnswer>("POST", `${this.base}/${seg(this.member!.member_id)}/poll`, {
            body: {
              member_epoch: this.member!.member_epoch,
              max_records: this.s.maxRecords,
              max_bytes: this.s.maxBytes,
              wait_ms: this.s.waitMs,
              isolation: this.s.isolation === "read_committed" ? this.s.isolation : undefined,
            },
            waitMs: this.s.waitMs,
            signal,
          })
        ).body;
        this.failures = 0;
        await this.update(answer);
        return answer.records.map((r) => decodeRecord(r, this.http.encoding, this.s.decode, r.topic, r.partition));
      } catch (err) {
        if (!(err instanceof EdgebrokerError) || signal.aborted) throw err;
        if (REJOIN.has(err.code)) {
          await this.lose();
          // A membership that is lost again right after each join (another process keeps taking
          // this member id) is reported rather than fought over forever.
          if (this.failures++ < this.http.retry.retries + 1) continue;
          throw err;
        }
        if (!isRetriable(err) || this.failures >= this.http.retry.retries) throw err;
        // A poll that failed in flight may have moved the member's positions past records that
        // never arrived; only a rejoin puts them back at the committed offsets. A 429 was refused
        // before anything happened.
        if (err.status !== 429) await this.lose();
        await sleep(backoffMs(this.failures++, this.http.retry, Math.random, err.retryAfterMs ?? 0), signal);
      }
    }
  }

  private async join(signal: AbortSignal): Promise<void> {
    const body = {
      topics: this.s.topics,
      auto_offset_reset: this.s.autoOffsetReset,
      auto_commit: false,
      session_timeout_ms: this.s.sessionTimeoutMs,
      member_id: this.memberId,
    };
    const joined = (await this.http.request<Membership>("POST", this.base, { body, signal })).body;
    this.member = joined;
    this.s.memberId = joined.member_id;
    await this.update(joined);
  }

  /** Forget the membership (it is stale); the partitions count as revoked until the rejoin. */
  private async lose(): Promise<void> {
    this.member = undefined;
    await this.setOwned(new Set());
  }

  private async update(m: Membership): Promise<void> {
    if (this.member) this.member.member_epoch = m.member_epoch;
    const owned = new Set<string>();
    for (const a of m.assignment) for (const p of a.partitions) owned.add(tpKey(a.topic, p));
    await this.setOwned(owned);
  }

  private async setOwned(next: Set<string>): Promise<void> {
    const revoked = [...this.owned].filter((k) => !next.has(k)).map(fromKey);
    const assigned = [...next].filter((k) => !this.owned.has(k)).map(fromKey);
    this.owned = next;
    if (revoked.length) await this.listener.revoked(revoked);
    if (assigned.length) await this.listener.assigned(assigned);
  }

  owns(topic: string, partition: number): boolean {
    return this.owned.has(tpKey(topic, partition));
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    if (!this.member)
      throw new EdgebrokerError(
        "unknown_member",
        "the consumer is not in its group right now (it is joining again); its partitions restart from the committed offsets",
        { retriable: false },
      );
    const body = {
      member_epoch: this.member.member_epoch,
      offsets: offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
    };
    try {
      await this.http.request("POST", `${this.base}/${seg(this.member.member_id)}/commit`, { body });
    } catch (err) {
      if (err instanceof EdgebrokerError && REJOIN.has(err.code)) await this.lose();
      throw err;
    }
  }

  seek(to: TopicPartitionOffset): void {
    this.seeks.set(tpKey(to.topic, to.partition), to);
  }

  /**
   * Seeks become the group's committed offsets (offsets/reset with force, which also restarts the
   * owner's position there). That route needs the `admin` grant on the group; a consumer key
   * without it can still seek forward: commit the offset, then rejoin to restart from it.
   */
  private async applySeeks(signal: AbortSignal): Promise<void> {
    if (this.seeks.size === 0) return;
    const offsets = [...this.seeks.values()];
    this.seeks.clear();
    try {
      await this.http.request("POST", `/v1/groups/${seg(this.s.group)}/offsets/reset`, { body: { offsets, force: true }, signal });
    } catch (err) {
      if (!(err instanceof EdgebrokerError) || err.code !== "forbidden") throw err;
      await this.commit(offsets);
      await this.lose();
      await this.join(signal);
    }
  }

  async close(): Promise<void> {
    const m = this.member;
    this.member = undefined;
    if (!m) return;
    try {
      await this.http.request("DELETE", `${this.base}/${seg(m.member_id)}`);
    } catch (err) {
      // Already gone (timed out, group deleted): leaving is done either way.
      if (!(err instanceof EdgebrokerError) || (err.code !== "unknown_member" && err.code !== "group_not_found")) throw err;
    } finally {
      await this.setOwned(new Set());
    }
  }
}
