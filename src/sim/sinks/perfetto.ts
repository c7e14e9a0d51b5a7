import { EventSelection, eventLabel, trackName, type EventFilter, type TraceArg, type TraceEvent, type TraceSink } from "../trace.js";
import { writeArg } from "./jsonl.js";
import { KINDS, Step, trackStep, type Kind, type TrackState } from "./kinds.js";
import { ByteWriter, utf8, type TextOutput } from "./writer.js";

/**
 * Microseconds with exactly three decimals, from integer nanoseconds: the file states every
 * timestamp to the nanosecond, and Perfetto's importer reads it back exactly (llround(ts·1000)).
 */
export function micros(t: number): string {
  const us = Math.floor(t / 1000);
  const ns = t - us * 1000;
  return `${us}${ns < 10 ? ".00" : ns < 100 ? ".0" : "."}${ns}`;
}

export interface PerfettoOptions {
  /** Which events to write (default: all). */
  readonly filter?: EventFilter;
}

/** A thread track (slices and instants) or a counter track, with what the sink tracks of it. */
interface Track extends TrackState {
  readonly pid: number;
  readonly tid: number;
}

/** One event on one track: the track and the event's JSON up to its name (labelled events) or its timestamp. */
interface Route {
  readonly track: Track;
  readonly head: Uint8Array;
}

/** What the sink has worked out about one event. */
interface Slot {
  readonly ev: TraceEvent;
  readonly kind: Kind;
  readonly skip: boolean;
  /**
   * Per argument, the bytes before its value: `,"args":{"name":` for the first one written,
   * `,"name":` for the others, null for the argument that names the track (it is the track's name).
   */
  readonly keys: readonly (Uint8Array | null)[];
  /** `}}` after arguments, `}` when there are none. */
  readonly tail: Uint8Array;
  /** `,"args":{"value":` for counters: the value argument's key. */
  readonly valueKey: Uint8Array;
  fixed: Route | undefined;
  readonly routes: Map<TraceArg, Route>;
}

const SEP = utf8(",\n");
const TS_KEY = utf8(`,"ts":`);
const CLOSE1 = utf8("}");
const CLOSE2 = utf8("}}");

/**
 * Chrome trace-event JSON ("JSON Object Format" of the Trace Event Format), the legacy format
 * ui.perfetto.dev and chrome://tracing open, streamed as it is recorded.
 *
 * Layout (docs/traces.md): each event group (`group` of the catalogue, by default the category)
 * is a process; each track in it (a CPU, an HPET timer, a GCE thread, a display path) is a
 * thread named by `process_name`/`thread_name` metadata the first time it appears, with sort
 * indexes in order of appearance; `begin`/`end` events are B/E slices titled by the event's
 * label, instants are `i` events (thread scope, the default), `counter` and `signal` events are
 * `C` counters, which Perfetto names "<name> <argument>": "<track> <value argument>". Ids are
 * assigned in order of first appearance, from one sequence for processes and threads (Perfetto
 * keys threads by tid alone), so the same run writes the same file. There is no
 * `displayTimeUnit`: older Perfetto importers took it for the unit of `ts`.
 *
 * Slices still open at `close` are ended at the close time; an end with no open slice on its
 * track (the sink was attached mid-slice) is dropped, so every B has its E.
 */
export class PerfettoSink implements TraceSink {
  private readonly out: ByteWriter;
  private readonly selection: EventSelection;
  private readonly slots: Slot[] = [];
  private readonly pids = new Map<string, number>();
  private readonly tracks = new Map<string, Track>();
  private readonly threads: Track[] = [];
  private ids = 0;
  private first = true;
  private lastT = 0;

  constructor(output: TextOutput, options: PerfettoOptions = {}) {
    this.out = new ByteWriter(output);
    this.selection = new EventSelection(options.filter);
    this.out.text(`{"traceEvents":[\n`);
  }

  /** Bytes held and not yet handed to the output (at most 64 KiB). */
  get buffered(): number {
    return this.out.buffered;
  }

  record(t: number, ev: TraceEvent, args: readonly TraceArg[]): void {
    const slot = this.slots[ev.id] ?? this.prepare(ev);
    if (slot.skip) return;
    const route = ev.track < 0 ? (slot.fixed ?? this.route(slot, undefined)) : (slot.routes.get(args[ev.track]!) ?? this.route(slot, args[ev.track]));
    const track = route.track;
    const w = this.out;
    this.lastT = t;
    const value = args[args.length - 1];
    const step = trackStep(slot.kind, track, value);
    if (step === Step.Skip) return;
    if (step === Step.Counter) {
      this.counter(route, slot, t, value);
      return;
    }
    this.separate();
    w.bytes(route.head);
    if (ev.label !== null) {
      w.jsonString(eventLabel(ev, args));
      w.bytes(TS_KEY);
    }
    w.micros(t);
    const keys = slot.keys;
    for (let i = 0; i < args.length; i++) {
      const key = keys[i];
      if (key === null) continue;
      w.bytes(key ?? utf8(`,"arg${i}":`));
      writeArg(w, args[i]!);
    }
    w.bytes(slot.tail);
  }

  close(end?: number): void {
    const t = end ?? this.lastT;
    for (const track of this.threads) {
      for (; track.depth > 0; track.depth--) this.meta(`{"ph":"E","pid":${track.pid},"tid":${track.tid},"ts":${micros(t)},"args":{"closed_at_end":1}}`);
    }
    this.out.text(`\n]}\n`);
    this.out.flush();
  }

  private counter(route: Route, slot: Slot, t: number, value: TraceArg | undefined): void {
    if (typeof value !== "number" && typeof value !== "bigint") return;
    const v = Number(value);
    if (!Number.isFinite(v)) return;
    const w = this.out;
    this.separate();
    w.bytes(route.head);
    w.micros(t);
    w.bytes(slot.valueKey);
    w.number(v);
    w.bytes(CLOSE2);
  }

  private separate(): void {
    if (this.first) this.first = false;
    else this.out.bytes(SEP);
  }

  private meta(json: string): void {
    this.separate();
    this.out.text(json);
  }

  private prepare(ev: TraceEvent): Slot {
    const written = ev.args.map((_, i) => i).filter((i) => i !== ev.track);
    const keys: (Uint8Array | null)[] = ev.args.map((a, i) => (i === ev.track ? null : utf8(`${i === written[0] ? `,"args":{` : ","}${JSON.stringify(a.name)}:`)));
    const value = ev.args[ev.args.length - 1]?.name ?? "value";
    const slot: Slot = {
      ev,
      kind: KINDS[ev.kind],
      skip: !this.selection.accepts(ev),
      keys,
      tail: written.length > 0 ? CLOSE2 : CLOSE1,
      valueKey: utf8(`,"args":{${JSON.stringify(value)}:`),
      fixed: undefined,
      routes: new Map(),
    };
    this.slots[ev.id] = slot;
    return slot;
  }

  /** Works out (once per event and track value) where the event goes, announcing new tracks. */
  private route(slot: Slot, value: TraceArg | undefined): Route {
    const ev = slot.ev;
    const pid = this.process(ev.group);
    const display = threadName(ev.group, trackName(ev, value));
    const cat = `"cat":${JSON.stringify(ev.category)}`;
    let route: Route;
    if (ev.kind === "counter" || ev.kind === "signal") {
      const track = this.track(`C\u0000${ev.group}\u0000${display}\u0000${ev.name}`, pid, false, display);
      route = { track, head: utf8(`{"ph":"C",${cat},"name":${JSON.stringify(display)},"pid":${pid},"ts":`) };
    } else {
      const track = this.track(`T\u0000${ev.group}\u0000${display}`, pid, true, display);
      const ids = `"pid":${pid},"tid":${track.tid}`;
      if (ev.kind === "end") route = { track, head: utf8(`{"ph":"E",${ids},"ts":`) };
      else {
        const ph = ev.kind === "begin" ? "B" : "i";
        const head = ev.label === null ? `{"ph":"${ph}",${cat},"name":${JSON.stringify(ev.name)},${ids},"ts":` : `{"ph":"${ph}",${cat},${ids},"name":`;
        route = { track, head: utf8(head) };
      }
    }
    if (value === undefined) slot.fixed = route;
    else slot.routes.set(value, route);
    return route;
  }

  private process(group: string): number {
    let pid = this.pids.get(group);
    if (pid === undefined) {
      pid = ++this.ids;
      this.pids.set(group, pid);
      this.meta(`{"ph":"M","name":"process_name","pid":${pid},"tid":${pid},"args":{"name":${JSON.stringify(group)}}}`);
      this.meta(`{"ph":"M","name":"process_sort_index","pid":${pid},"tid":${pid},"args":{"sort_index":${this.pids.size}}}`);
    }
    return pid;
  }

  private track(key: string, pid: number, isThread: boolean, display: string): Track {
    let track = this.tracks.get(key);
    if (track !== undefined) return track;
    let tid = pid;
    if (isThread) {
      tid = ++this.ids;
      this.meta(`{"ph":"M","name":"thread_name","pid":${pid},"tid":${tid},"args":{"name":${JSON.stringify(display)}}}`);
      this.meta(`{"ph":"M","name":"thread_sort_index","pid":${pid},"tid":${tid},"args":{"sort_index":${this.threads.length + 1}}}`);
    }
    track = { pid, tid, depth: 0, last: undefined };
    this.tracks.set(key, track);
    if (isThread) this.threads.push(track);
    return track;
  }
}

/** A track's name inside its group: `hpet.timer0` in group `hpet` is `timer0`. */
function threadName(group: string, track: string): string {
  return track.startsWith(`${group}.`) && track.length > group.length + 1 ? track.slice(group.length + 1) : track;
}
