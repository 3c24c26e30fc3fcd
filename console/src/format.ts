// Record bytes for display. Everything the console shows is rendered as text by Preact (never as
// HTML), so a record's content cannot inject markup; these only choose the text.
export function b64ToBytes(b64: string): Uint8Array {
  const raw = atob(b64);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

export function bytesToB64(bytes: Uint8Array): string {
  let raw = "";
  for (let i = 0; i < bytes.length; i += 0x8000) raw += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(raw);
}

/** A hex dump: 16 bytes a line, offset, hex, and printable ASCII. */
export function hexDump(bytes: Uint8Array, maxBytes = 4096): string {
  const lines: string[] = [];
  const n = Math.min(bytes.length, maxBytes);
  for (let i = 0; i < n; i += 16) {
    const row = bytes.subarray(i, Math.min(i + 16, n));
    const hex = [...row].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${i.toString(16).padStart(6, "0")}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (bytes.length > n) lines.push(`… ${bytes.length - n} more bytes`);
  return lines.join("\n");
}

export function pretty(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value, null, 2);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (v >= 1024 && u < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms < 0) return "—";
  return new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
}

export function formatDuration(ms: number): string {
  if (ms === -1) return "forever";
  const units: Array<[number, string]> = [
    [86_400_000, "d"],
    [3_600_000, "h"],
    [60_000, "min"],
    [1000, "s"],
  ];
  for (const [size, name] of units) if (ms >= size && ms % size === 0) return `${ms / size} ${name}`;
  return `${ms} ms`;
}

/** Stream path of a Durable Streams topic name (the inverse of the broker's mapping, streams/mapping.ts). */
export function streamPathOf(topic: string): string | undefined {
  if (!topic.startsWith("ds.")) return undefined;
  const decoder = new TextDecoder();
  return topic
    .slice(3)
    .split(".")
    .map((segment) => {
      const bytes: number[] = [];
      for (let i = 0; i < segment.length; i++) {
        if (segment[i] === "_") {
          bytes.push(parseInt(segment.slice(i + 1, i + 3), 16));
          i += 2;
        } else bytes.push(segment.charCodeAt(i));
      }
      return decoder.decode(new Uint8Array(bytes));
    })
    .join("/");
}
