// The record browser: a page of one partition from an offset, from a point in time (the offsets
// route finds the first offset at or after it), or the last N; an optional key filter over the
// pages read, and "next page" from next_offset.
import { useEffect, useState } from "preact/hooks";
import { api, enc, type FetchAnswer, type RecordView, type TopicDescription } from "../api.ts";
import { ErrorNote, PartitionSelect, useAction } from "../ui.tsx";
import { RecordItem } from "./record.tsx";

type Mode = "offset" | "timestamp" | "latest";
const PAGE = 50;
const MAX_SCAN = 5_000;

const matches = (r: RecordView, filter: string) => filter === "" || (r.key ?? "").includes(filter);

export function RecordBrowser({ topic, initialPartition }: { topic: TopicDescription; initialPartition: number }) {
  const [partition, setPartition] = useState(Math.min(initialPartition, topic.partitions.length - 1));
  const [mode, setMode] = useState<Mode>("offset");
  const [offset, setOffset] = useState(String(topic.partitions[partition]?.start_offset ?? 0));
  const [time, setTime] = useState("");
  const [keyFilter, setKeyFilter] = useState("");
  const [page, setPage] = useState<{ records: RecordView[]; next: number; hw: number; from: number; scanned: number; filter: string }>();
  const [run, error, busy] = useAction();
  const base = `/v1/topics/${enc(topic.name)}/partitions/${partition}`;

  // With a key filter, reads on until a page of matches (or the end, or MAX_SCAN records): the
  // broker has no key index, so the filter runs here over what was read.
  const fetchFrom = async (from: number) => {
    const records: RecordView[] = [];
    let next = from;
    let hw = from;
    let scanned = 0;
    for (;;) {
      const answer = await api<FetchAnswer>("GET", `${base}/records?offset=${next}&max_records=${PAGE}`);
      scanned += answer.records.length;
      records.push(...answer.records.filter((r) => matches(r, keyFilter)));
      next = answer.next_offset;
      hw = answer.high_watermark;
      if (keyFilter === "" || records.length >= PAGE || answer.records.length === 0 || next >= hw || scanned >= MAX_SCAN) break;
    }
    setPage({ records, next, hw, from, scanned, filter: keyFilter });
  };
  const read = (from: number) => run(() => fetchFrom(from));

  const start = async () => {
    if (mode === "offset") return read(Number(offset || 0));
    if (mode === "latest") {
      const p = topic.partitions[partition]!;
      return read(Math.max(p.start_offset, p.end_offset - PAGE));
    }
    await run(async () => {
      const ms = new Date(time).getTime();
      if (!Number.isFinite(ms)) throw new Error("choose a date and time");
      const found = await api<{ offset: number }>("GET", `${base}/offsets?timestamp=${ms}`);
      await fetchFrom(found.offset);
    });
  };

  useEffect(() => setPage(undefined), [partition]);
  const shown = (page?.records ?? []).filter((r) => matches(r, keyFilter));

  return (
    <section>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
        data-testid="browse"
      >
        <div class="row">
          <PartitionSelect partitions={topic.partitions} value={partition} onChange={(v) => setPartition(Number(v))} />
          <label class="fit">
            From
            <select name="mode" aria-label="From" value={mode} onChange={(e) => setMode(e.currentTarget.value as Mode)}>
              <option value="offset">offset</option>
              <option value="timestamp">time</option>
              <option value="latest">latest {PAGE}</option>
            </select>
          </label>
          {mode === "offset" && (
            <label>
              Offset
              <input name="offset" type="number" min="0" value={offset} onInput={(e) => setOffset(e.currentTarget.value)} />
            </label>
          )}
          {mode === "timestamp" && (
            <label>
              Time
              <input name="time" type="datetime-local" step="1" value={time} onInput={(e) => setTime(e.currentTarget.value)} />
            </label>
          )}
          <label>
            Key contains
            <input name="key" value={keyFilter} onInput={(e) => setKeyFilter(e.currentTarget.value)} placeholder="any key" />
          </label>
          <button type="submit" class="fit" aria-busy={busy}>
            Read
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
      {page && (
        <>
          <p data-testid="page-info">
            {page.scanned} records read from offset {page.from}
            {page.filter && `, ${page.records.length} with a key containing “${page.filter}”`} · high watermark {page.hw}
          </p>
          {shown.map((r) => (
            <RecordItem key={r.offset} r={r} />
          ))}
          {page.next < page.hw && (
            <button type="button" class="outline" onClick={() => void read(page.next)}>
              Next page (from {page.next})
            </button>
          )}
        </>
      )}
    </section>
  );
}
