// The live tail: the partition's SSE route (…/partitions/{p}/events) read through fetch
// streaming, newest first, keeping the last 200 records on screen.
import { useEffect, useState } from "preact/hooks";
import type { RecordView, TopicDescription } from "../api.ts";
import { enc } from "../api.ts";
import { streamEvents } from "../sse.ts";
import { ErrorNote, PartitionSelect } from "../ui.tsx";
import { RecordItem } from "./record.tsx";

const KEEP = 200;

export function LiveTail({ topic }: { topic: TopicDescription }) {
  const [partition, setPartition] = useState(0);
  const [from, setFrom] = useState<"latest" | "earliest">("latest");
  const [running, setRunning] = useState(true);
  const [records, setRecords] = useState<RecordView[]>([]);
  const [status, setStatus] = useState("connecting");
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    if (!running) return;
    const ctl = new AbortController();
    setRecords([]);
    setError(undefined);
    setStatus("connecting");
    const path = `/v1/topics/${enc(topic.name)}/partitions/${partition}/events?offset=${from}`;
    streamEvents(path, ctl.signal, (e) => {
      if (e.event === "record") {
        const r = JSON.parse(e.data) as RecordView;
        setRecords((old) => [r, ...old].slice(0, KEEP));
      } else if (e.event === "end") {
        setStatus(`ended: ${(JSON.parse(e.data) as { reason: string }).reason}`);
      } else if (e.event === "error") {
        setError(new Error((JSON.parse(e.data) as { error: { message: string } }).error.message));
      }
    }).then(
      () => setStatus((s) => (s.startsWith("ended") ? s : "closed by the broker")),
      (err) => {
        if (ctl.signal.aborted) return;
        setError(err);
        setStatus("stopped");
      },
    );
    setStatus("live");
    return () => ctl.abort();
  }, [topic.name, partition, from, running]);

  return (
    <section>
      <div class="row">
        <PartitionSelect partitions={topic.partitions} value={partition} onChange={(v) => setPartition(Number(v))} />
        <label class="fit">
          From
          <select name="from" aria-label="From" value={from} onChange={(e) => setFrom(e.currentTarget.value as "latest" | "earliest")}>
            <option value="latest">now on</option>
            <option value="earliest">the beginning</option>
          </select>
        </label>
        <button type="button" class="fit outline" onClick={() => setRunning(!running)}>
          {running ? "Pause" : "Resume"}
        </button>
      </div>
      <p data-testid="tail-status">
        {running ? status : "paused"} · {records.length} record{records.length === 1 ? "" : "s"} shown
      </p>
      <ErrorNote error={error} />
      <div class="tail" data-testid="tail">
        {records.map((r) => (
          <RecordItem key={r.offset} r={r} />
        ))}
      </div>
    </section>
  );
}
