// The produce form: one record with a key, a value (JSON, text, or base64 bytes), headers and an
// optional partition (otherwise the broker's keyed partitioner picks it, as Kafka's would).
import { useState } from "preact/hooks";
import { api, enc, type TopicDescription } from "../api.ts";
import { bytesToB64 } from "../format.ts";
import { ErrorNote, PartitionSelect, useAction } from "../ui.tsx";

type Kind = "json" | "text" | "base64";

function parseHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const at = line.indexOf("=");
    if (at <= 0) throw new Error(`header line "${line}": expected name=value`);
    out[line.slice(0, at).trim()] = line.slice(at + 1);
  }
  return out;
}

export function ProduceForm({ topic }: { topic: TopicDescription }) {
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const [kind, setKind] = useState<Kind>("json");
  const [headers, setHeaders] = useState("");
  const [partition, setPartition] = useState("");
  const [result, setResult] = useState<string>();
  const [run, error, busy] = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    setResult(undefined);
    void run(async () => {
      const record: Record<string, unknown> = { key: key === "" ? null : key };
      if (kind === "json") {
        try {
          record.value = JSON.parse(value);
        } catch {
          throw new Error("the value is not valid JSON (choose “text” to send it as plain text)");
        }
      } else if (kind === "text") record.value_b64 = bytesToB64(new TextEncoder().encode(value));
      else record.value_b64 = value.replace(/\s+/g, "");
      const h = parseHeaders(headers);
      if (Object.keys(h).length > 0) record.headers = h;
      if (partition !== "") record.partition = Number(partition);
      const answer = await api<{ offsets: Array<{ partition: number; offset: number }> }>("POST", `/v1/topics/${enc(topic.name)}/records`, {
        records: [record],
      });
      const at = answer.offsets[0]!;
      setResult(`Stored at partition ${at.partition}, offset ${at.offset}.`);
    });
  };
  return (
    <form onSubmit={submit} data-testid="produce">
      <div class="row">
        <label>
          Key
          <input name="key" value={key} onInput={(e) => setKey(e.currentTarget.value)} placeholder="none" />
        </label>
        <PartitionSelect partitions={topic.partitions} value={partition} onChange={setPartition} byKey />
        <label class="fit">
          Value is
          <select name="kind" aria-label="Value is" value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind)}>
            <option value="json">JSON</option>
            <option value="text">text</option>
            <option value="base64">base64 bytes</option>
          </select>
        </label>
      </div>
      <label>
        Value
        <textarea name="value" rows={5} required value={value} onInput={(e) => setValue(e.currentTarget.value)} placeholder='{"id": 1}' />
      </label>
      <label>
        Headers <small>(one name=value a line)</small>
        <textarea name="headers" rows={2} value={headers} onInput={(e) => setHeaders(e.currentTarget.value)} />
      </label>
      <button type="submit" aria-busy={busy} disabled={busy}>
        Produce
      </button>
      {result && (
        <p class="ok" role="status" data-testid="produced">
          {result}
        </p>
      )}
      <ErrorNote error={error} />
    </form>
  );
}
