// Connectors across broker restarts on the standalone hosts: the server is SIGKILLed while the
// HTTP sink has batches in flight and started again on the same data directory; the connector is
// restarted and paused/resumed meanwhile. Nothing is lost, and every batch sent again carries the
// key of its first send (the alarm, the pending batch and the group's offsets are all on disk).
// A webhook source's delivery ids survive the restart too: a redelivery after it is dropped.
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver, type Receiver } from "../../bench/lib/sink-receiver.ts";
import { admin, checkAtLeastOnce, until } from "./connectors-support.ts";
import { RUNTIMES, startServer, type ServerProcess } from "./hosts-support.ts";

const ENV = { EDGEBROKER_CONNECT_LOOPBACK: "1" };

describe.each(RUNTIMES)("connectors across restarts on %s", (runtime) => {
  let dataDir = "";
  let server: ServerProcess | undefined;
  let receiver: Receiver | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), `edgebroker-connect-${runtime}-`));
  });
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("loses nothing when the broker is killed mid-delivery; resends keep their keys", async () => {
    receiver = await startReceiver();
    receiver.script("/slow", () => ({ status: 200, delayMs: 100 }));
    server = await startServer(runtime, { dataDir, env: ENV });
    let api = admin(server.url);
    await api.topic("r", 3);
    for (let i = 0; i < 6; i++)
      await api.produce(
        "r",
        Array.from({ length: 100 }, (_, j) => ({ key: `k${j % 11}`, value: { n: i * 100 + j } })),
      );
    await api.connector("durable", {
      "connector.class": "http-sink",
      topics: "r",
      "http.url": `${receiver.url}/slow`,
      "batch.max.records": 20,
      "batch.linger.ms": 0,
    });
    await until(async () => receiver!.received.length >= 4, "the first batches");
    await server.kill();
    const before = receiver.received.length;

    server = await startServer(runtime, { dataDir, env: ENV });
    api = admin(server.url);
    await api.produce(
      "r",
      Array.from({ length: 90 }, (_, j) => ({ key: `k${j % 11}`, value: { n: 600 + j } })),
    );
    await until(async () => receiver!.received.length >= before + 3, "deliveries after the restart");
    expect((await api.call("POST", "/v1/connectors/durable/restart")).status).toBe(204);
    expect((await api.call("PUT", "/v1/connectors/durable/pause")).status).toBe(202);
    expect((await api.call("PUT", "/v1/connectors/durable/resume")).status).toBe(202);
    await until(async () => {
      const s = await api.status("durable");
      return s.lag.total === 0 && s.lag.partitions.every((p: any) => !p.pending && p.committed === p.high_watermark);
    }, "the sink to catch up");

    const expected = new Map<string, unknown>();
    for (const p of [0, 1, 2]) for (const r of await api.records("r", p)) expected.set(`${p}/${r.offset}`, r.value);
    expect(expected.size).toBe(690);
    checkAtLeastOnce(receiver.received, expected);
  });

  it("keeps a webhook source's delivery ids across a restart", async () => {
    const api0 = admin(server!.url);
    await api0.topic("hooks", 1);
    await api0.connector("gh", { "connector.class": "webhook-source", topic: "hooks", "webhook.secret": "s" });
    const body = JSON.stringify({ zen: "keep it logically awesome" });
    const headers = {
      "content-type": "application/json",
      "x-github-delivery": "72d3162e",
      "x-hub-signature-256": `sha256=${createHmac("sha256", "s").update(body).digest("hex")}`,
    };
    const send = async (url: string) => (await fetch(`${url}/v1/connectors/gh/webhook`, { method: "POST", headers, body })).json();
    expect(await send(server!.url)).toEqual({ duplicate: false, partition: 0, offset: 0 });
    await server!.kill();
    server = await startServer(runtime, { dataDir, env: ENV });
    expect(await send(server.url)).toEqual({ duplicate: true, partition: 0, offset: 0 });
    expect(await admin(server.url).records("hooks", 0)).toHaveLength(1);
  });
});
