/**
 * PerfettoProtoSink, read back by a protobuf wire decoder written here from the encoding spec
 * (protobuf.dev/programming-guides/encoding: tag = field << 3 | wire type; varints base 128, low
 * group first; fixed64 little-endian; length-delimited = varint length + bytes). The field numbers
 * below are copied from Perfetto's .proto files (github.com/google/perfetto, protos/perfetto/…),
 * not from the sink, so a wrong number in the sink makes these tests fail.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { X86Pc } from "../../../src/platform/boards/x86-pc.js";
import { PerfettoSink } from "../../../src/sim/sinks/perfetto.js";
import { PerfettoProtoSink, type PerfettoProtoOptions } from "../../../src/sim/sinks/perfetto-proto.js";
import { CHUNK } from "../../../src/sim/sinks/writer.js";
import { defineEvents, ev, eventLabel, trackName, type TraceArg, type TraceEvent } from "../../../src/sim/trace.js";

// trace/trace.proto: message Trace { repeated TracePacket packet = 1; }
const TRACE_PACKET = 1;
// trace/trace_packet.proto, message TracePacket.
const PACKET = { timestamp: 8, trustedPacketSequenceId: 10, trackEvent: 11, internedData: 12, sequenceFlags: 13, trackDescriptor: 60 } as const;
// trace/trace_packet.proto, enum TracePacket.SequenceFlags.
const SEQ_INCREMENTAL_STATE_CLEARED = 1;
const SEQ_NEEDS_INCREMENTAL_STATE = 2;
// trace/track_event/track_event.proto, message TrackEvent (and its enum Type).
const EVENT = { categoryIids: 3, debugAnnotations: 4, type: 9, nameIid: 10, trackUuid: 11, name: 23, counterValue: 30, doubleCounterValue: 44 } as const;
const TYPE_SLICE_BEGIN = 1;
const TYPE_SLICE_END = 2;
const TYPE_INSTANT = 3;
const TYPE_COUNTER = 4;
// trace/track_event/track_descriptor.proto, message TrackDescriptor; child_ordering = 11 and
// sibling_order_rank = 12 (enum ChildTracksOrdering { …; EXPLICIT = 3; }) as in the current file
// (qnx-ports/perfetto keeps a copy), described in docs/reference/synthetic-track-event.md.
const TRACK = { uuid: 1, name: 2, parentUuid: 5, counter: 8, childOrdering: 11, siblingOrderRank: 12 } as const;
const CHILD_ORDERING_EXPLICIT = 3;
// trace/track_event/counter_descriptor.proto: repeated string categories = 2.
const COUNTER_CATEGORIES = 2;
// trace/interned_data/interned_data.proto, message InternedData.
const INTERNED = { eventCategories: 1, eventNames: 2, debugAnnotationNames: 3 } as const;
// EventCategory, EventName (track_event.proto), DebugAnnotationName (debug_annotation.proto): iid = 1, name = 2.
const IID = 1;
const NAME = 2;
// trace/track_event/debug_annotation.proto, message DebugAnnotation.
const ANNOTATION = { nameIid: 1, boolValue: 2, uintValue: 3, intValue: 4, doubleValue: 5, stringValue: 6, pointerValue: 7 } as const;

const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;
const FIXED32 = 5;

interface Field {
  readonly no: number;
  readonly wire: number;
  /** A varint's or fixed field's value, or a length-delimited field's length. */
  readonly int: bigint;
  readonly bytes: Uint8Array;
}

function readVarint(buf: Uint8Array, at: number): { value: bigint; next: number } {
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    const b = buf[at + i];
    if (b === undefined) throw new Error(`varint at byte ${at} runs past the end`);
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if (b < 0x80) return { value, next: at + i + 1 };
  }
  throw new Error(`varint at byte ${at} is longer than 10 bytes`);
}

/** The fields of one message, in order; throws on anything the wire format does not allow. */
function fieldsOf(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  while (at < buf.length) {
    const key = readVarint(buf, at);
    at = key.next;
    const no = Number(key.value >> 3n);
    const wire = Number(key.value & 7n);
    if (no === 0) throw new Error(`field number 0 at byte ${at}`);
    const take = (n: number) => {
      if (at + n > buf.length) throw new Error(`field ${no} at byte ${at} needs ${n} bytes, ${buf.length - at} left`);
      const bytes = buf.subarray(at, at + n);
      at += n;
      return bytes;
    };
    if (wire === VARINT) {
      const v = readVarint(buf, at);
      at = v.next;
      out.push({ no, wire, int: v.value, bytes: new Uint8Array(0) });
    } else if (wire === FIXED64) {
      const bytes = take(8);
      out.push({ no, wire, int: new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true), bytes });
    } else if (wire === FIXED32) {
      const bytes = take(4);
      out.push({ no, wire, int: BigInt(new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true)), bytes });
    } else if (wire === BYTES) {
      const len = readVarint(buf, at);
      at = len.next;
      out.push({ no, wire, int: len.value, bytes: take(Number(len.value)) });
    } else throw new Error(`wire type ${wire} of field ${no}`);
  }
  return out;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Throws (rather than `expect`, which costs too much per field of a long trace) when `ok` is false. */
function check(ok: boolean, what: () => string): void {
  if (!ok) throw new Error(what());
}

/** One decoded message, read field by field with the wire type each field must have. */
class Msg {
  readonly fields: Field[];

  constructor(
    bytes: Uint8Array,
    readonly what: string,
  ) {
    this.fields = fieldsOf(bytes);
  }

  /** Fails on fields other than `allowed` (a field number the sink should not write). */
  only(...allowed: number[]): this {
    for (const f of this.fields) check(allowed.includes(f.no), () => `${this.what} has field ${f.no}`);
    return this;
  }

  has(no: number): boolean {
    return this.fields.some((f) => f.no === no);
  }

  private one(no: number, wire: number): Field {
    const found = this.fields.filter((f) => f.no === no);
    check(found.length === 1, () => `${this.what}: field ${no} appears ${found.length} times`);
    check(found[0]!.wire === wire, () => `${this.what}: field ${no} has wire type ${found[0]!.wire}, not ${wire}`);
    return found[0]!;
  }

  varint(no: number): bigint {
    return this.one(no, VARINT).int;
  }

  num(no: number): number {
    const v = this.varint(no);
    check(v <= BigInt(Number.MAX_SAFE_INTEGER), () => `${this.what}: field ${no} = ${v} does not fit a number`);
    return Number(v);
  }

  str(no: number): string {
    return utf8.decode(this.one(no, BYTES).bytes);
  }

  double(no: number): number {
    const f = this.one(no, FIXED64);
    return new DataView(f.bytes.buffer, f.bytes.byteOffset, 8).getFloat64(0, true);
  }

  msg(no: number, what: string): Msg {
    return new Msg(this.one(no, BYTES).bytes, what);
  }

  msgs(no: number, what: string): Msg[] {
    return this.fields.filter((f) => f.no === no).map((f) => {
      check(f.wire === BYTES, () => `${this.what}: field ${no} has wire type ${f.wire}`);
      return new Msg(f.bytes, what);
    });
  }

  /** A repeated varint field (written unpacked). */
  varints(no: number): bigint[] {
    return this.fields.filter((f) => f.no === no).map((f) => {
      check(f.wire === VARINT, () => `${this.what}: field ${no} has wire type ${f.wire}`);
      return f.int;
    });
  }
}

interface TrackInfo {
  readonly uuid: number;
  readonly name: string;
  readonly parent: number | undefined;
  readonly rank: number | undefined;
  readonly childOrdering: number | undefined;
  /** CounterDescriptor.categories, or null for a slice track. */
  readonly counter: string[] | null;
  /** The name with its parent's: `cpu/cpu0`. */
  readonly path: string;
}

interface Decoded {
  readonly ts: number;
  readonly type: number;
  readonly track: TrackInfo;
  readonly name: string | undefined;
  readonly category: string | undefined;
  /** Debug annotations by name, values canonical (see `canon`). */
  readonly args: Record<string, string>;
  readonly value: number | undefined;
  /** Whether the name came as an interned `name_iid` (else inline `name`). */
  readonly interned: boolean;
}

interface Trace {
  readonly tracks: TrackInfo[];
  readonly events: Decoded[];
  readonly flags: number[];
}

/** A value as the tests compare it: integers (of any type) as `i:N`, other numbers `d:X`, strings `s:…`. */
function canon(v: TraceArg): string {
  if (typeof v === "bigint") return `i:${v}`;
  if (typeof v === "string") return `s:${v}`;
  return Number.isSafeInteger(v) ? `i:${BigInt(v)}` : `d:${v}`;
}

/** The file as a trace reader sees it, checking the sequence and interning rules on the way. */
function readTrace(bytes: Uint8Array): Trace {
  const tracks = new Map<number, TrackInfo>();
  const tables = { categories: new Map<bigint, string>(), names: new Map<bigint, string>(), argNames: new Map<bigint, string>() };
  const events: Decoded[] = [];
  const flags: number[] = [];
  const intern = (table: Map<bigint, string>, entries: Msg[]) => {
    for (const e of entries) {
      e.only(IID, NAME);
      const iid = e.varint(IID);
      check(iid > 0n, () => "iid 0 is invalid (interned_data.proto)");
      // interned_data.proto: "It is illegal to override entries in an index".
      check(!table.has(iid), () => `iid ${iid} interned twice`);
      table.set(iid, e.str(NAME));
    }
  };
  for (const packet of new Msg(bytes, "Trace").only(TRACE_PACKET).msgs(TRACE_PACKET, "TracePacket")) {
    if (packet.has(PACKET.trackDescriptor)) {
      const td = packet.only(PACKET.trackDescriptor).msg(PACKET.trackDescriptor, "TrackDescriptor");
      td.only(TRACK.uuid, TRACK.name, TRACK.parentUuid, TRACK.counter, TRACK.childOrdering, TRACK.siblingOrderRank);
      const uuid = td.num(TRACK.uuid);
      check(!tracks.has(uuid), () => `track ${uuid} described twice`);
      const parent = td.has(TRACK.parentUuid) ? td.num(TRACK.parentUuid) : undefined;
      const name = td.str(TRACK.name);
      const parentTrack = parent === undefined ? undefined : tracks.get(parent);
      check(parent === undefined || parentTrack !== undefined, () => `parent ${parent} of ${name} described before it`);
      let categories: string[] | null = null;
      if (td.has(TRACK.counter)) {
        const cd = td.msg(TRACK.counter, "CounterDescriptor").only(COUNTER_CATEGORIES);
        categories = cd.fields.map((f) => utf8.decode(f.bytes));
      }
      tracks.set(uuid, {
        uuid,
        name,
        parent,
        rank: td.has(TRACK.siblingOrderRank) ? td.num(TRACK.siblingOrderRank) : undefined,
        childOrdering: td.has(TRACK.childOrdering) ? td.num(TRACK.childOrdering) : undefined,
        counter: categories,
        path: parentTrack === undefined ? name : `${parentTrack.name}/${name}`,
      });
      continue;
    }
    packet.only(PACKET.timestamp, PACKET.trustedPacketSequenceId, PACKET.sequenceFlags, PACKET.internedData, PACKET.trackEvent);
    check(packet.num(PACKET.trustedPacketSequenceId) === 1, () => "one packet sequence");
    const f = packet.num(PACKET.sequenceFlags);
    flags.push(f);
    if (f & SEQ_INCREMENTAL_STATE_CLEARED) for (const t of Object.values(tables)) t.clear();
    if (packet.has(PACKET.internedData)) {
      const data = packet.msg(PACKET.internedData, "InternedData").only(INTERNED.eventCategories, INTERNED.eventNames, INTERNED.debugAnnotationNames);
      intern(tables.categories, data.msgs(INTERNED.eventCategories, "EventCategory"));
      intern(tables.names, data.msgs(INTERNED.eventNames, "EventName"));
      intern(tables.argNames, data.msgs(INTERNED.debugAnnotationNames, "DebugAnnotationName"));
    }
    const te = packet.msg(PACKET.trackEvent, "TrackEvent");
    te.only(EVENT.categoryIids, EVENT.debugAnnotations, EVENT.type, EVENT.nameIid, EVENT.trackUuid, EVENT.name, EVENT.counterValue, EVENT.doubleCounterValue);
    const type = te.num(EVENT.type);
    const uuid = te.num(EVENT.trackUuid);
    const track = tracks.get(uuid);
    if (track === undefined) throw new Error(`track_uuid ${uuid} is not described`);
    // track_descriptor.proto: a counter track "will only support TYPE_COUNTER TrackEvents".
    check((type === TYPE_COUNTER) === (track.counter !== null), () => `event type ${type} on ${track.path}`);
    const resolve = (table: Map<bigint, string>, iid: bigint, what: string) => {
      const s = table.get(iid);
      if (s === undefined) throw new Error(`${what} iid ${iid} does not resolve`);
      return s;
    };
    const category = te.varints(EVENT.categoryIids).map((i) => resolve(tables.categories, i, "category"));
    check(category.length <= 1, () => "one category");
    let name: string | undefined;
    if (te.has(EVENT.nameIid)) name = resolve(tables.names, te.varint(EVENT.nameIid), "event name");
    if (te.has(EVENT.name)) name = te.str(EVENT.name);
    const args: Record<string, string> = {};
    for (const a of te.msgs(EVENT.debugAnnotations, "DebugAnnotation")) {
      const argName = resolve(tables.argNames, a.varint(ANNOTATION.nameIid), "annotation name");
      const values = a.fields.filter((x) => x.no !== ANNOTATION.nameIid);
      check(values.length === 1, () => `${argName} has ${values.length} values`);
      const no = values[0]!.no;
      const value =
        no === ANNOTATION.intValue ? `i:${BigInt.asIntN(64, a.varint(no))}`
        : no === ANNOTATION.uintValue || no === ANNOTATION.pointerValue ? `i:${a.varint(no)}`
        : no === ANNOTATION.doubleValue ? `d:${a.double(no)}`
        : no === ANNOTATION.stringValue ? `s:${a.str(no)}`
        : `field ${no}`;
      check(args[argName] === undefined, () => `${argName} given twice`);
      args[argName] = value;
    }
    let value: number | undefined;
    if (te.has(EVENT.counterValue)) value = Number(BigInt.asIntN(64, te.varint(EVENT.counterValue)));
    if (te.has(EVENT.doubleCounterValue)) value = te.double(EVENT.doubleCounterValue);
    events.push({ ts: packet.num(PACKET.timestamp), type, track, name, category: category[0], args, value, interned: te.has(EVENT.nameIid) });
  }
  return { tracks: [...tracks.values()], events, flags };
}

/** A sink over an output that keeps every chunk (copied: the sink reuses its buffer). */
function capture(options: PerfettoProtoOptions = {}) {
  const chunks: Uint8Array[] = [];
  const sink = new PerfettoProtoSink({ writeBytes: (b) => void chunks.push(b.slice()) }, options);
  const bytes = () => new Uint8Array(Buffer.concat(chunks));
  return { sink, chunks, bytes, read: () => readTrace(bytes()) };
}

const e = defineEvents("t", {
  write: ev<[addr: number, val: number]>("instant", ["addr:x", "val"]),
  big: ev<[value: bigint]>("instant", ["value:x"]),
  wide: ev<[value: bigint]>("instant", ["value"]),
  mixed: ev<[cpu: number, a: number, b: bigint, s: string]>("instant", ["cpu", "a", "b", "s"], { track: "cpu{cpu}", group: "cpu" }),
  pkt_begin: ev<[thread: string, pa: number]>("begin", ["thread", "pa:x"], { track: "thread", label: "packet {pa}" }),
  pkt_end: ev<[thread: string]>("end", ["thread"], { track: "thread" }),
  exec_begin: ev<[thread: string]>("begin", ["thread"], { track: "thread", label: "exec" }),
  frame_begin: ev<[path: number, frame: number]>("begin", ["path", "frame"], { track: "path{path}", group: "disp", label: "frame {frame}" }),
  frame_end: ev<[path: number]>("end", ["path"], { track: "path{path}", group: "disp" }),
  level: ev<[line: string, level: number]>("signal", ["line", "level"], { track: "line", group: "irq lines" }),
  drift: ev<[cpu: number, ppm: number]>("counter", ["cpu", "ppm"], { track: "cpu{cpu}", group: "cpu" }),
  enb: ev<[timer: number, enabled: number]>("signal", ["timer", "enabled"], { track: "t.timer{timer}.enb" }),
  say: ev<[text: string]>("instant", ["text"]),
});

const other = defineEvents("o", { ping: ev<[n: number]>("instant", ["n"]) });

describe("PerfettoProtoSink wire format", () => {
  it("writes descriptors, then a packet per event with its exact time, the sequence, interned names and annotations", () => {
    const { sink, bytes } = capture();
    sink.record(1_500, e.write, [0x10, 7]);
    sink.record(2_000, e.write, [0x14, -1]);
    sink.close();
    // The bytes of the file, field by field (tags: field << 3 | wire type).
    const [group, track, first, second] = new Msg(bytes(), "Trace").msgs(TRACE_PACKET, "TracePacket");
    const root = group!.only(PACKET.trackDescriptor).msg(PACKET.trackDescriptor, "TrackDescriptor");
    expect([root.num(TRACK.uuid), root.str(TRACK.name), root.num(TRACK.childOrdering), root.has(TRACK.parentUuid)]).toEqual([1, "t", CHILD_ORDERING_EXPLICIT, false]);
    const child = track!.msg(PACKET.trackDescriptor, "TrackDescriptor");
    // An event without a track argument lands on its category's track (PerfettoSink: thread "t" of process "t").
    expect([child.num(TRACK.uuid), child.num(TRACK.parentUuid), child.str(TRACK.name), child.num(TRACK.siblingOrderRank), child.has(TRACK.counter)]).toEqual([2, 1, "t", 1, false]);
    expect(first!.num(PACKET.timestamp)).toBe(1_500);
    expect(first!.num(PACKET.trustedPacketSequenceId)).toBe(1);
    expect(first!.num(PACKET.sequenceFlags)).toBe(SEQ_INCREMENTAL_STATE_CLEARED);
    const interned = first!.msg(PACKET.internedData, "InternedData");
    const entries = (no: number) => interned.msgs(no, "").map((m) => [m.num(IID), m.str(NAME)]);
    expect(entries(INTERNED.eventCategories)).toEqual([[1, "t"]]);
    expect(entries(INTERNED.eventNames)).toEqual([[1, "write"]]);
    expect(entries(INTERNED.debugAnnotationNames)).toEqual([[1, "addr"], [2, "val"]]);
    const te = first!.msg(PACKET.trackEvent, "TrackEvent");
    expect([te.num(EVENT.type), te.num(EVENT.trackUuid), te.varints(EVENT.categoryIids), te.num(EVENT.nameIid)]).toEqual([TYPE_INSTANT, 2, [1n], 1]);
    const [addr, val] = te.msgs(EVENT.debugAnnotations, "DebugAnnotation");
    // A hex argument is a pointer_value (shown in hex), a plain one an int_value.
    expect([addr!.num(ANNOTATION.nameIid), addr!.num(ANNOTATION.pointerValue)]).toEqual([1, 0x10]);
    expect([val!.num(ANNOTATION.nameIid), val!.num(ANNOTATION.intValue)]).toEqual([2, 7]);
    // The steady state: no interned data, the state needed, int64 −1 as ten bytes of two's complement.
    expect(second!.has(PACKET.internedData)).toBe(false);
    expect(second!.num(PACKET.sequenceFlags)).toBe(SEQ_NEEDS_INCREMENTAL_STATE);
    const minus = second!.msg(PACKET.trackEvent, "").msgs(EVENT.debugAnnotations, "")[1]!;
    expect(minus.varint(ANNOTATION.intValue)).toBe(0xffff_ffff_ffff_ffffn);
  });

  it("clears the incremental state on the first event packet and needs it on every later one", () => {
    const { sink, read } = capture();
    for (let i = 0; i < 5; i++) sink.record(i * 10, i % 2 === 0 ? e.say : e.write, i % 2 === 0 ? [`m${i}`] : [i, i]);
    sink.close();
    expect(read().flags).toEqual([SEQ_INCREMENTAL_STATE_CLEARED, SEQ_NEEDS_INCREMENTAL_STATE, SEQ_NEEDS_INCREMENTAL_STATE, SEQ_NEEDS_INCREMENTAL_STATE, SEQ_NEEDS_INCREMENTAL_STATE]);
  });

  it("interns each event name, label, category and argument name once, in the packet that first uses it", () => {
    const { sink, bytes, read } = capture();
    sink.record(10, e.pkt_begin, ["thr0", 0x4000_0000]);
    sink.record(20, e.pkt_end, ["thr0"]);
    sink.record(30, e.pkt_begin, ["thr1", 0x4000_0000]);
    sink.record(40, e.pkt_end, ["thr1"]);
    sink.record(50, e.pkt_begin, ["thr0", 0x4000_1000]);
    sink.record(60, e.exec_begin, ["thr0"]);
    sink.close(70);
    const trace = read();
    expect(trace.events.filter((x) => x.type === TYPE_SLICE_BEGIN).map((x) => [x.name, x.interned])).toEqual([
      ["packet 0x40000000", true],
      ["packet 0x40000000", true],
      ["packet 0x40001000", true],
      ["exec", true],
    ]);
    // readTrace refuses an iid interned twice; count what was interned.
    const names = new Msg(bytes(), "")
      .msgs(TRACE_PACKET, "")
      .filter((p) => p.has(PACKET.internedData))
      .flatMap((p) => p.msg(PACKET.internedData, "").msgs(INTERNED.eventNames, "").map((m) => m.str(NAME)));
    expect(names).toEqual(["packet 0x40000000", "packet 0x40001000", "exec"]);
  });

  it("writes labels inline as `name` past 1024 distinct ones per event, so that a long run's memory stays bounded", () => {
    const { sink, read } = capture();
    for (let f = 0; f < 1100; f++) {
      sink.record(f * 100, e.frame_begin, [0, f]);
      sink.record(f * 100 + 50, e.frame_end, [0]);
    }
    sink.close();
    const begins = read().events.filter((x) => x.type === TYPE_SLICE_BEGIN);
    expect(begins.map((x) => x.name)).toEqual(Array.from({ length: 1100 }, (_, f) => `frame ${f}`));
    expect(begins.filter((x) => x.interned).length).toBe(1024);
  });

  it("pairs every slice end with a begin on the same track, drops an end without one, and ends open slices at close time", () => {
    const { sink, read } = capture();
    sink.record(5, e.pkt_end, ["thr0"]);
    sink.record(10, e.pkt_begin, ["thr0", 0x100]);
    sink.record(15, e.exec_begin, ["thr0"]);
    sink.record(20, e.pkt_end, ["thr0"]);
    sink.record(25, e.exec_begin, ["thr1"]);
    sink.close(1_000);
    const evs = read().events.map((x) => [x.ts, x.type, x.track.path, x.name ?? null, x.args]);
    expect(evs).toEqual([
      [10, TYPE_SLICE_BEGIN, "t/thr0", "packet 0x100", { pa: "i:256" }],
      [15, TYPE_SLICE_BEGIN, "t/thr0", "exec", {}],
      [20, TYPE_SLICE_END, "t/thr0", null, {}],
      [25, TYPE_SLICE_BEGIN, "t/thr1", "exec", {}],
      [1_000, TYPE_SLICE_END, "t/thr0", null, { closed_at_end: "i:1" }],
      [1_000, TYPE_SLICE_END, "t/thr1", null, { closed_at_end: "i:1" }],
    ]);
  });

  it("ends open slices at the last event's time when closed without a time", () => {
    const { sink, read } = capture();
    sink.record(10, e.exec_begin, ["thr0"]);
    sink.record(40, e.say, ["later"]);
    sink.close();
    expect(read().events.at(-1)).toMatchObject({ ts: 40, type: TYPE_SLICE_END });
  });

  it("gives counters their values: integers as counter_value, fractions as double_counter_value, a signal only its changes", () => {
    const { sink, read } = capture();
    sink.record(1, e.drift, [0, 12]);
    sink.record(2, e.drift, [0, -12.5]);
    sink.record(3, e.drift, [0, -3]);
    sink.record(4, e.drift, [0, Number.NaN]);
    sink.record(5, e.level, ["hpet.irq21", 1]);
    sink.record(6, e.level, ["hpet.irq21", 1]);
    sink.record(7, e.level, ["hpet.irq21", 0]);
    sink.record(8, e.enb, [0, 1]);
    sink.close();
    const trace = read();
    expect(trace.events.map((x) => [x.ts, x.type, x.track.path, x.value])).toEqual([
      [1, TYPE_COUNTER, "cpu/cpu0 ppm", 12],
      [2, TYPE_COUNTER, "cpu/cpu0 ppm", -12.5],
      [3, TYPE_COUNTER, "cpu/cpu0 ppm", -3],
      [5, TYPE_COUNTER, "irq lines/hpet.irq21 level", 1],
      [7, TYPE_COUNTER, "irq lines/hpet.irq21 level", 0],
      [8, TYPE_COUNTER, "t/timer0.enb enabled", 1],
    ]);
    expect(trace.tracks.filter((t) => t.counter !== null).map((t) => [t.path, t.counter])).toEqual([
      ["cpu/cpu0 ppm", ["t"]],
      ["irq lines/hpet.irq21 level", ["t"]],
      ["t/timer0.enb enabled", ["t"]],
    ]);
  });

  it("encodes 64-bit and negative arguments exactly, strings as UTF-8, and names extra arguments argN", () => {
    const { sink, read } = capture();
    sink.record(1, e.big, [0xffff_ffff_ffff_ffffn]);
    sink.record(2, e.wide, [-(1n << 63n)]);
    sink.record(3, e.wide, [1n << 64n]);
    sink.record(3, e.wide, [-(1n << 300n)]);
    sink.record(4, e.mixed, [1, -7, 1n << 53n, "é→𝄞"]);
    sink.record(5, e.say, ["a", 3]);
    sink.close();
    expect(read().events.map((x) => x.args)).toEqual([
      { value: "i:18446744073709551615" },
      { value: "i:-9223372036854775808" },
      // Past 64 bits, PerfettoSink's hex text.
      { value: "s:0x10000000000000000" },
      { value: `s:0x-1${"0".repeat(75)}` },
      { a: "i:-7", b: "i:9007199254740992", s: "s:é→𝄞" },
      { text: "s:a", arg1: "i:3" },
    ]);
  });

  it("routes events by any track value: small and large integers, negative, fractional, strings", () => {
    const { sink, read } = capture();
    const values = [0, 1, 63, 64, 1000, -1, 1.5, 0, 64];
    values.forEach((cpu, i) => sink.record(i, e.drift, [cpu, i]));
    sink.record(20, e.pkt_begin, ["thr0", 1]);
    sink.record(21, e.pkt_end, ["thr0"]);
    sink.close();
    const trace = read();
    expect(trace.events.map((x) => x.track.path)).toEqual([...values.map((v) => `cpu/cpu${v} ppm`), "t/thr0", "t/thr0"]);
    expect(trace.tracks.length).toBe(2 + 7 + 1);
  });

  it("keeps to the format past 127 tracks and argument names, whose uuids and iids take two bytes", () => {
    const { sink, read } = capture();
    const many = Array.from({ length: 150 }, (_, i) => i * 1000);
    for (let cpu = 0; cpu < 150; cpu++) sink.record(cpu, e.mixed, [cpu, cpu, BigInt(cpu), "s"]);
    sink.record(200, e.say, ["x", ...many]);
    sink.record(201, e.say, ["y", ...many]);
    sink.close();
    const evs = read().events;
    expect(evs.slice(0, 150).map((x) => [x.track.path, x.args.a])).toEqual(Array.from({ length: 150 }, (_, i) => [`cpu/cpu${i}`, `i:${i}`]));
    for (const x of evs.slice(150)) {
      expect(Object.keys(x.args).length).toBe(151);
      expect(x.args.arg150).toBe("i:149000");
    }
  });

  it("writes only the selected events and describes only the tracks they use", () => {
    const { sink, read } = capture({ filter: { include: ["t"], exclude: ["say", "pkt_begin"] } });
    sink.record(1, e.say, ["no"]);
    sink.record(2, other.ping, [1]);
    sink.record(3, e.write, [1, 2]);
    sink.record(4, e.pkt_begin, ["thr0", 1]);
    sink.record(5, e.enb, [1, 1]);
    sink.close();
    const trace = read();
    expect(trace.events.map((x) => x.ts)).toEqual([3, 5]);
    expect(trace.tracks.map((t) => t.path)).toEqual(["t", "t/t", "t/timer1.enb enabled"]);
  });

  it("hands the output chunks of at most 64 KiB, holds at most 64 KiB, and the chunks read back whole", () => {
    const { sink, chunks, read } = capture();
    let most = 0;
    const long = "x".repeat(1_000);
    for (let i = 0; i < 12_000; i++) {
      // Long strings now and then: a packet that does not fit the chunk's end moves to the next one.
      if (i % 97 === 0) sink.record(i, e.mixed, [i % 4, i, BigInt(i), long]);
      else sink.record(i, e.write, [i, i * 3]);
      most = Math.max(most, sink.buffered);
    }
    sink.close();
    expect(chunks.length).toBeGreaterThan(5);
    expect(most).toBeLessThanOrEqual(CHUNK);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(CHUNK);
    const evs = read().events;
    expect(evs.map((x) => x.ts)).toEqual(Array.from({ length: 12_000 }, (_, i) => i));
    expect(evs.filter((x) => x.args.s === `s:${long}`).length).toBe(Math.ceil(12_000 / 97));
  });

  it("writes an event larger than the buffer as a chunk of its own", () => {
    const { sink, chunks, read } = capture();
    const huge = "é".repeat(50_000);
    sink.record(1, e.say, ["small"]);
    sink.record(2, e.say, [huge]);
    sink.record(3, e.say, ["after"]);
    sink.close();
    expect(chunks.some((c) => c.length > CHUNK)).toBe(true);
    expect(read().events.map((x) => x.args.text)).toEqual(["s:small", `s:${huge}`, "s:after"]);
  });
});

/** One emitted event of a random run. */
interface Emit {
  readonly t: number;
  readonly ev: TraceEvent;
  readonly args: readonly TraceArg[];
}

const argValue = fc.oneof(
  fc.integer({ min: 0, max: 0xffff_ffff }),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double({ noDefaultInfinity: true }),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
);
const num = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: -1000, max: 1000 }));
const threads = fc.constantFrom("thr0", "thr1");

/** Random events of every kind, with non-decreasing times. */
const runs = fc
  .array(
    fc.tuple(
      fc.integer({ min: 0, max: 5_000 }),
      fc.oneof(
        fc.tuple(argValue, argValue).map((a): [TraceEvent, TraceArg[]] => [e.write, a]),
        fc.tuple(fc.integer({ min: 0, max: 3 }), argValue, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.string()).map((a): [TraceEvent, TraceArg[]] => [e.mixed, a]),
        fc.tuple(threads, fc.integer({ min: 0, max: 0xffff_ffff })).map((a): [TraceEvent, TraceArg[]] => [e.pkt_begin, a]),
        threads.map((a): [TraceEvent, TraceArg[]] => [e.pkt_end, [a]]),
        fc.tuple(fc.constantFrom("a.irq", "b.irq"), fc.integer({ min: 0, max: 1 })).map((a): [TraceEvent, TraceArg[]] => [e.level, a]),
        fc.tuple(fc.integer({ min: 0, max: 1 }), fc.oneof(num, fc.double({ noNaN: true, noDefaultInfinity: true }))).map((a): [TraceEvent, TraceArg[]] => [e.drift, a]),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((a): [TraceEvent, TraceArg[]] => [e.big, [a]]),
      ),
    ),
    { maxLength: 60 },
  )
  .map((steps) => {
    let t = 0;
    return steps.map(([dt, [event, args]]): Emit => ({ t: (t += dt), ev: event, args }));
  });

/** What PerfettoSink would draw (docs/traces.md): the model the decoded file must match. */
function model(run: readonly Emit[], end: number) {
  const depth = new Map<string, number>();
  const last = new Map<string, TraceArg>();
  const out: { ts: number; type: number; path: string; name: string | undefined; args: Record<string, string>; value: number | undefined }[] = [];
  const pathOf = (x: Emit) => {
    const track = trackName(x.ev, x.args[x.ev.track]);
    const inGroup = track.startsWith(`${x.ev.group}.`) ? track.slice(x.ev.group.length + 1) : track;
    return x.ev.kind === "counter" || x.ev.kind === "signal" ? `${x.ev.group}/${inGroup} ${x.ev.args.at(-1)!.name}` : `${x.ev.group}/${inGroup}`;
  };
  for (const x of run) {
    const path = pathOf(x);
    if (x.ev.kind === "counter" || x.ev.kind === "signal") {
      const v = x.args.at(-1)!;
      if (x.ev.kind === "signal" && last.get(path) === v) continue;
      last.set(path, v);
      if (typeof v === "string" || !Number.isFinite(Number(v))) continue;
      // −0 is an integer: counter_value 0.
      out.push({ ts: x.t, type: TYPE_COUNTER, path, name: undefined, args: {}, value: Number(v) + 0 });
      continue;
    }
    const d = depth.get(path) ?? 0;
    depth.set(path, d);
    if (x.ev.kind === "end") {
      if (d === 0) continue;
      depth.set(path, d - 1);
    }
    if (x.ev.kind === "begin") depth.set(path, d + 1);
    const args: Record<string, string> = {};
    x.args.forEach((a, i) => {
      if (i !== x.ev.track) args[x.ev.args[i]!.name] = canon(a);
    });
    const type = x.ev.kind === "begin" ? TYPE_SLICE_BEGIN : x.ev.kind === "end" ? TYPE_SLICE_END : TYPE_INSTANT;
    out.push({ ts: x.t, type, path, name: x.ev.kind === "end" ? undefined : eventLabel(x.ev, x.args), args, value: undefined });
  }
  for (const [path, d] of depth) for (let i = 0; i < d; i++) out.push({ ts: end, type: TYPE_SLICE_END, path, name: undefined, args: { closed_at_end: "i:1" }, value: undefined });
  return out;
}

function write(run: readonly Emit[], end?: number): Uint8Array {
  const { sink, bytes } = capture();
  for (const x of run) sink.record(x.t, x.ev, x.args);
  sink.close(end);
  return bytes();
}

describe("PerfettoProtoSink properties", () => {
  it("reads back any timestamp up to 2^53 − 1 exactly (varints of up to 8 bytes)", () => {
    fc.assert(
      fc.property(fc.array(fc.maxSafeNat(), { minLength: 1, maxLength: 20 }), (times) => {
        times.sort((a, b) => a - b);
        const trace = readTrace(write(times.map((t) => ({ t, ev: e.write, args: [t, 0] }))));
        expect(trace.events.map((x) => x.ts)).toEqual(times);
        expect(trace.events.map((x) => x.args.addr)).toEqual(times.map((t) => `i:${t}`));
      }),
    );
  });

  it("reads back any 64-bit argument exactly: bigints up to 2^64 − 1 and down to −2^63, safe integers of either sign", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (u, s, n) => {
        const trace = readTrace(write([{ t: 1, ev: e.big, args: [u] }, { t: 2, ev: e.wide, args: [s] }, { t: 3, ev: e.write, args: [n, n] }]));
        expect(trace.events.map((x) => x.args)).toEqual([{ value: `i:${u}` }, { value: `i:${s}` }, { addr: `i:${n}`, val: `i:${n}` }]);
      }),
    );
  });

  it("decodes any run of events back to the same events on the same tracks", () => {
    fc.assert(
      fc.property(runs, fc.integer({ min: 0, max: 1000 }), (run, extra) => {
        const end = (run.at(-1)?.t ?? 0) + extra;
        const trace = readTrace(write(run, end));
        const got = trace.events.map((x) => ({ ts: x.ts, type: x.type, path: x.track.path, name: x.name, args: x.args, value: x.value }));
        expect(got).toEqual(model(run, end));
        expect(trace.flags.slice(1).every((f) => f === SEQ_NEEDS_INCREMENTAL_STATE)).toBe(true);
      }),
    );
  });

  it("writes the same bytes for the same run", () => {
    fc.assert(
      fc.property(runs, (run) => {
        expect(write(run)).toEqual(write(run));
      }),
    );
  });
});

/** The PerfettoSink JSON of a run: processes, threads per process and counter names, in order of appearance. */
function jsonLayout(json: string) {
  const evs = (JSON.parse(json) as { traceEvents: { ph: string; name?: string; pid: number; tid: number; ts?: number; args?: Record<string, unknown> }[] }).traceEvents;
  const processes = new Map<number, string>();
  const threads: string[] = [];
  const counters = new Set<string>();
  const threadOf = new Map<string, string>();
  for (const x of evs) {
    if (x.ph === "M" && x.name === "process_name") processes.set(x.pid, String(x.args!.name));
    if (x.ph === "M" && x.name === "thread_name") {
      const path = `${processes.get(x.pid)}/${String(x.args!.name)}`;
      threads.push(path);
      threadOf.set(`${x.pid}/${x.tid}`, path);
    }
    // Perfetto names a JSON counter "<name> <argument>".
    if (x.ph === "C") for (const k of Object.keys(x.args!)) counters.add(`${processes.get(x.pid)}/${x.name} ${k}`);
  }
  const events = evs.filter((x) => x.ph !== "M").map((x) => ({ ph: x.ph, ts: x.ts!, name: x.ph === "B" || x.ph === "i" ? x.name : undefined, path: x.ph === "C" ? `${processes.get(x.pid)}/${x.name} ${Object.keys(x.args!)[0]}` : threadOf.get(`${x.pid}/${x.tid}`) }));
  return { processes: [...processes.values()], threads, counters, events };
}

const PH: Record<number, string> = { [TYPE_SLICE_BEGIN]: "B", [TYPE_SLICE_END]: "E", [TYPE_INSTANT]: "i", [TYPE_COUNTER]: "C" };

describe("PerfettoProtoSink on the x86-pc board", () => {
  const MS = 1_000_000;
  const pc = new X86Pc({ cpus: 2, HZ: 1000, tickMode: "oneshot" });
  const proto = capture();
  let json = "";
  pc.machine.tracer.attach(proto.sink);
  pc.machine.tracer.attach(new PerfettoSink({ write: (s) => void (json += s) }));
  pc.boot();
  pc.runFor(300 * MS);
  const recorded = pc.machine.tracer.count;
  pc.machine.tracer.close();
  const trace = proto.read();
  const layout = jsonLayout(json);

  it("has a packet per event PerfettoSink drew and a descriptor per group, track and counter", () => {
    const roots = trace.tracks.filter((t) => t.parent === undefined);
    const slices = trace.tracks.filter((t) => t.parent !== undefined && t.counter === null);
    const counters = trace.tracks.filter((t) => t.counter !== null);
    const packets = new Msg(proto.bytes(), "Trace").msgs(TRACE_PACKET, "TracePacket").length;
    expect(packets).toBe(layout.events.length + layout.processes.length + layout.threads.length + layout.counters.size);
    expect(trace.events.length).toBe(layout.events.length);
    expect(roots.map((t) => t.name)).toEqual(layout.processes);
    expect(slices.map((t) => t.path)).toEqual(layout.threads);
    expect(new Set(counters.map((t) => t.path))).toEqual(layout.counters);
    // Every recorded event but unchanged signals and unmatched ends is drawn; close() adds the open slices' ends.
    expect(trace.events.length).toBeLessThanOrEqual(recorded + slices.length);
    expect(trace.events.length).toBeGreaterThan(recorded * 0.8);
  });

  it("draws the same events at the same nanoseconds, with the same names, on the same tracks as PerfettoSink", () => {
    const got = trace.events.map((x) => ({ ph: PH[x.type], ts: x.ts, name: x.name, path: x.track.path }));
    // PerfettoSink writes microseconds with three decimals: the nanoseconds exactly.
    const want = layout.events.map((x) => ({ ...x, ts: Math.round(x.ts * 1000) }));
    expect(got).toEqual(want);
  });

  it("orders each group's tracks as they first appeared, as PerfettoSink's sort indexes do", () => {
    for (const root of trace.tracks.filter((t) => t.parent === undefined)) {
      expect(root.childOrdering).toBe(CHILD_ORDERING_EXPLICIT);
      const ranks = trace.tracks.filter((t) => t.parent === root.uuid).map((t) => t.rank);
      expect(ranks).toEqual(ranks.map((_, i) => i + 1));
    }
  });
});
