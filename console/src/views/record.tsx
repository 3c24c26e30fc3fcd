// One record as text: offset, time, key, headers, and the value — JSON pretty-printed, or binary
// bytes as hex or base64. Preact renders every string as a text node, never as markup.
import { useState } from "preact/hooks";
import type { RecordView } from "../api.ts";
import { b64ToBytes, formatTime, hexDump, pretty } from "../format.ts";

function Binary({ b64, label }: { b64: string; label: string }) {
  const [mode, setMode] = useState<"hex" | "base64">("hex");
  const bytes = b64ToBytes(b64);
  return (
    <div>
      <small>
        {label}: {bytes.length} bytes, binary ·{" "}
        <button type="button" class="small outline" onClick={() => setMode(mode === "hex" ? "base64" : "hex")}>
          show {mode === "hex" ? "base64" : "hex"}
        </button>
      </small>
      <pre class="value" data-testid="binary">
        {mode === "hex" ? hexDump(bytes) : b64}
      </pre>
    </div>
  );
}

export function RecordItem({ r }: { r: RecordView }) {
  const headers = Object.entries(r.headers ?? {});
  const binHeaders = Object.entries(r.headers_b64 ?? {});
  return (
    <article class="record" data-testid="record" data-offset={r.offset}>
      <header>
        {r.partition !== undefined && (
          <span>
            partition <strong>{r.partition}</strong>
          </span>
        )}
        <span>
          offset <strong>{r.offset}</strong>
        </span>
        <span class="meta">{formatTime(r.timestamp)}</span>
        <span>
          key{" "}
          {r.key_b64 !== undefined ? (
            <code>b64:{r.key_b64}</code>
          ) : r.key === null || r.key === undefined ? (
            <em>null</em>
          ) : (
            <code data-testid="key">{r.key}</code>
          )}
        </span>
      </header>
      {(headers.length > 0 || binHeaders.length > 0) && (
        <small class="meta">
          headers:{" "}
          {headers.map(([k, v]) => (
            <code key={k}>
              {k}={v}{" "}
            </code>
          ))}
          {binHeaders.map(([k, v]) => (
            <code key={k}>
              {k}=b64:{v}{" "}
            </code>
          ))}
        </small>
      )}
      {r.value_b64 !== undefined ? (
        <Binary b64={r.value_b64} label="value" />
      ) : (
        <pre class="value" data-testid="value">
          {r.value === null ? "null" : pretty(r.value)}
        </pre>
      )}
    </article>
  );
}
