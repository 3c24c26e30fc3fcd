// The classic group's protocol choice (classic-protocols.ts), driven through GroupService as the
// group object serves it (test/core-support/classic-group-support.ts).
import { afterEach, describe, expect, it } from "vitest";
import { DELAY, harness, meta, joinReq, joined, firstJoin, removeStores } from "../../../test/core-support/classic-group-support.ts";
import type { ClassicJoinResult } from "./classic-types.ts";

afterEach(removeStores);

describe("classic group protocol: the protocol", () => {
  it("answers INCONSISTENT_GROUP_PROTOCOL to a member with no protocol in common, and picks the protocol most members prefer", async () => {
    const { s, advance } = harness();
    const only = (names: string[]) => ({ protocols: names.map((name) => ({ name, metadata: meta(["orders"]) })) });
    const a = firstJoin(s, only(["roundrobin", "range"]));
    const b = firstJoin(s, only(["range", "roundrobin"]));
    const c = firstJoin(s, only(["range"]));
    expect((s.kafkaJoin("g", joinReq("", only(["cooperative-sticky"]))) as ClassicJoinResult).error).toBe("INCONSISTENT_GROUP_PROTOCOL");
    expect((s.kafkaJoin("g", joinReq("x", only(["cooperative-sticky"]))) as ClassicJoinResult).error).toBe("INCONSISTENT_GROUP_PROTOCOL");
    advance(DELAY + 1);
    advance(DELAY + 1);
    const ja = await joined(a.join);
    expect(ja.protocolName).toBe("range");
    await joined(b.join);
    await joined(c.join);
  });
});
