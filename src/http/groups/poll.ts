// One poll of a group member, shared by the poll route (POST .../poll, one answer) and the member's
// SSE tail (GET .../events, a loop of polls): heartbeat, subscription refresh, waiting while
// nothing is assigned, the fan-out fetch, and the compare-and-set `advance` that decides which
// records the member may be given.
import type { Context } from "hono";
import { unwrap } from "../../core/errors.ts";
import { allows } from "../../core/keys/grants.ts";
import { partitionKey } from "../../core/groups/assignors.ts";
import type { MemberTail, Membership, TopicMap } from "../../core/groups/types.ts";
import type { Isolation } from "../../core/log/partition-types.ts";
import type { AppDeps } from "../deps.ts";
import { fetchAssigned, shareBudget, type PartitionError } from "./fetch.ts";
import { type SubscriptionResolver, sameTopics } from "./topics.ts";
import type { PollSlice } from "./poll-page.ts";
import { principalOf, requireGrant } from "../auth/principal.ts";
import type { TopicCache } from "../topics/topic-cache.ts";

/** How often a poll with nothing assigned asks again while it may wait (partitions being released). */
const UNASSIGNED_RECHECK_MS = 250;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface PollRequest {
  memberEpoch: number;
  maxRecords: number;
  maxBytes: number;
  waitMs: number;
  isolation?: Isolation;
  /** Set by the member's SSE tail (MemberTail): it claims the member on its first poll, and is fenced once a newer tail did. */
  tail?: MemberTail;
}

/** The first `count` records of a partition's read (poll-page.ts renders them). */
export type Delivered = PollSlice;

export interface PollOutcome {
  membership: Membership;
  /** Records the coordinator let this member have, per partition, in offset order. */
  delivered: Delivered[];
  /** Assigned partitions that could not be served this round (corrupt_log), by name; the others were. */
  partitionErrors: PartitionError[];
}

export class GroupPoller {
  private readonly deps: AppDeps;
  private readonly topics: TopicCache;
  private readonly resolver: SubscriptionResolver;
  private readonly now: () => number;

  constructor(deps: AppDeps, topics: TopicCache, resolver: SubscriptionResolver) {
    this.deps = deps;
    this.topics = topics;
    this.resolver = resolver;
    this.now = deps.now ?? Date.now;
  }

  /**
   * `rewind`: "topic/partition" → the offset to deliver next, applied before reading where the
   * member owns the partition and the offset is not past its current position (an SSE tail resumed
   * with Last-Event-ID: what was written after the client's last event may never have reached it).
   */
  async poll(c: Context, group: string, memberId: string, req: PollRequest, rewind?: Map<string, number>): Promise<PollOutcome> {
    const coordinator = this.deps.group(group);
    const deadline = this.now() + req.waitMs;
    const tail = req.tail?.id;
    const beat = async (epoch: number, waitMs: number, claim = false): Promise<Membership> =>
      unwrap<Membership>(
        await coordinator.heartbeat(group, {
          memberId,
          memberEpoch: epoch,
          waitMs,
          ...(tail === undefined ? {} : { tail: { id: tail, ...(claim ? { claim } : {}) } }),
        }),
      );
    let m = await this.refreshTopics(c, group, await beat(req.memberEpoch, req.waitMs, req.tail?.claim), req.waitMs);
    // Nothing to read yet (partitions still being released by their previous owners, or more
    // members than partitions): wait within the poll's budget, asking again, instead of
    // answering empty at once — a poll with wait_ms never turns into a busy loop.
    while (m.fetch.length === 0 && this.now() + UNASSIGNED_RECHECK_MS <= deadline) {
      await sleep(UNASSIGNED_RECHECK_MS);
      m = await beat(m.memberEpoch, Math.max(0, deadline - this.now()));
    }
    for (const t of new Set(m.fetch.map((f) => f.topic))) requireGrant(c, "consume", `topic:${t}`);
    if (rewind && rewind.size > 0) m = await this.rewind(group, m, rewind, tail);
    const fetched = await fetchAssigned(this.deps, this.topics, m.fetch, m.reset, {
      maxRecords: req.maxRecords,
      maxBytes: req.maxBytes,
      waitMs: Math.max(0, deadline - this.now()),
      isolation: req.isolation,
    });
    const counts = shareBudget(fetched, req.maxRecords);
    const moves = fetched
      .map((f, i) => {
        const taken = counts[i]!;
        // Every record read was taken: move past the whole read (markers, left-out aborted data).
        // Some records left for the next poll: continue after the last one taken (or where this
        // read started, when the budget gave this partition none).
        const next = taken === f.page.count ? Math.max(f.end, f.offset) : taken > 0 ? f.page.offsetAt(taken - 1) + 1 : f.offset;
        return { f, taken, next };
      })
      .filter((x) => !x.f.error && (x.f.from === null || x.next !== x.f.from));
    let accepted: boolean[] = [];
    if (moves.length > 0) {
      accepted = unwrap(
        await coordinator.advance(group, {
          memberId,
          memberEpoch: m.memberEpoch,
          moves: moves.map((x) => ({ topic: x.f.topic, partition: x.f.partition, from: x.f.from, next: x.next })),
          ...(tail === undefined ? {} : { tail }),
        }),
      ).accepted;
    }
    // Records go out only where the coordinator moved the position: a partition that changed
    // owner while we were reading is not delivered to its old owner.
    const delivered: Delivered[] = [];
    moves.forEach((x, i) => {
      if (accepted[i] && x.taken > 0) delivered.push({ topic: x.f.topic, partition: x.f.partition, page: x.f.page, count: x.taken });
    });
    const partitionErrors = fetched.flatMap((f) => (f.error ? [f.error] : []));
    return { membership: m, delivered, partitionErrors };
  }

  /** Moves positions back to where a resumed client really is (never forward: a reset or another commit wins). */
  private async rewind(group: string, m: Membership, rewind: Map<string, number>, tail: string | undefined): Promise<Membership> {
    const moves = m.fetch
      .map((f) => ({ f, next: rewind.get(partitionKey(f.topic, f.partition)) }))
      .filter((x): x is { f: typeof x.f; next: number } => x.next !== undefined && (x.f.start === null || x.next < x.f.start));
    rewind.clear(); // once per resume
    if (moves.length === 0) return m;
    const { accepted } = unwrap(
      await this.deps.group(group).advance(group, {
        memberId: m.memberId,
        memberEpoch: m.memberEpoch,
        moves: moves.map((x) => ({ topic: x.f.topic, partition: x.f.partition, from: x.f.start, next: x.next })),
        ...(tail === undefined ? {} : { tail }),
      }),
    );
    const moved = new Map(moves.filter((_, i) => accepted[i]).map((x) => [x.f, x.next]));
    return { ...m, fetch: m.fetch.map((f) => (moved.has(f) ? { ...f, start: moved.get(f)! } : f)) };
  }

  /** Re-resolves the member's subscription when this Worker's view differs from the coordinator's. */
  private async refreshTopics(c: Context, group: string, m: Membership, waitMs: number): Promise<Membership> {
    const opts = { strict: false, allowed: consumable(c) };
    let view: TopicMap = await this.resolver.resolve(m.subscription, { ...opts, fresh: false });
    if (sameTopics(view, m.resolved)) return m;
    view = await this.resolver.resolve(m.subscription, { ...opts, fresh: true });
    if (sameTopics(view, m.resolved)) return m;
    return unwrap<Membership>(
      await this.deps.group(group).updateTopics(group, { memberId: m.memberId, memberEpoch: m.memberEpoch, waitMs, resolved: view }),
    );
  }
}

/** The topics the caller may consume (what a pattern subscription may match). */
export function consumable(c: Context): (topic: string) => boolean {
  const p = principalOf(c);
  return (topic: string) => p.kind === "admin" || allows(p.grants, "consume", `topic:${topic}`);
}
