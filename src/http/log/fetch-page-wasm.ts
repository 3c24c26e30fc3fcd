// A fetch page's common records rendered by the WebAssembly core (assembly/page.ts) rather than
// one by one in JS: the JS writers spend most of a page on per-record overhead (a short copy in
// JS costs ~31 ns; docs/benchmarks.md, "(d) catch-up fetch by format"). Each records section is
// copied into the module's memory once, the module appends the rendered records to an output
// region, and the region is copied into the page in one piece. The module leaves every record
// that is not common (headers, a key that is not plain ASCII, a value its validator cannot
// decide, anything malformed) to the JS writer through walkRecords (fetch-records.ts), so the
// page is byte for byte what JsonPageWriter or MsgpackPageWriter alone would write
// (fetch-page-wasm.test.ts compares them).
import type { LogCore, PageSection, PageStep } from "../../core/batch/log-core.ts";
import type { RecordsSection } from "../../core/batch/record-batch.ts";
import { JsonPageWriter } from "./fetch-body.ts";
import type { SectionRenderer } from "./fetch-records.ts";
import type { MsgpackPageWriter } from "./msgpack-page.ts";

const LOG_APPEND_TIME_FLAG = 0x08;
// Output room per section: what its records can take at most (assembly/page.ts: JSON twice the
// key and value bytes plus 128 and the opener per record, MessagePack once plus 80 and the
// opener), up to OUT_CAP; past it the module stops with AGAIN and the walk calls again after
// the copy.
const OUT_CAP = 4 << 20;

export class WasmPageRenderer implements SectionRenderer {
  pos = 0;
  index = 0;
  rendered = 0;
  afterLast = 0;
  private readonly json: boolean;
  private start = 0;
  private readonly section: PageSection = {
    at: 0,
    end: 0,
    out: 0,
    outEnd: 0,
    count: 0,
    baseOffset: 0,
    firstTimestamp: 0,
    maxTimestamp: 0,
    logAppendTime: false,
  };
  private readonly step: PageStep = { pos: 0, index: 0, rendered: 0, out: 0, afterLast: 0 };

  private readonly core: LogCore;
  private readonly page: JsonPageWriter | MsgpackPageWriter;

  constructor(core: LogCore, page: JsonPageWriter | MsgpackPageWriter) {
    this.core = core;
    this.page = page;
    this.json = page instanceof JsonPageWriter;
  }

  load({ h, src, start, end }: RecordsSection): void {
    const n = end - start;
    const records = Math.min(Math.max(h.recordCount, 0), n);
    const open = this.page.opener.length;
    const room = Math.min(this.json ? 2 * n + (128 + open) * records : n + (80 + open) * records, OUT_CAP) + 64;
    const s = this.section;
    this.core.loadSection(src, start, end, room, s);
    this.start = start;
    s.count = h.recordCount;
    s.baseOffset = h.baseOffset;
    s.firstTimestamp = h.firstTimestamp;
    s.maxTimestamp = h.maxTimestamp;
    s.logAppendTime = (h.attributes & LOG_APPEND_TIME_FLAG) !== 0;
  }

  render(pos: number, index: number, from: number, room: number): number {
    const s = this.section;
    const step = this.step;
    const page = this.page;
    const status = this.core.renderRecords(
      this.json,
      s,
      s.at + pos - this.start,
      index,
      from,
      Math.min(room, 0x7fffffff),
      page.records,
      step,
      page.opener,
    );
    if (step.rendered > 0) page.rendered(this.core.bytesAt(s.out, step.out), step.rendered);
    this.pos = step.pos - s.at + this.start;
    this.index = step.index;
    this.rendered = step.rendered;
    this.afterLast = step.afterLast;
    return status;
  }
}
