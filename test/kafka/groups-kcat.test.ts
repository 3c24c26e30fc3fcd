// librdkafka's balanced consumer (kcat -G, Debian's kcat 1.7.1 / librdkafka 2.0.2) against the
// Node broker's Kafka listener: two members split the partitions (librdkafka's own range /
// roundrobin assignors run client-side), commit, and leave on SIGTERM; a static member
// (group.instance.id, KIP-345) restarted with the same instance id takes its place back without
// a rebalance and resumes from its committed offsets. Skipped when kcat is not installed
// (`apt-get install -y kcat`).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shares, startKafkaBroker, TOKEN, until, type KafkaBroker } from "./groups-support.ts";

const hasKcat = spawnSync("kcat", ["-V"]).status === 0;
let broker: KafkaBroker;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (hasKcat) broker = await startKafkaBroker();
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await broker?.stop();
});

interface Member {
  child: ChildProcess;
  lines: string[];
  /** SIGTERM: librdkafka commits and (unless static) leaves the group, then kcat exits. */
  stop(): Promise<void>;
}

function kcatMember(group: string, topic: string, extra: string[] = []): Member {
  const child = spawn(
    "kcat",
    [
      "-b",
      broker.kafka,
      "-X",
      "security.protocol=SASL_PLAINTEXT",
      "-X",
      "sasl.mechanisms=PLAIN",
      "-X",
      "sasl.username=admin",
      "-X",
      `sasl.password=${TOKEN}`,
      "-X",
      "auto.offset.reset=earliest",
      "-X",
      "session.timeout.ms=6000",
      "-X",
      "heartbeat.interval.ms=500",
      "-X",
      "auto.commit.interval.ms=200",
      ...extra,
      "-G",
      group,
      "-f",
      "%s\n",
      "-q",
      "-u",
      topic,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  children.push(child);
  const lines: string[] = [];
  let partial = "";
  child.stdout!.on("data", (d: Buffer) => {
    const parts = (partial + d.toString()).split("\n");
    partial = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    child,
    lines,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe.skipIf(!hasKcat)("kcat -G (librdkafka balanced consumer)", () => {
  // librdkafka's default assignors (range, roundrobin) and KIP-429's incremental cooperative-sticky,
  // whose revocations are extra rebalance rounds the broker runs like any other.
  it.each([
    { strategy: "range,roundrobin", protocol: /^range$/ },
    { strategy: "cooperative-sticky", protocol: /^cooperative-sticky$/ },
  ])("splits the partitions between two members ($strategy), commits, and leaves on shutdown", async ({ strategy, protocol }) => {
    const topic = `kcat-balanced-${strategy.replace(/\W/g, "")}`;
    const groupId = `kcat-group-${strategy.replace(/\W/g, "")}`;
    await broker.createTopic(topic, 4);
    const extra = ["-X", `partition.assignment.strategy=${strategy}`];
    const a = kcatMember(groupId, topic, extra);
    const b = kcatMember(groupId, topic, extra);
    const g = await until(async () => {
      const v = await broker.group(groupId);
      return v.state === "stable" && shares(v).join() === "2,2" && v;
    }, "two kcat members with two partitions each");
    expect(g.classic!.protocol).toMatch(protocol);
    await broker.produce(topic, values("r", 24));
    await until(async () => new Set([...a.lines, ...b.lines]).size === 24 || undefined, "all 24 records between the two members");
    // Both members consumed: the partitions were really split.
    expect(a.lines.length).toBeGreaterThan(0);
    expect(b.lines.length).toBeGreaterThan(0);
    await until(async () => (await broker.group(groupId)).offsets.reduce((n, o) => n + o.offset, 0) === 24, "24 offsets committed");
    await a.stop();
    await until(async () => shares(await broker.group(groupId)).join() === "4", "the remaining member owning all partitions");
    await b.stop();
    const after = await broker.group(groupId);
    expect(after.members).toEqual([]);
    expect(after.offsets.every((o) => o.lag === 0)).toBe(true);
  });

  it("static membership: a restarted instance rejoins at the same generation and resumes from its committed offsets", async () => {
    await broker.createTopic("kcat-static", 2);
    await broker.produce("kcat-static", values("before", 6));
    const first = kcatMember("kcat-static-group", "kcat-static", ["-X", "group.instance.id=edge-1"]);
    await until(async () => first.lines.length === 6 || undefined, "the first 6 records");
    await until(
      async () => (await broker.group("kcat-static-group")).offsets.reduce((n, o) => n + o.offset, 0) === 6,
      "6 offsets committed",
    );
    const stable = await broker.group("kcat-static-group");
    expect(stable.members.map((m) => m.group_instance_id)).toEqual(["edge-1"]);
    // A static member does not leave on shutdown: it stays in the group until its session ends.
    await first.stop();
    expect((await broker.group("kcat-static-group")).members.map((m) => m.group_instance_id)).toEqual(["edge-1"]);
    await broker.produce("kcat-static", values("after", 3));
    const second = kcatMember("kcat-static-group", "kcat-static", ["-X", "group.instance.id=edge-1"]);
    await until(async () => second.lines.length === 3 || undefined, "the 3 new records");
    expect(second.lines.sort()).toEqual(
      values("after", 3)
        .map((v) => JSON.stringify(v))
        .sort(),
    );
    const back = await broker.group("kcat-static-group");
    expect(back.classic!.generation_id).toBe(stable.classic!.generation_id);
    expect(back.members).toHaveLength(1);
    expect(back.members[0]!.member_id).not.toBe(stable.members[0]!.member_id);
    await second.stop();
  });
});
