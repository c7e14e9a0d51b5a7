import { EventSelection, type EventFilter, type TraceArg, type TraceEvent, type TraceSink } from "../trace.js";
import { ByteWriter, utf8, type TextOutput } from "./writer.js";

const QUOTE_0X = utf8(`"0x`);
const QUOTE = utf8(`"`);

/**
 * Appends an argument as JSON: numbers stay numbers (non-finite ones, which JSON cannot spell,
 * become `null`); 64-bit values become hex strings (JSON numbers lose bits past 2^53).
 */
export function writeArg(w: ByteWriter, value: TraceArg): void {
  if (typeof value === "number") w.number(value);
  else if (typeof value === "string") w.jsonString(value);
  else {
    w.bytes(QUOTE_0X);
    if (value < 0n) w.text(value.toString(16));
    else w.hex(value);
    w.bytes(QUOTE);
  }
}

/** `prefix"name":` for each argument of `ev`, as bytes ready to precede a value. */
function argKeys(ev: TraceEvent, prefix: string): Uint8Array[] {
  return ev.args.map((a) => utf8(`${prefix}${JSON.stringify(a.name)}:`));
}

export interface JsonLinesOptions {
  /** Which events to write (default: all). */
  readonly filter?: EventFilter;
}

const T_KEY = utf8(`{"t":`);
const END_LINE = utf8("}\n");

/** What the sink has worked out about one event: its fixed text, or null when filtered out. */
interface Slot {
  readonly head: Uint8Array;
  readonly keys: readonly Uint8Array[];
}

/**
 * One JSON object per line, for scripts (`jq`, pandas):
 * `{"t":1000,"cat":"hpet","ev":"hpet_ram_write","addr":16,"size":4,"val":"0x1"}`. Fields come in
 * a fixed order: `t` (virtual time in ns), `cat`, `ev`, then the event's arguments in declaration
 * order (docs/traces.md). Streams through a bounded buffer.
 */
export class JsonLinesSink implements TraceSink {
  private readonly out: ByteWriter;
  private readonly selection: EventSelection;
  private readonly slots: (Slot | null)[] = [];

  constructor(output: TextOutput, options: JsonLinesOptions = {}) {
    this.out = new ByteWriter(output);
    this.selection = new EventSelection(options.filter);
  }

  /** Bytes held and not yet handed to the output (at most 64 KiB). */
  get buffered(): number {
    return this.out.buffered;
  }

  record(t: number, ev: TraceEvent, args: readonly TraceArg[]): void {
    let slot = this.slots[ev.id];
    if (slot === undefined) slot = this.prepare(ev);
    if (slot === null) return;
    const w = this.out;
    w.bytes(T_KEY);
    w.uint(t);
    w.bytes(slot.head);
    const keys = slot.keys;
    for (let i = 0; i < args.length; i++) {
      w.bytes(keys[i] ?? utf8(`,"arg${i}":`));
      writeArg(w, args[i]!);
    }
    w.bytes(END_LINE);
  }

  close(): void {
    this.out.flush();
  }

  private prepare(ev: TraceEvent): Slot | null {
    const slot = this.selection.accepts(ev) ? { head: utf8(`,"cat":${JSON.stringify(ev.category)},"ev":${JSON.stringify(ev.name)}`), keys: argKeys(ev, ",") } : null;
    this.slots[ev.id] = slot;
    return slot;
  }
}
