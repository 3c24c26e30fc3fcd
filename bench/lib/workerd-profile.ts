// A CPU profile of one worker of a workerd process through its inspector (Miniflare's
// `inspectorPort`): the V8 profiler of that worker's isolate — Durable Objects of the same script
// run in it too — over whatever runs while `during` does.
import { writeFileSync } from "node:fs";
import { topFrames } from "./cpu-profile.ts";

export async function profileWorker(port: number, worker: string, during: () => Promise<unknown>, out: string): Promise<string[]> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/${worker}`);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let id = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  ws.onmessage = (e) => {
    const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) waiting.get(msg.id)?.(msg.result);
  };
  const call = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve) => {
      waiting.set(++id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: 200 });
  await call("Profiler.start");
  await during();
  const { profile } = (await call("Profiler.stop")) as { profile: unknown };
  ws.close();
  writeFileSync(out, JSON.stringify(profile));
  return topFrames(out, 40);
}
