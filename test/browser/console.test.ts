// The web console end to end in Chromium against the Worker in workerd: sign in, create a topic,
// produce, browse (JSON, binary, markup rendered as text), a live tail, lag falling while a
// consumer runs, and a narrow key whose forbidden action shows the broker's 403. Every step leaves
// a screenshot in artifacts/screenshots/, at desktop and phone sizes.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, DESKTOP, launchBrowser, PHONE, screenshot, startDevBroker, type DevBroker } from "./browser-support.ts";

let broker: DevBroker;
let browser: Browser;

beforeAll(async () => {
  [broker, browser] = await Promise.all([startDevBroker(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await broker?.stop();
});

async function openConsole(viewport: {
  width: number;
  height: number;
}): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems: string[] = [];
  // A CSP violation or a script error is a defect of the console, whatever the page then shows.
  page.on(
    "console",
    (m) => m.type() === "error" && !/the server responded with a status of 40[134]/.test(m.text()) && problems.push(m.text()),
  );
  page.on("pageerror", (e) => problems.push(String(e)));
  await page.goto(`${broker.url}/`);
  await page.waitForURL(/\/console\/$/);
  return { context, page, problems };
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel("API key or admin token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page
    .getByRole("heading", { name: "Topics" })
    .waitFor()
    .catch(async (err) => {
      await screenshot(page, "failed-sign-in");
      throw err;
    });
}

describe("the console on workerd", () => {
  it("is served from the Worker's static assets with a strict CSP and immutable hashed files", async () => {
    const html = await fetch(`${broker.url}/console/`);
    expect(html.status).toBe(200);
    expect(html.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(html.headers.get("cache-control")).toBe("no-cache");
    const csp = html.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe");
    const script = /src="\.\/(app-[A-Z0-9]{8}\.js)"/.exec(await html.text())![1];
    const js = await fetch(`${broker.url}/console/${script}`);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    for (const bad of ["/console/..%2Fwrangler.toml", "/console/.assetsignore", "/console/nothing.js"]) {
      expect((await fetch(broker.url + bad)).status, bad).toBe(404);
    }
    // The API still goes to the Worker, not the asset router.
    expect((await fetch(`${broker.url}/v1/topics`)).status).toBe(401);
  });

  it("signs in, creates a topic, produces, browses and tails", async () => {
    const { context, page, problems } = await openConsole(DESKTOP);
    await screenshot(page, "01-sign-in-desktop");
    await signIn(page, ADMIN_TOKEN);
    // The token is in the tab's session only: not in the URL, not in localStorage.
    expect(page.url()).not.toContain(ADMIN_TOKEN);
    expect(await page.evaluate(() => [sessionStorage.getItem("edgebroker.token"), localStorage.length])).toEqual([ADMIN_TOKEN, 0]);

    await page.getByText("Create a topic").click();
    const form = page.getByTestId("create-topic");
    await form.getByLabel("Name").fill("orders");
    await form.getByLabel("Partitions").fill("3");
    await form.getByRole("button", { name: "Create" }).click();
    await page.getByRole("heading", { name: "orders" }).waitFor();
    await expect.poll(() => page.getByTestId("partitions").locator("tbody tr").count()).toBe(3);
    // Config edit: retention.ms goes to the broker and comes back in the description.
    await page.getByRole("button", { name: "Edit config" }).click();
    await page.getByTestId("config-form").getByLabel("retention.ms", { exact: true }).fill("3600000");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByTestId("config").textContent()).toContain("retention.ms3600000 (1 h)");
    expect((await call<{ config: Record<string, number> }>(broker, "GET", "/v1/topics/orders")).config["retention.ms"]).toBe(3_600_000);
    await screenshot(page, "02-topic-desktop");

    await page.getByRole("link", { name: "Produce" }).click();
    const produce = page.getByTestId("produce");
    await produce.getByLabel("Key", { exact: true }).fill("customer-7");
    await produce.getByLabel("Partition").selectOption("1");
    await produce
      .getByLabel("Value", { exact: true })
      .fill('{"order": 1, "items": ["tea", "cake"], "note": "<img src=x onerror=alert(1)>"}');
    await produce.getByLabel(/Headers/).fill("source=console");
    await produce.getByRole("button", { name: "Produce" }).click();
    await expect.poll(() => page.getByTestId("produced").textContent()).toBe("Stored at partition 1, offset 0.");
    await screenshot(page, "03-produce-desktop");
    // A binary record beside it, produced through the API.
    await call(broker, "POST", "/v1/topics/orders/records", {
      records: [{ key: "bin", value_b64: Buffer.from([0, 1, 2, 0xfe, 0xff, 0x41, 0x42]).toString("base64"), partition: 1 }],
    });

    await page.getByRole("link", { name: "Records" }).click();
    const browse = page.getByTestId("browse");
    await browse.getByLabel("Partition", { exact: true }).selectOption("1");
    await browse.getByRole("button", { name: "Read" }).click();
    await expect.poll(() => page.getByTestId("record").count()).toBe(2);
    const first = page.locator('[data-testid="record"][data-offset="0"]');
    expect(await first.getByTestId("key").textContent()).toBe("customer-7");
    // Pretty-printed JSON, and the markup in it shown as text, never as an element.
    expect(await first.getByTestId("value").textContent()).toContain('"items": [\n    "tea"');
    expect(await first.getByTestId("value").textContent()).toContain("<img src=x onerror=alert(1)>");
    expect(await page.locator('[data-testid="record"] img').count()).toBe(0);
    expect(await first.textContent()).toContain("source=console");
    const binary = page.locator('[data-testid="record"][data-offset="1"]').getByTestId("binary");
    expect(await binary.textContent()).toContain("00 01 02 fe ff 41 42");
    await page.locator('[data-testid="record"][data-offset="1"]').getByRole("button", { name: "show base64" }).click();
    expect(await binary.textContent()).toBe("AAEC/v9BQg==");
    await browse.getByLabel("Key contains").fill("cust");
    await expect.poll(() => page.getByTestId("record").count()).toBe(1);
    await screenshot(page, "04-records-desktop");
    // By time: the first record at or after a moment, found by the offsets route.
    await browse.getByLabel("Key contains").fill("");
    await browse.getByLabel("From", { exact: true }).selectOption("timestamp");
    const produced = (
      await call<{ records: Array<{ timestamp: number }> }>(broker, "GET", "/v1/topics/orders/partitions/1/records?offset=1")
    ).records[0]!.timestamp;
    const local = new Date(produced - new Date(produced).getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    await browse.getByLabel("Time", { exact: true }).fill(local);
    await browse.getByRole("button", { name: "Read" }).click();
    await expect.poll(() => page.getByTestId("page-info").textContent()).toMatch(/^\d+ records? read from offset [01] /);
    // A key filter set before reading reads on past the first page until it finds matches.
    await call(broker, "POST", "/v1/topics/orders/records", {
      records: [
        ...Array.from({ length: 120 }, (_, i) => ({ key: `k${i}`, value: i, partition: 0 })),
        { key: "needle", value: "found", partition: 0 },
      ],
    });
    await browse.getByLabel("From", { exact: true }).selectOption("offset");
    await browse.getByLabel("Partition", { exact: true }).selectOption("0");
    await browse.getByLabel("Offset", { exact: true }).fill("0");
    await browse.getByLabel("Key contains").fill("needle");
    await browse.getByRole("button", { name: "Read" }).click();
    await expect
      .poll(() => page.getByTestId("page-info").textContent())
      .toBe("121 records read from offset 0, 1 with a key containing “needle” · high watermark 121");
    expect(await page.getByTestId("record").getByTestId("key").allTextContents()).toEqual(["needle"]);

    await page.getByRole("link", { name: "Live tail" }).click();
    await page.getByTestId("tail").waitFor({ state: "attached" });
    await page.getByLabel("Partition").selectOption("2");
    await expect.poll(() => page.getByTestId("tail-status").textContent()).toContain("live");
    // Records produced after the tail opened arrive over the SSE route read through fetch.
    await expect
      .poll(
        async () => {
          await call(broker, "POST", "/v1/topics/orders/records", { records: [{ key: "tail", value: { live: true }, partition: 2 }] });
          return page.getByTestId("tail").getByTestId("record").count();
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBeGreaterThan(0);
    await screenshot(page, "05-tail-desktop");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("shows a group's lag falling while a consumer runs", async () => {
    await call(broker, "POST", "/v1/topics", { name: "payments", partitions: 2 });
    await call(broker, "POST", "/v1/topics/payments/records", {
      records: Array.from({ length: 120 }, (_, i) => ({ key: `k${i}`, value: { n: i } })),
    });
    const joined = await call<{ member_id: string; member_epoch: number; assignment: Array<{ topic: string; partitions: number[] }> }>(
      broker,
      "POST",
      "/v1/groups/billing/members",
      { topics: ["payments"], auto_offset_reset: "earliest", session_timeout_ms: 60_000 },
    );
    const member = `/v1/groups/billing/members/${joined.member_id}`;
    let epoch = joined.member_epoch;
    const start = joined.assignment.flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition, offset: 0 })));
    await call(broker, "POST", `${member}/commit`, { member_epoch: epoch, offsets: start });

    const { context, page, problems } = await openConsole(DESKTOP);
    await signIn(page, ADMIN_TOKEN);
    await page.getByRole("link", { name: "Groups" }).click();
    await page.getByRole("link", { name: "billing" }).click();
    await expect.poll(() => page.getByTestId("total-lag").textContent(), { timeout: 20_000 }).toBe("120");
    expect(await page.getByTestId("members").locator("tbody tr").count()).toBe(1);

    // The consumer: poll, commit what it got, until the log is read.
    let consumed = 0;
    while (consumed < 120) {
      const got = await call<{ member_epoch: number; records: Array<{ topic: string; partition: number; offset: number }> }>(
        broker,
        "POST",
        `${member}/poll`,
        { member_epoch: epoch, max_records: 15, wait_ms: 1000 },
      );
      epoch = got.member_epoch;
      if (got.records.length === 0) continue;
      consumed += got.records.length;
      const next = new Map<string, { topic: string; partition: number; offset: number }>();
      for (const r of got.records) next.set(`${r.topic}/${r.partition}`, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
      await call(broker, "POST", `${member}/commit`, { member_epoch: epoch, offsets: [...next.values()] });
      if (consumed === 60) await screenshot(page, "06-lag-halfway-desktop");
    }
    await expect.poll(() => page.getByTestId("total-lag").textContent(), { timeout: 20_000 }).toBe("0");
    // The chart holds the samples from full lag to none.
    await page.getByTestId("lag-chart").locator("canvas").waitFor();
    await screenshot(page, "07-lag-desktop");
    await page.setViewportSize(PHONE);
    await expect
      .poll(() => page.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth"))
      .toBeLessThanOrEqual(0);
    await screenshot(page, "07-lag-phone");
    await call(broker, "DELETE", member);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("a narrow key sees the broker's 403 for what its grants do not allow", async () => {
    const { context, page, problems } = await openConsole(DESKTOP);
    await signIn(page, ADMIN_TOKEN);
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByText("Create an API key").click();
    const form = page.getByTestId("create-key");
    await form.getByLabel("Name").fill("reader");
    await form.getByLabel("operation").selectOption("consume");
    await form.getByLabel("resource").fill("topic:orders");
    await form.getByRole("button", { name: "Create key" }).click();
    const secret = (await page.getByTestId("secret").locator(".secret").textContent())!;
    expect(secret).toMatch(/^ebk_[0-9a-f]{16}_/);
    await screenshot(page, "08-keys-desktop");
    await page.getByRole("button", { name: "Sign out" }).click();

    await signIn(page, secret);
    // It sees only the topic its grant names.
    await expect.poll(() => page.getByTestId("topics").locator("tbody tr").allTextContents()).toEqual(["orders3"]);
    await page.getByRole("link", { name: "orders" }).click();
    await page.getByRole("button", { name: "Delete topic…" }).click();
    const dialog = page.getByTestId("confirm");
    await dialog.getByLabel("confirmation").fill("orders");
    await dialog.getByRole("button", { name: "Delete topic" }).click();
    const error = page.getByTestId("error");
    await error.waitFor();
    expect(await error.textContent()).toMatch(/^403 forbidden: .*admin.*orders/);
    await screenshot(page, "09-forbidden-desktop");
    await page.getByRole("link", { name: "API keys" }).click();
    await expect.poll(() => page.getByTestId("error").textContent()).toBe('403 forbidden: key "reader" may not admin *');
    await page.setViewportSize(PHONE);
    await screenshot(page, "09-forbidden-phone");
    // The topic is still there.
    expect((await call<{ topics: Array<{ name: string }> }>(broker, "GET", "/v1/topics")).topics.map((t) => t.name)).toContain("orders");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("reads well on a phone", async () => {
    const { context, page, problems } = await openConsole(PHONE);
    await screenshot(page, "10-sign-in-phone");
    await signIn(page, ADMIN_TOKEN);
    await screenshot(page, "11-topics-phone");
    await page.getByRole("link", { name: "orders" }).click();
    await page.getByTestId("partitions").waitFor();
    await screenshot(page, "12-topic-phone");
    await page.getByRole("link", { name: "Records" }).click();
    await page.getByTestId("browse").getByLabel("Partition").selectOption("1");
    await page.getByRole("button", { name: "Read" }).click();
    await page.getByTestId("record").first().waitFor();
    await screenshot(page, "13-records-phone");
    // Nothing wider than the screen but the tables, which scroll inside their own box.
    const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
    expect(overflow).toBeLessThanOrEqual(0);
    await page.getByRole("link", { name: "Streams" }).click();
    await page.getByText("Create a stream").click();
    await page.getByTestId("create-stream").getByLabel("Path").fill("chat/room-1");
    await page.getByTestId("create-stream").getByRole("button", { name: "Create" }).click();
    await page.getByRole("heading", { name: "chat/room-1" }).waitFor();
    await page.getByLabel("Append").fill('{"text": "hello"}');
    await page.getByRole("button", { name: "Append" }).click();
    await expect.poll(() => page.getByTestId("stream-body").textContent()).toContain("hello");
    await screenshot(page, "14-stream-phone");
    await page.getByRole("button", { name: "Delete stream…" }).click();
    const dialog = page.getByTestId("confirm").last();
    await expect.poll(() => dialog.getByRole("button", { name: "Delete stream" }).isDisabled()).toBe(true);
    await dialog.getByLabel("confirmation").fill("chat/room-1");
    await screenshot(page, "15-confirm-phone");
    await dialog.getByRole("button", { name: "Delete stream" }).click();
    await page.getByRole("heading", { name: "Durable Streams" }).waitFor();
    expect((await fetch(`${broker.url}/ds/chat/room-1`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(404);
    expect(problems).toEqual([]);
    await context.close();
  });
});
