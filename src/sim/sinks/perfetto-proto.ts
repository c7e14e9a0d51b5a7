import { EventSelection, eventLabel, trackName, type EventFilter, type TraceArg, type TraceEvent, type TraceSink } from "../trace.js";
import { CHUNK } from "./writer.js";
import { KINDS, Kind, Step, trackStep, type TrackState } from "./kinds.js";

/**
 * Field numbers and enum values of Perfetto's trace protos (github.com/google/perfetto,
 * protos/perfetto/trace/…). Every message is proto2; the wire format is that of
 * protobuf.dev/programming-guides/encoding: a tag `field << 3 | wire type`, varints little-endian
 * base 128, length-delimited fields prefixed by their byte length.
 */
const enum Wire {
  Varint = 0,
  Fixed64 = 1,
  Bytes = 2,
}

/** trace.proto `Trace`: `repeated TracePacket packet = 1`. */
const TRACE_PACKET = 1;

/** trace_packet.proto `TracePacket`. */
const enum Packet {
  Timestamp = 8,
  TrustedPacketSequenceId = 10,
  TrackEvent = 11,
  InternedData = 12,
  SequenceFlags = 13,
  TrackDescriptor = 60,
}

/** trace_packet.proto `TracePacket.SequenceFlags`. */
const SEQ_INCREMENTAL_STATE_CLEARED = 1;
const SEQ_NEEDS_INCREMENTAL_STATE = 2;

/** track_event/track_event.proto `TrackEvent`. */
const enum Event {
  CategoryIids = 3,
  DebugAnnotations = 4,
  Type = 9,
  NameIid = 10,
  TrackUuid = 11,
  Name = 23,
  CounterValue = 30,
  DoubleCounterValue = 44,
}

/** track_event/track_event.proto `TrackEvent.Type`. */
const enum EventType {
  SliceBegin = 1,
  SliceEnd = 2,
  Instant = 3,
  Counter = 4,
}

/**
 * track_event/track_descriptor.proto `TrackDescriptor`. `child_ordering` and `sibling_order_rank`
 * are later additions to that file (numbers as in its current form, e.g. the qnx-ports/perfetto
 * copy); docs/reference/synthetic-track-event.md, "Track sorting order", shows their use.
 */
const enum Descriptor {
  Uuid = 1,
  Name = 2,
  ParentUuid = 5,
  Counter = 8,
  ChildOrdering = 11,
  SiblingOrderRank = 12,
}

/** track_descriptor.proto `TrackDescriptor.ChildTracksOrdering.EXPLICIT`: children by `sibling_order_rank`. */
const CHILD_ORDERING_EXPLICIT = 3;

/** track_event/counter_descriptor.proto `CounterDescriptor.categories`. */
const COUNTER_CATEGORIES = 2;

/** interned_data/interned_data.proto `InternedData`. */
const enum Interned {
  EventCategories = 1,
  EventNames = 2,
  DebugAnnotationNames = 3,
}

/** `EventCategory`, `EventName` (track_event.proto) and `DebugAnnotationName` (debug_annotation.proto) share these. */
const INTERNED_IID = 1;
const INTERNED_NAME = 2;

/** track_event/debug_annotation.proto `DebugAnnotation`. */
const enum Annotation {
  NameIid = 1,
  UintValue = 3,
  IntValue = 4,
  DoubleValue = 5,
  StringValue = 6,
  /**
   * A uint64 kept apart "as the JSON output treats them differently"; trace_processor stores it
   * as a pointer (Variadic::Pointer) rather than an integer: the hex arguments.
   */
  PointerValue = 7,
}

function tag(field: number, wire: Wire): number {
  return field * 8 + wire;
}

/** The one packet sequence of the file: its interned names are valid from its first event packet on. */
const SEQUENCE_ID = 1;

/** `Trace.packet` tag, a length byte, `TracePacket.timestamp` tag. */
const PACKET_START = tag(TRACE_PACKET, Wire.Bytes) | (tag(Packet.Timestamp, Wire.Varint) << 16);
/** `TrackEvent.debug_annotations` tag, a length byte, `DebugAnnotation.name_iid` tag: the low three bytes of an annotation's start. */
const ANNOTATION_START = tag(Event.DebugAnnotations, Wire.Bytes) | (tag(Annotation.NameIid, Wire.Varint) << 16);
const COUNTER_VALUE_TAG = tag(Event.CounterValue, Wire.Varint);

/** Bytes an event packet takes at most besides its string arguments and pending interned data. */
const PACKET_MAX = 96;
/** Bytes one argument's annotation takes at most besides its string: tag, length, name, value. */
const ARG_MAX = 32;
/** Track values below this (CPUs, timers) index an array of routes. */
const INDEXED = 64;
/** Distinct labels interned per event; labels past it (`frame N` of a long run) are written inline. */
const LABEL_LIMIT = 1024;

const encoder = new TextEncoder();

// Bigint bounds, made once: a bigint literal expression allocates each time it is evaluated.
const UINT64_END = 1n << 64n;
const INT64_END = 1n << 63n;
const INT64_MIN = -(1n << 63n);

/** Where the sink writes: the bytes of the file, in chunks. */
export interface ByteOutput {
  /** The next chunk. The array is reused once the call returns: copy what you keep. */
  writeBytes(bytes: Uint8Array): void;
}

export interface PerfettoProtoOptions {
  /** Which events to write (default: all). */
  readonly filter?: EventFilter;
}

/**
 * Writes `n` (an integer in [0, 2^53)) as a varint at `pos`, low bits first; returns the position
 * after it. Past 28 bits (a timestamp past 0.27 s) the low four groups go first, unrolled, and
 * the rest fits 32-bit arithmetic: `%` on a double calls into the runtime (measured: the
 * timestamps cost more than the rest of the packet).
 */
function putVarint(buf: Uint8Array, pos: number, n: number): number {
  if (n > 0xfffffff) {
    const hi = Math.floor(n / 0x1000_0000);
    const lo = n - hi * 0x1000_0000;
    buf[pos] = (lo & 0x7f) | 0x80;
    buf[pos + 1] = ((lo >>> 7) & 0x7f) | 0x80;
    buf[pos + 2] = ((lo >>> 14) & 0x7f) | 0x80;
    buf[pos + 3] = (lo >>> 21) | 0x80;
    pos += 4;
    n = hi;
  }
  while (n > 0x7f) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos] = n;
  return pos + 1;
}

/** Writes a 64-bit value given as unsigned 32-bit halves as a varint (ten bytes for a negative int64). */
function putVarint64(buf: Uint8Array, pos: number, lo: number, hi: number): number {
  while (hi !== 0 || lo > 0x7f) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  buf[pos] = lo;
  return pos + 1;
}

/**
 * A protobuf encoder into one reused `CHUNK`-byte buffer. Messages are written with their length
 * unknown: `open` leaves one byte for it and `close` fills it in, moving the body up in the rare
 * case the length needs more than one byte. A packet is written whole between `reserve` and
 * `done`, so that its length bytes are still in the buffer when they are filled in; a packet
 * larger than the buffer gets a buffer of its own. The hot path writes through `buf`, `view`
 * and a local position and stores it back in `pos`: a byte stored through the object's fields
 * costs about twice as much (measured).
 */
class ProtoWriter {
  private readonly chunk = new Uint8Array(CHUNK);
  buf = this.chunk;
  view = new DataView(this.chunk.buffer);
  pos = 0;

  constructor(private readonly out: ByteOutput) {}

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) {
      this.buf = new Uint8Array(n);
      this.view = new DataView(this.buf.buffer);
    }
  }

  /** Ends a packet: hands over an oversized buffer and goes back to the chunk. */
  done(): void {
    if (this.buf === this.chunk) return;
    this.flush();
    this.buf = this.chunk;
    this.view = new DataView(this.chunk.buffer);
  }

  flush(): void {
    if (this.pos === 0) return;
    const bytes = this.buf.subarray(0, this.pos);
    this.pos = 0;
    this.out.writeBytes(bytes);
  }

  /**
   * Makes room for `need` more bytes in the packet being written from `start` to `pos`: hands
   * over what precedes it and moves it to the front, into a buffer of its own when it needs more
   * than the chunk. Returns how far it moved.
   */
  grow(start: number, pos: number, need: number): number {
    const len = pos - start;
    if (start > 0) this.out.writeBytes(this.buf.subarray(0, start));
    if (len + need > this.buf.length) {
      const big = new Uint8Array(len + need);
      big.set(this.buf.subarray(start, pos));
      this.buf = big;
      this.view = new DataView(big.buffer);
    } else this.buf.copyWithin(0, start, pos);
    return start;
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  varint(n: number): void {
    this.pos = putVarint(this.buf, this.pos, n);
  }

  /** A safe integer as an int64 varint: negatives in two's complement over 64 bits. */
  int64(n: number): void {
    if (n >= 0) this.pos = putVarint(this.buf, this.pos, n);
    else this.pos = putVarint64(this.buf, this.pos, n >>> 0, Math.floor(n / 0x1_0000_0000) >>> 0);
  }

  /** A bigint in [−2^63, 2^64) as a varint, negatives in two's complement. */
  bigVarint(v: bigint): void {
    // One conversion tells [0, 2^53) apart: rounding is monotonic and 2^53 − 1 is exact.
    const x = Number(v);
    if (x >= 0 && x <= Number.MAX_SAFE_INTEGER) this.varint(x);
    else {
      const u = BigInt.asUintN(64, v);
      this.pos = putVarint64(this.buf, this.pos, Number(u & 0xffff_ffffn), Number(u >> 32n));
    }
  }

  /** A double, little-endian (protobuf fixed64). */
  double(x: number): void {
    this.view.setFloat64(this.pos, x, true);
    this.pos += 8;
  }

  /** Starts a length-delimited field: writes its tag and leaves a byte for the length; returns where. */
  open(tagValue: number): number {
    this.varint(tagValue);
    return this.pos++;
  }

  /** Ends the field `open` started: fills in its length, moving the body if the length takes more than a byte. */
  close(at: number): void {
    this.pos = this.end(at, this.pos);
  }

  /** `close` for a field whose body ends at `pos`; returns where it ends now. */
  end(at: number, pos: number): number {
    const len = pos - at - 1;
    if (len < 0x80) {
      this.buf[at] = len;
      return pos;
    }
    let extra = 0;
    for (let n = len >>> 7; n > 0; n >>>= 7) extra++;
    this.buf.copyWithin(at + 1 + extra, at + 1, pos);
    putVarint(this.buf, at, len);
    return pos + extra;
  }

  /** A string field as UTF-8. */
  string(tagValue: number, s: string): void {
    const at = this.open(tagValue);
    const buf = this.buf;
    let pos = this.pos;
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        pos += encoder.encodeInto(s.slice(i), buf.subarray(pos)).written;
        break;
      }
      buf[pos++] = c;
    }
    this.pos = pos;
    this.close(at);
  }
}

/** Room a string needs at most as a field: UTF-8 takes up to three bytes per UTF-16 unit, plus tag and length. */
function stringRoom(s: string): number {
  return 3 * s.length + 8;
}

/** A track: its uuid, and what the sink keeps of it to mirror PerfettoSink. */
interface Track extends TrackState {
  readonly uuid: number;
}

/** A group's parent track and how many children it has ranked. */
interface Group {
  readonly uuid: number;
  children: number;
}

/** One event on one track: the track and the TrackEvent's first fields, ready to copy. */
interface Route {
  readonly track: Track;
  /** `type`, `track_uuid`, and for instants and slice begins `category_iids` and `name_iid` (when fixed). */
  readonly head: Uint8Array;
  /**
   * What follows the timestamp in a steady-state packet — sequence id and flags, the
   * `track_event` tag and length byte, the head — as four little-endian words, and its length
   * (0 when it does not fit 16 bytes; it does while uuids and iids are below 128).
   */
  readonly block: number;
  readonly word0: number;
  readonly word1: number;
  readonly word2: number;
  readonly word3: number;
}

/** Labels interned so far, keyed by the label's argument values one after the other. */
interface LabelNode {
  iid: number;
  readonly next: Map<TraceArg | undefined, LabelNode>;
}

/** What the sink has worked out about one event. */
interface Slot {
  readonly ev: TraceEvent;
  readonly kind: Kind;
  readonly skip: boolean;
  /** Per argument, its interned annotation name; 0 for the argument that names the track (it is the track). */
  readonly argIids: number[];
  /**
   * Per argument, the start of its annotation as a little-endian word — field tag, length byte,
   * `name_iid` tag and iid — with the tag of its value (when a 32-bit unsigned integer:
   * `pointer_value` when hex, else `int_value`) parked in the length byte until the length is
   * known; 0 to leave the argument out, -1 when the iid takes more than a byte (written the slow
   * way). One array, not two: in a running simulation these loads miss the cache (measured).
   */
  readonly argWords: number[];
  readonly hex: boolean[];
  readonly categoryIid: number;
  /** The event's name, or its label when that has no arguments; 0 when the label has some. */
  readonly nameIid: number;
  /** The argument indexes the label refers to, in order (none: the name is `nameIid`). */
  readonly labelArgs: readonly number[];
  readonly labels: LabelNode;
  labelCount: number;
  fixed: Route | undefined;
  readonly routes: Map<TraceArg, Route>;
  /** The routes of track values 0 to INDEXED − 1. */
  readonly indexed: (Route | undefined)[];
}

/** Bytes the interned entries not yet written take at most (0: none pending). */
interface Pending {
  room: number;
}

/** Interned strings of one kind (an `InternedData` field): iids from 1 up, and those not yet written. */
class InternTable {
  private readonly iids = new Map<string, number>();
  readonly entries: { iid: number; name: string }[] = [];

  constructor(
    readonly field: number,
    private readonly pending: Pending,
  ) {}

  /** The iid of `name`, interning it (to be written with the next packet) when new. */
  iid(name: string): number {
    let iid = this.iids.get(name);
    if (iid === undefined) {
      iid = this.iids.size + 1;
      this.iids.set(name, iid);
      this.entries.push({ iid, name });
      this.pending.room += stringRoom(name) + 16;
    }
    return iid;
  }
}

/**
 * Perfetto's native trace format, streamed as it is recorded: a `Trace` message
 * (protos/perfetto/trace/trace.proto), that is a run of `TracePacket`s each written as field 1,
 * which ui.perfetto.dev and trace_processor read directly. Files end in `.pftrace`.
 *
 * The layout is PerfettoSink's (docs/traces.md), with track descriptors for its metadata events:
 * each event group is a root track named by the group (`TrackDescriptor.name`), ordering its
 * children explicitly; each track of the group is a child (`parent_uuid`) named as PerfettoSink
 * names its thread, ranked in order of first appearance; each counter or signal is a child counter
 * track (`counter` set) named "<track> <value argument>", as Perfetto names a JSON counter.
 * Uuids count up from 1 in order of first appearance, so the same run writes the same bytes.
 * Descriptors are written just before the first event on their track.
 *
 * Events are `TrackEvent` packets on one packet sequence: slices begin and end, instants, and
 * counters with `counter_value` (`double_counter_value` when not an integer). Event names,
 * labels, categories and argument names are interned (`InternedData`) in the packet that first
 * uses them; the first event packet clears the sequence's incremental state and the others need
 * it. Arguments (but the one naming the track) are debug annotations: hex ones as
 * `pointer_value`, other integers as `int_value` (`uint_value` from 2^63), other numbers as
 * `double_value`, strings inline as `string_value`; ends carry their arguments too, instants and
 * begins their category. A steady-state event costs no allocation.
 *
 * As in PerfettoSink, a signal writes only its changes, an end with no open slice on its track is
 * dropped, and slices still open at `close` end at the close time with `closed_at_end` = 1.
 */
export class PerfettoProtoSink implements TraceSink {
  private readonly w: ProtoWriter;
  private readonly selection: EventSelection;
  private readonly slots: Slot[] = [];
  private readonly groups = new Map<string, Group>();
  private readonly tracks = new Map<string, Track>();
  private readonly sliceTracks: Track[] = [];
  private readonly pending: Pending = { room: 0 };
  private readonly names = new InternTable(Interned.EventNames, this.pending);
  private readonly argNames = new InternTable(Interned.DebugAnnotationNames, this.pending);
  private readonly categories = new InternTable(Interned.EventCategories, this.pending);
  /** Whether a packet cleared the sequence's incremental state yet (the first event packet does). */
  private cleared = false;
  /** Where `begin` left the track event's length byte. */
  private eventAt = 0;
  private uuids = 0;
  private lastT = 0;

  constructor(output: ByteOutput, options: PerfettoProtoOptions = {}) {
    this.w = new ProtoWriter(output);
    this.selection = new EventSelection(options.filter);
  }

  /** Bytes held and not yet handed to the output (at most 64 KiB). */
  get buffered(): number {
    return this.w.pos;
  }

  record(t: number, ev: TraceEvent, args: readonly TraceArg[]): void {
    const slot = this.slots[ev.id] ?? this.prepare(ev);
    if (slot.skip) return;
    let route = slot.fixed;
    if (ev.track >= 0) {
      const key = args[ev.track]!;
      // A small integer (a CPU, a timer) finds its route in an array, not the map (measured).
      route = (typeof key === "number" ? slot.indexed[key] : undefined) ?? slot.routes.get(key) ?? this.route(slot, key);
    } else route ??= this.route(slot, undefined);
    const track = route.track;
    this.lastT = t;
    const value = args[args.length - 1];
    const step = trackStep(slot.kind, track, value);
    if (step === Step.Skip) return;
    if (step === Step.Counter) {
      this.counter(route, t, value);
      return;
    }
    // Everything the packet refers to is interned before it starts, so that it carries it.
    let nameIid = 0;
    let inline: string | null = null;
    if (slot.labelArgs.length > 0) {
      nameIid = this.labelIid(slot, args);
      if (nameIid === 0) inline = eventLabel(ev, args);
    }
    const n = args.length;
    if (n > slot.argIids.length) this.extraArgs(slot, n);
    const w = this.w;
    w.reserve(PACKET_MAX + this.pending.room + ARG_MAX * n + (inline === null ? 0 : stringRoom(inline)));
    let start = w.pos;
    let pos = this.begin(t, route);
    let buf = w.buf;
    let view = w.view;
    if (nameIid !== 0) {
      buf[pos] = tag(Event.NameIid, Wire.Varint);
      pos = putVarint(buf, pos + 1, nameIid);
    } else if (inline !== null) {
      w.pos = pos;
      w.string(tag(Event.Name, Wire.Bytes), inline);
      pos = w.pos;
    }
    const words = slot.argWords;
    for (let i = 0; i < n; i++) {
      const word = words[i]!;
      if (word === 0) continue;
      const v = args[i]!;
      const x = typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : -1;
      // The common cases, an integer in [0, 2^32), in a few stores.
      if (word > 0 && x >>> 0 === x) {
        view.setUint32(pos, word, true);
        buf[pos + 4] = word >>> 8;
        if (x < 0x80) {
          buf[pos + 1] = 4;
          buf[pos + 5] = x;
          pos += 6;
        } else {
          const end = putVarint(buf, pos + 5, x);
          buf[pos + 1] = end - pos - 2;
          pos = end;
        }
        continue;
      }
      // A bigint past 64 bits is written as PerfettoSink's hex text.
      const text = typeof v === "string" ? v : typeof v === "bigint" && (v >= UINT64_END || v < INT64_MIN) ? `0x${v.toString(16)}` : null;
      if (text !== null) {
        // Room for text is made when it comes: the packet moves to the buffer's front.
        const need = stringRoom(text) + ARG_MAX * (n - i);
        if (pos + need > buf.length) {
          const moved = w.grow(start, pos, need);
          start -= moved;
          pos -= moved;
          this.eventAt -= moved;
          buf = w.buf;
          view = w.view;
        }
      }
      w.pos = pos;
      this.annotation(slot.argIids[i]!, text ?? v, slot.hex[i] === true);
      pos = w.pos;
    }
    this.finish(start, pos);
  }

  close(end?: number): void {
    const t = end ?? this.lastT;
    const w = this.w;
    for (const track of this.sliceTracks) {
      for (; track.depth > 0; track.depth--) {
        const iid = this.argNames.iid("closed_at_end");
        w.reserve(PACKET_MAX + ARG_MAX + this.pending.room);
        const start = w.pos;
        w.pos = this.begin(t, null);
        w.byte(tag(Event.Type, Wire.Varint));
        w.byte(EventType.SliceEnd);
        w.byte(tag(Event.TrackUuid, Wire.Varint));
        w.varint(track.uuid);
        this.annotation(iid, 1, false);
        this.finish(start, w.pos);
      }
    }
    w.flush();
  }

  /**
   * Starts a packet at the writer's position, which has room for all of it: `timestamp`, the
   * sequence and its flags, the interned data the packet is the first to use, and the
   * `track_event` field with the route's head. Returns the position after that.
   */
  private begin(t: number, route: Route | null): number {
    const w = this.w;
    const buf = w.buf;
    const view = w.view;
    let pos = w.pos;
    // Trace.packet tag, its length (filled in by `finish`), TracePacket.timestamp tag.
    view.setUint32(pos, PACKET_START, true);
    pos = putVarint(buf, pos + 3, t);
    if (route !== null && route.block !== 0 && this.cleared && this.pending.room === 0) {
      view.setUint32(pos, route.word0, true);
      view.setUint32(pos + 4, route.word1, true);
      view.setUint32(pos + 8, route.word2, true);
      view.setUint32(pos + 12, route.word3, true);
      this.eventAt = pos + 5;
      return pos + route.block;
    }
    buf[pos] = tag(Packet.TrustedPacketSequenceId, Wire.Varint);
    buf[pos + 1] = SEQUENCE_ID;
    buf[pos + 2] = tag(Packet.SequenceFlags, Wire.Varint);
    buf[pos + 3] = this.cleared ? SEQ_NEEDS_INCREMENTAL_STATE : SEQ_INCREMENTAL_STATE_CLEARED;
    this.cleared = true;
    w.pos = pos + 4;
    if (this.pending.room > 0) this.writeInterned();
    pos = w.pos;
    buf[pos] = tag(Packet.TrackEvent, Wire.Bytes);
    this.eventAt = pos + 1;
    pos += 2;
    if (route === null) return pos;
    buf.set(route.head, pos);
    return pos + route.head.length;
  }

  /** Ends the packet `begin` started at `start`, whose track event ends at `pos`. */
  private finish(start: number, pos: number): void {
    const w = this.w;
    const buf = w.buf;
    const at = this.eventAt;
    // Most packets are shorter than 128 bytes: their lengths take one byte each.
    if (pos - start < 0x80) {
      buf[at] = pos - at - 1;
      buf[start + 1] = pos - start - 2;
      w.pos = pos;
    } else w.pos = w.end(start + 1, w.end(at, pos));
    w.done();
  }

  /** InternedData with every entry not yet written (trace_packet.proto: "emit new interned data in the same TracePacket that first refers to it"). */
  private writeInterned(): void {
    const w = this.w;
    const at = w.open(tag(Packet.InternedData, Wire.Bytes));
    for (const table of [this.categories, this.names, this.argNames]) {
      for (const { iid, name } of table.entries) {
        const entry = w.open(tag(table.field, Wire.Bytes));
        w.byte(tag(INTERNED_IID, Wire.Varint));
        w.varint(iid);
        w.string(tag(INTERNED_NAME, Wire.Bytes), name);
        w.close(entry);
      }
      table.entries.length = 0;
    }
    w.close(at);
    this.pending.room = 0;
  }

  private counter(route: Route, t: number, value: TraceArg | undefined): void {
    if (typeof value !== "number" && typeof value !== "bigint") return;
    const v = Number(value);
    if (!Number.isFinite(v)) return;
    const w = this.w;
    w.reserve(PACKET_MAX + this.pending.room);
    const start = w.pos;
    const pos = this.begin(t, route);
    if (v >>> 0 === v) {
      const buf = w.buf;
      this.finish(start, putVarint(buf, putVarint(buf, pos, COUNTER_VALUE_TAG), v));
      return;
    }
    w.pos = pos;
    if (Number.isSafeInteger(v)) {
      w.varint(COUNTER_VALUE_TAG);
      w.int64(v);
    } else {
      w.varint(tag(Event.DoubleCounterValue, Wire.Fixed64));
      w.double(v);
    }
    this.finish(start, w.pos);
  }

  /** One DebugAnnotation (debug_annotation.proto) with an interned name, at the writer's position; bigints within 64 bits. */
  private annotation(nameIid: number, value: TraceArg, hex: boolean): void {
    const w = this.w;
    const at = w.open(tag(Event.DebugAnnotations, Wire.Bytes));
    w.byte(tag(Annotation.NameIid, Wire.Varint));
    w.varint(nameIid);
    if (typeof value === "number") {
      if (Number.isSafeInteger(value)) {
        w.byte(tag(hex && value >= 0 ? Annotation.PointerValue : Annotation.IntValue, Wire.Varint));
        w.int64(value);
      } else {
        w.byte(tag(Annotation.DoubleValue, Wire.Fixed64));
        w.double(value);
      }
    } else if (typeof value === "string") w.string(tag(Annotation.StringValue, Wire.Bytes), value);
    else if (value >= 0n) {
      w.byte(tag(hex ? Annotation.PointerValue : value < INT64_END ? Annotation.IntValue : Annotation.UintValue, Wire.Varint));
      w.bigVarint(value);
    } else {
      w.byte(tag(Annotation.IntValue, Wire.Varint));
      w.bigVarint(value);
    }
    w.close(at);
  }

  /** The iid of the event's title, interning it; 0 when the event has too many distinct labels to intern. */
  private labelIid(slot: Slot, args: readonly TraceArg[]): number {
    let node = slot.labels;
    const refs = slot.labelArgs;
    for (let i = 0; i < refs.length; i++) {
      const next = node.next.get(args[refs[i]!]);
      if (next === undefined) return this.newLabel(slot, args);
      node = next;
    }
    return node.iid !== 0 ? node.iid : this.newLabel(slot, args);
  }

  private newLabel(slot: Slot, args: readonly TraceArg[]): number {
    if (slot.labelCount >= LABEL_LIMIT) return 0;
    let node = slot.labels;
    for (const p of slot.labelArgs) {
      const v = args[p];
      let next = node.next.get(v);
      if (next === undefined) {
        next = { iid: 0, next: new Map() };
        node.next.set(v, next);
      }
      node = next;
    }
    slot.labelCount++;
    node.iid = this.names.iid(eventLabel(slot.ev, args));
    return node.iid;
  }

  /** Names the arguments past those the catalogue declares `argN`, as PerfettoSink does. */
  private extraArgs(slot: Slot, count: number): void {
    for (let i = slot.argIids.length; i < count; i++) this.addArg(slot, this.argNames.iid(`arg${i}`), false);
  }

  private addArg(slot: Slot, iid: number, hex: boolean): void {
    slot.argIids.push(iid);
    const valueTag = tag(hex ? Annotation.PointerValue : Annotation.IntValue, Wire.Varint);
    slot.argWords.push(iid === 0 ? 0 : iid < 0x80 ? ANNOTATION_START | (valueTag << 8) | (iid << 24) : -1);
    slot.hex.push(hex);
  }

  private prepare(ev: TraceEvent): Slot {
    const skip = !this.selection.accepts(ev);
    const kind = KINDS[ev.kind];
    // Instants and slice begins have a name and a category; ends and counters none (as in PerfettoSink's E and C events).
    const named = !skip && (kind === Kind.Instant || kind === Kind.Begin);
    const labelArgs = named ? (ev.label ?? []).filter((p): p is number => typeof p === "number") : [];
    // A name fixed for the event (its name, or a label without arguments) goes in the route's head.
    const fixedName = ev.label === null ? ev.name : labelArgs.length === 0 ? eventLabel(ev, []) : null;
    const slot: Slot = {
      ev,
      kind,
      skip,
      argIids: [],
      argWords: [],
      hex: [],
      categoryIid: named ? this.categories.iid(ev.category) : 0,
      nameIid: named && fixedName !== null ? this.names.iid(fixedName) : 0,
      labelArgs,
      labels: { iid: 0, next: new Map() },
      labelCount: 0,
      fixed: undefined,
      routes: new Map(),
      indexed: [],
    };
    // A counter's only value is its last argument, written as the counter's value.
    const annotated = !skip && kind !== Kind.Counter && kind !== Kind.Signal;
    ev.args.forEach((a, i) => this.addArg(slot, !annotated || i === ev.track ? 0 : this.argNames.iid(a.name), a.hex));
    this.slots[ev.id] = slot;
    return slot;
  }

  /** Works out (once per event and track value) where the event goes, describing new tracks. */
  private route(slot: Slot, value: TraceArg | undefined): Route {
    const ev = slot.ev;
    const group = this.group(ev.group);
    const display = threadName(ev.group, trackName(ev, value));
    let route: Route;
    if (slot.kind === Kind.Counter || slot.kind === Kind.Signal) {
      const valueName = ev.args[ev.args.length - 1]?.name ?? "value";
      const track = this.track(`C\u0000${ev.group}\u0000${display}\u0000${ev.name}`, group, `${display} ${valueName}`, ev.category);
      route = makeRoute(track, EventType.Counter, 0, 0);
    } else {
      const track = this.track(`T\u0000${ev.group}\u0000${display}`, group, display, null);
      if (slot.kind === Kind.End) route = makeRoute(track, EventType.SliceEnd, 0, 0);
      else route = makeRoute(track, slot.kind === Kind.Begin ? EventType.SliceBegin : EventType.Instant, slot.categoryIid, slot.nameIid);
    }
    if (value === undefined) slot.fixed = route;
    else if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value < INDEXED) slot.indexed[value] = route;
    else slot.routes.set(value, route);
    return route;
  }

  private group(name: string): Group {
    let group = this.groups.get(name);
    if (group === undefined) {
      group = { uuid: ++this.uuids, children: 0 };
      this.groups.set(name, group);
      this.descriptor(group.uuid, name, null, null);
    }
    return group;
  }

  /** A slice track (`counterCategory` null) or a counter track, described the first time it is used. */
  private track(key: string, group: Group, name: string, counterCategory: string | null): Track {
    let track = this.tracks.get(key);
    if (track !== undefined) return track;
    track = { uuid: ++this.uuids, depth: 0, last: undefined };
    this.tracks.set(key, track);
    if (counterCategory === null) this.sliceTracks.push(track);
    this.descriptor(track.uuid, name, { parent: group.uuid, rank: ++group.children }, counterCategory);
    return track;
  }

  /** A TrackDescriptor packet: a group's root (`child` null) orders its children by their rank. */
  private descriptor(uuid: number, name: string, child: { parent: number; rank: number } | null, counterCategory: string | null): void {
    const w = this.w;
    w.reserve(PACKET_MAX + stringRoom(name) + (counterCategory === null ? 0 : stringRoom(counterCategory) + 4));
    const packet = w.open(tag(TRACE_PACKET, Wire.Bytes));
    const td = w.open(tag(Packet.TrackDescriptor, Wire.Bytes));
    w.byte(tag(Descriptor.Uuid, Wire.Varint));
    w.varint(uuid);
    w.string(tag(Descriptor.Name, Wire.Bytes), name);
    if (child === null) {
      w.byte(tag(Descriptor.ChildOrdering, Wire.Varint));
      w.byte(CHILD_ORDERING_EXPLICIT);
    } else {
      w.byte(tag(Descriptor.ParentUuid, Wire.Varint));
      w.varint(child.parent);
      w.byte(tag(Descriptor.SiblingOrderRank, Wire.Varint));
      w.varint(child.rank);
    }
    if (counterCategory !== null) {
      const counter = w.open(tag(Descriptor.Counter, Wire.Bytes));
      w.string(tag(COUNTER_CATEGORIES, Wire.Bytes), counterCategory);
      w.close(counter);
    }
    w.close(td);
    w.close(packet);
    w.done();
  }
}

/** A route with its head: `type`, `track_uuid`, then `category_iids` and `name_iid` when not 0. */
function makeRoute(track: Track, type: EventType, categoryIid: number, nameIid: number): Route {
  const head: number[] = [tag(Event.Type, Wire.Varint), type, tag(Event.TrackUuid, Wire.Varint), ...varintBytes(track.uuid)];
  if (categoryIid !== 0) head.push(tag(Event.CategoryIids, Wire.Varint), ...varintBytes(categoryIid));
  if (nameIid !== 0) head.push(tag(Event.NameIid, Wire.Varint), ...varintBytes(nameIid));
  const block = [
    tag(Packet.TrustedPacketSequenceId, Wire.Varint),
    SEQUENCE_ID,
    tag(Packet.SequenceFlags, Wire.Varint),
    SEQ_NEEDS_INCREMENTAL_STATE,
    tag(Packet.TrackEvent, Wire.Bytes),
    0,
    ...head,
  ];
  const word = (at: number) => (block[at] ?? 0) | ((block[at + 1] ?? 0) << 8) | ((block[at + 2] ?? 0) << 16) | ((block[at + 3] ?? 0) << 24);
  return { track, head: Uint8Array.from(head), block: block.length <= 16 ? block.length : 0, word0: word(0), word1: word(4), word2: word(8), word3: word(12) };
}

function varintBytes(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** A track's name inside its group: `hpet.timer0` in group `hpet` is `timer0` (as PerfettoSink). */
function threadName(group: string, track: string): string {
  return track.startsWith(`${group}.`) && track.length > group.length + 1 ? track.slice(group.length + 1) : track;
}
