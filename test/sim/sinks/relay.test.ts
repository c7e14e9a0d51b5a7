/**
 * The trace relay: events copied into a ring and read back must reach the sink behind it exactly
 * as they would reach it directly (same arguments, same types, same order), whatever the ring's
 * size, and a failing or absent reader must surface as an error on the writing side.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { X86Pc } from "../../../src/platform/boards/x86-pc.js";
import { PerfettoSink } from "../../../src/sim/sinks/perfetto.js";
import { PerfettoProtoSink } from "../../../src/sim/sinks/perfetto-proto.js";
import { RelayError, RelayReader, RelaySink, relayBufferBytes, waitForReader } from "../../../src/sim/sinks/relay.js";
import { VcdSink } from "../../../src/sim/sinks/vcd.js";
import { defineEvents, ev, type TraceArg, type TraceEvent, type TraceInfo, type TraceSink } from "../../../src/sim/trace.js";

/** The smallest ring: records wrap and the writer waits for the reader every few hundred events. */
const SMALL = 1024;

/** A relay whose reader runs on the writer's thread, in front of `sink`. */
function relay(sink: TraceSink, slots = SMALL): { writer: RelaySink; reader: RelayReader } {
  const buffer = new ArrayBuffer(relayBufferBytes(slots));
  const reader = new RelayReader(buffer, sink);
  const writer = new RelaySink(buffer, { drain: () => void reader.pump() });
  return { writer, reader };
}

/** A sink that keeps copies of what it gets (the reader reuses its argument arrays). */
class Capture implements TraceSink {
  readonly events: { t: number; ev: TraceEvent; args: TraceArg[] }[] = [];
  info: TraceInfo | undefined;
  end: number | undefined | null = null;
  open(info: TraceInfo): void {
    this.info = info;
  }
  record(t: number, event: TraceEvent, args: readonly TraceArg[]): void {
    this.events.push({ t, ev: event, args: [...args] });
  }
  close(end?: number): void {
    this.end = end;
  }
}

function bytesOf(chunks: Uint8Array[]): Buffer {
  return Buffer.concat(chunks.map((c) => Buffer.from(c)));
}

describe("RelaySink → RelayReader", () => {
  it("writes the x86-pc board's trace byte for byte as the sinks do directly (protobuf, JSON, VCD)", () => {
    const direct: Uint8Array[][] = [[], [], []];
    const relayed: Uint8Array[][] = [[], [], []];
    const keep = (into: Uint8Array[]) => ({ write: (s: string) => void into.push(new TextEncoder().encode(s)), writeBytes: (b: Uint8Array) => void into.push(b.slice()) });
    const pc = new X86Pc({ cpus: 2, HZ: 1000, tickMode: "oneshot" });
    const make = (i: number, into: Uint8Array[]): TraceSink =>
      i === 0 ? new PerfettoProtoSink(keep(into)) : i === 1 ? new PerfettoSink(keep(into)) : new VcdSink(keep(into), { comment: "relay" });
    for (let i = 0; i < 3; i++) {
      pc.machine.tracer.attach(make(i, direct[i]!));
      pc.machine.tracer.attach(relay(make(i, relayed[i]!)).writer);
    }
    pc.boot();
    pc.runFor(200_000_000);
    pc.machine.tracer.close();
    for (let i = 0; i < 3; i++) {
      expect(bytesOf(direct[i]!).length).toBeGreaterThan(10_000);
      expect(bytesOf(relayed[i]!).equals(bytesOf(direct[i]!))).toBe(true);
    }
  });

  it("passes the opening's signals with their values at attach time, and the closing time", () => {
    const e = defineEvents("relaytest", { wire: ev<[line: string, level: number]>("signal", ["line", "level"], { track: "line" }) });
    const capture = new Capture();
    const { writer, reader } = relay(capture);
    writer.open({ now: 42, signals: [{ ev: e.wire, track: "irq0", value: () => 1 }, { ev: e.wire, track: "irq1", value: () => undefined }] });
    writer.record(50, e.wire, ["irq0", 0]);
    writer.close(99);
    expect(reader.done).toBe(true);
    expect(capture.info?.now).toBe(42);
    expect(capture.info?.signals.map((s) => [s.ev.name, s.ev.id, s.track, s.value()])).toEqual([
      ["wire", e.wire.id, "irq0", 1],
      ["wire", e.wire.id, "irq1", undefined],
    ]);
    expect(capture.events).toEqual([{ t: 50, ev: { ...e.wire }, args: ["irq0", 0] }]);
    expect(capture.end).toBe(99);
  });

  it("closes without an end time when none is given", () => {
    const capture = new Capture();
    relay(capture).writer.close();
    expect(capture.end).toBeUndefined();
  });

  const e = defineEvents("relayprop", {
    none: ev<[]>("instant", []),
    one: ev<[a: TraceArg]>("instant", ["a"]),
    three: ev<[a: TraceArg, b: TraceArg, c: TraceArg]>("instant", ["a", "b:x", "c"]),
    sixteen: ev<TraceArg[]>("instant", Array.from({ length: 16 }, (_, i) => `a${i}`)),
  });
  const arg: fc.Arbitrary<TraceArg> = fc.oneof(
    fc.double(),
    fc.integer(),
    fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    fc.bigInt({ min: -(1n << 80n), max: 1n << 80n }),
    fc.string({ unit: "grapheme", maxLength: 8 }),
    // Longer than a text piece of the smallest ring (2 KiB): sent in pieces.
    fc.string({ unit: "binary", minLength: 1500, maxLength: 3000 }),
  );
  const step = fc.tuple(
    fc.integer({ min: 0, max: 1e12 }),
    fc.oneof(
      fc.constant<[TraceEvent, TraceArg[]]>([e.none, []]),
      arg.map((a): [TraceEvent, TraceArg[]] => [e.one, [a]]),
      fc.tuple(arg, arg, arg).map((a): [TraceEvent, TraceArg[]] => [e.three, a]),
      fc.array(arg, { minLength: 16, maxLength: 16 }).map((a): [TraceEvent, TraceArg[]] => [e.sixteen, a]),
    ),
  );

  it("hands on any run of events unchanged: values, types, -0, NaN, bigints past 64 bits, long strings", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), fc.constantFrom(SMALL, 4096), (steps, slots) => {
        const capture = new Capture();
        const { writer } = relay(capture, slots);
        for (const [t, [event, args]] of steps) writer.record(t, event, args);
        writer.close(7);
        expect(capture.events.length).toBe(steps.length);
        capture.events.forEach((got, i) => {
          const [t, [event, args]] = steps[i]!;
          expect(got.t).toBe(t);
          expect(got.ev.id).toBe(event.id);
          expect(got.ev.name).toBe(event.name);
          expect(got.args.length).toBe(args.length);
          got.args.forEach((a, k) => expect(Object.is(a, args[k])).toBe(true));
        });
      }),
      { numRuns: 150 },
    );
  });

  it("refuses events with more arguments than the tag word carries", () => {
    const big = defineEvents("relaybig", { many: ev<TraceArg[]>("instant", Array.from({ length: 17 }, (_, i) => `a${i}`)) });
    const { writer } = relay(new Capture());
    expect(() => writer.record(0, big.many, new Array<number>(17).fill(0))).toThrow(/relaybig|many has 17 arguments, at most 16/);
  });

  it("reports a reader's failure to the writer, with the reader's message", () => {
    const failing: TraceSink = {
      record: () => {
        throw new Error("ENOSPC: no space left on device, write");
      },
      close: () => {},
    };
    const buffer = new ArrayBuffer(relayBufferBytes(SMALL));
    const reader = new RelayReader(buffer, failing);
    const writer = new RelaySink(buffer, {
      drain: () => {
        try {
          reader.pump();
        } catch (err) {
          reader.fail((err as Error).message);
        }
      },
    });
    writer.record(0, e.one, [1]);
    expect(() => writer.close()).toThrow(new RelayError("ENOSPC: no space left on device, write"));
    expect(() => writer.close()).toThrow(/trace writer failed: ENOSPC/);
  });

  it("an aborted trace makes the reader close its sink and stop", () => {
    const capture = new Capture();
    const { writer, reader } = relay(capture, 4096);
    writer.record(5, e.one, ["x"]);
    expect(writer.abort(0)).toBe(false);
    // The reader's loop sees the abort after reading what was published.
    reader.run();
    expect(reader.done).toBe(true);
    expect(capture.end).toBeUndefined();
    expect(writer.abort(0)).toBe(true);
  });

  it("gives up waiting for a reader that never attaches", () => {
    const buffer = new SharedArrayBuffer(relayBufferBytes(SMALL));
    expect(() => waitForReader(buffer, 10)).toThrow(/no reader attached within 10 ms/);
    new RelayReader(buffer, new Capture());
    expect(() => waitForReader(buffer, 10)).not.toThrow();
  });

  it("rejects ring sizes that are not a power of two of at least 1024 slots", () => {
    for (const slots of [0, 1000, 1536, 2 ** 29]) expect(() => relayBufferBytes(slots)).toThrow(/power of two from 1024 to 2\^28 slots, got/);
    expect(() => new RelaySink(new ArrayBuffer(100))).toThrow(RangeError);
  });
});
