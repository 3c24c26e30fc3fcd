// Server-Sent Events over fetch: a browser's EventSource cannot send an Authorization header, so
// the console reads the stream with fetch and parses it with eventsource-parser.
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { authHeaders, errorOf } from "./api.ts";

export async function streamEvents(path: string, signal: AbortSignal, onEvent: (e: EventSourceMessage) => void): Promise<void> {
  const res = await fetch(path, { headers: authHeaders({ accept: "text/event-stream" }), signal, cache: "no-store" });
  if (!res.ok) throw await errorOf(res);
  const parser = createParser({ onEvent });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    parser.feed(value);
  }
}
