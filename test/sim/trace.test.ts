import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Clock } from "../../src/sim/clock.js";
import { JsonLinesSink, writeArg } from "../../src/sim/sinks/jsonl.js";
import { PerfettoSink, micros } from "../../src/sim/sinks/perfetto.js";
import { RingSink } from "../../src/sim/sinks/ring.js";
import { VcdSink } from "../../src/sim/sinks/vcd.js";
import { ByteWriter, CHUNK } from "../../src/sim/sinks/writer.js";
import { EventSelection, Tracer, defineEvents, ev, eventLabel, formatLine, trackName } from "../../src/sim/trace.js";

const t = defineEvents("test", {
  write: ev<[addr: number, val: number]>("instant", ["addr:x", "val:x"]),
  big: ev<[value: bigint]>("instant", ["value:x"]),
  pkt_begin: ev<[thread: string, pa: number]>("begin", ["thread", "pa:x"], { track: "thread", label: "packet {pa}" }),
  pkt_end: ev<[thread: string]>("end", ["thread"], { track: "thread" }),
  drift: ev<[cpu: string, ppm: number]>("counter", ["cpu", "ppm"], { track: "cpu" }),
  wire: ev<[name: string, level: number]>("signal", ["name", "level"], { track: "name" }),
  bus: ev<[name: string, value: number]>("signal", ["name", "value"], { track: "name", width: 8 }),
  enb: ev<[timer: number, enabled: number]>("signal", ["timer", "enabled"], { track: "dev.timer{timer}.enb", group: "dev" }),
  state: ev<[thread: string, state: number]>("signal", ["thread", "state"], { track: "thread", vcd: "integer" }),
  say: ev<[text: string]>("instant", ["text"]),
});

function text() {
  let s = "";
  return { write: (x: string) => void (s += x), get value() { return s; } };
}

/** A workload that exercises every kind, at distinct and repeated times. */
function play(tracer: Tracer, clock: Clock) {
  clock.newTimer("a", () => {
    tracer.emit(t.write, 0x10, 1);
    tracer.emit(t.pkt_begin, "thr0", 0x4000_0000);
    tracer.emit(t.wire, "irq.a", 1);
  }).mod(1_500);
  clock.newTimer("b", () => {
    tracer.emit(t.wire, "irq.a", 0);
    tracer.emit(t.pkt_end, "thr0");
    tracer.emit(t.drift, "cpu0", -12.5);
    tracer.emit(t.bus, "state", 0xa5);
    tracer.emit(t.big, 0xffff_ffff_ffff_ffffn);
  }).mod(2_000_123);
  clock.run(3_000_000);
  tracer.close();
}

type TraceEventJson = Record<string, unknown> & { ph: string; pid: number; tid?: number; name?: string; ts?: number; args?: Record<string, unknown> };

function parsePerfetto(json: string): TraceEventJson[] {
  const doc = JSON.parse(json) as { traceEvents: TraceEventJson[] };
  expect(Object.keys(doc)).toEqual(["traceEvents"]);
  return doc.traceEvents;
}

describe("trace catalogue", () => {
  it("refuses bad tracks, labels and argument names, with the event and the culprit named", () => {
    expect(() => defineEvents("x", { e: ev("instant", ["a"], { track: "b" }) })).toThrow(/event e: track 'b'/);
    expect(() => defineEvents("x", { e: ev("instant", ["a", "b"], { track: "{a}.{b}" }) })).toThrow(/one \{argument\}/);
    expect(() => defineEvents("x", { e: ev("instant", ["a"], { track: "cpu{c}" }) })).toThrow(/names 'c', which is not an argument/);
    expect(() => defineEvents("x", { e: ev("instant", ["a"], { label: "x {zz}" }) })).toThrow(/label 'x \{zz\}' names 'zz'/);
    expect(() => defineEvents("x", { e: ev("counter", []) })).toThrow(/value argument/);
    expect(() => defineEvents("x", { e: ev("instant", ["t"]) })).toThrow(/'t' is reserved/);
    expect(() => defineEvents("x", { e: ev("instant", ["a", "a:x"]) })).toThrow(/'a' declared twice/);
    expect(() => defineEvents("x", { e: ev("signal", ["v"], { width: 65 }) })).toThrow(/width 65/);
  });

  it("names tracks from templates and titles slices from labels", () => {
    expect(trackName(t.enb, 2)).toBe("dev.timer2.enb");
    expect(trackName(t.pkt_begin, "thr7")).toBe("thr7");
    expect(trackName(t.write, undefined)).toBe("test");
    expect(t.enb.group).toBe("dev");
    expect(t.write.group).toBe("test");
    expect(eventLabel(t.pkt_begin, ["thr0", 0x4000_0100])).toBe("packet 0x40000100");
    expect(eventLabel(t.write, [1, 2])).toBe("write");
    expect(t.state.width).toBe(32);
    const ids = Object.values(t).map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("selects events by category or name, include then exclude", () => {
    const all = new EventSelection();
    const only = new EventSelection({ include: ["test"], exclude: ["big"] });
    const none = new EventSelection({ include: ["other"] });
    expect([all.accepts(t.big), only.accepts(t.big), only.accepts(t.write), none.accepts(t.write)]).toEqual([true, false, true, false]);
  });

  it("does nothing while no sink listens", () => {
    const tracer = new Tracer(new Clock());
    expect(tracer.on).toBe(false);
    const ring = new RingSink();
    tracer.attach(ring);
    expect(tracer.on).toBe(true);
    tracer.detach(ring);
    expect(tracer.on).toBe(false);
  });

  it("keeps one declaration per wire and refuses a signal declared as something else", () => {
    const tracer = new Tracer(new Clock());
    tracer.declareSignal(t.wire, "irq.a", () => 0);
    tracer.declareSignal(t.wire, "irq.a", () => 1);
    expect(tracer.signals).toHaveLength(1);
    expect(() => tracer.declareSignal(t.write as never, 1)).toThrow(/not a signal/);
    expect(() => tracer.declareSignal(t.bus, "irq.a")).toThrow(/another shape/);
  });
});

describe("sinks", () => {
  it("formats text lines with hex arguments and zero-padded nanoseconds", () => {
    expect(formatLine(1000, t.write, [0x10, 1])).toBe("000000001000 test write addr=0x10 val=0x1");
  });

  it("keeps the newest events in the ring and counts the dropped ones", () => {
    const clock = new Clock();
    const tracer = new Tracer(clock);
    const ring = new RingSink(3);
    tracer.attach(ring);
    for (let i = 0; i < 5; i++) tracer.emit(t.write, i, i);
    expect(ring.dropped).toBe(2);
    expect(ring.entries().map((e) => e.args[0])).toEqual([2, 3, 4]);
    expect(() => new RingSink(0)).toThrow(RangeError);
  });

  it("writes one JSON object per line, fields in a fixed order, 64-bit values as hex strings", () => {
    const clock = new Clock();
    const tracer = new Tracer(clock);
    const out = text();
    tracer.attach(new JsonLinesSink(out));
    play(tracer, clock);
    const lines = out.value.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({ t: 1500, cat: "test", ev: "write", addr: 16, val: 1 });
    expect(Object.keys(lines[1]!)).toEqual(["t", "cat", "ev", "thread", "pa"]);
    expect(lines.at(-1)).toEqual({ t: 2_000_123, cat: "test", ev: "big", value: "0xffffffffffffffff" });
    expect(lines).toHaveLength(8);
  });

  it("escapes any text into valid JSON and drops filtered events", () => {
    const tracer = new Tracer(new Clock());
    const out = text();
    tracer.attach(new JsonLinesSink(out, { filter: { exclude: ["write"] } }));
    const nasty = 'quote " back \\ tab \t nl \n del \x7f nul \0 é 漢 😀';
    tracer.emit(t.say, nasty);
    tracer.emit(t.write, 1, 2);
    tracer.emit(t.drift, "cpu0", Number.NaN);
    tracer.close();
    const lines = out.value.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { t: 0, cat: "test", ev: "say", text: nasty },
      { t: 0, cat: "test", ev: "drift", cpu: "cpu0", ppm: null },
    ]);
    // Perfetto's tokenizer refuses raw control characters, DEL included.
    expect([...out.value.split("\n")[0]!].filter((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)).toEqual([]);
  });

  it("writes Chrome trace-event JSON: named processes and threads, slices titled by label, exact microseconds", () => {
    const clock = new Clock();
    const tracer = new Tracer(clock);
    const out = text();
    tracer.attach(new PerfettoSink(out));
    play(tracer, clock);
    const evs = parsePerfetto(out.value);
    expect(evs[0]).toEqual({ ph: "M", name: "process_name", pid: 1, tid: 1, args: { name: "test" } });
    expect(evs[1]).toEqual({ ph: "M", name: "process_sort_index", pid: 1, tid: 1, args: { sort_index: 1 } });
    const begin = evs.find((e) => e.ph === "B")!;
    const end = evs.find((e) => e.ph === "E")!;
    expect(begin).toMatchObject({ name: "packet 0x40000000", cat: "test", ts: 1.5, pid: 1, args: { pa: 0x4000_0000 } });
    expect(end).toEqual({ ph: "E", pid: 1, tid: begin.tid, ts: 2000.123 });
    const threadName = evs.find((e) => e.ph === "M" && e.name === "thread_name" && e.tid === begin.tid);
    expect(threadName).toMatchObject({ pid: 1, args: { name: "thr0" } });
    expect(evs.find((e) => e.ph === "C" && e.name === "cpu0")).toMatchObject({ pid: 1, ts: 2000.123, args: { ppm: -12.5 } });
    expect(evs.filter((e) => e.ph === "C" && e.name === "irq.a").map((e) => e.args)).toEqual([{ level: 1 }, { level: 0 }]);
    expect(evs.find((e) => e.ph === "i" && e.name === "big")).toMatchObject({ args: { value: "0xffffffffffffffff" } });
    expect(out.value).toContain('"ts":2000.123');
    expect(out.value).toContain('"ts":1.500');
  });

  it("keeps every slice balanced: drops an end with nothing open, ends open slices at close", () => {
    const clock = new Clock();
    const tracer = new Tracer(clock);
    const out = text();
    tracer.attach(new PerfettoSink(out));
    tracer.emit(t.pkt_end, "thr0");
    tracer.emit(t.pkt_begin, "thr0", 1);
    tracer.emit(t.pkt_begin, "thr0", 2);
    tracer.emit(t.wire, "w", 1);
    tracer.emit(t.wire, "w", 1);
    clock.newTimer("x", () => tracer.close()).mod(7_001);
    clock.run(10_000);
    const evs = parsePerfetto(out.value);
    expect(evs.filter((e) => e.ph === "B")).toHaveLength(2);
    expect(evs.filter((e) => e.ph === "E")).toEqual([
      { ph: "E", pid: 1, tid: 2, ts: 7.001, args: { closed_at_end: 1 } },
      { ph: "E", pid: 1, tid: 2, ts: 7.001, args: { closed_at_end: 1 } },
    ]);
    // A signal writes only its changes.
    expect(evs.filter((e) => e.ph === "C")).toHaveLength(1);
  });

  it("puts events of a group in one process and keeps pids and tids apart", () => {
    const tracer = new Tracer(new Clock());
    const out = text();
    tracer.attach(new PerfettoSink(out, { filter: { exclude: ["say"] } }));
    tracer.emit(t.enb, 0, 1);
    tracer.emit(t.enb, 1, 1);
    tracer.emit(t.pkt_begin, "thr0", 1);
    tracer.emit(t.say, "dropped");
    tracer.close();
    const evs = parsePerfetto(out.value);
    const procs = evs.filter((e) => e.name === "process_name").map((e) => [e.pid, e.args?.name]);
    expect(procs).toEqual([
      [1, "dev"],
      [2, "test"],
    ]);
    // Counters in group "dev" lose the group's prefix: Perfetto shows "timer0.enb enabled".
    expect(evs.filter((e) => e.ph === "C").map((e) => [e.pid, e.name, e.args])).toEqual([
      [1, "timer0.enb", { enabled: 1 }],
      [1, "timer1.enb", { enabled: 1 }],
    ]);
    const tids = evs.filter((e) => e.name === "thread_name").map((e) => e.tid);
    expect(tids).toEqual([3]);
    expect(out.value).not.toContain("dropped");
  });

  it("writes a VCD with the wires given, nested scopes, an initial dump and value changes at their times", () => {
    const clock = new Clock();
    const tracer = new Tracer(clock);
    const out = text();
    const vcd = new VcdSink(out, [
      { name: "irq.a", width: 1 },
      { name: "state", width: 8 },
      { name: "irq.sub.b", width: 1, initial: 0 },
    ]);
    tracer.attach(vcd);
    tracer.emit(t.wire, "undeclared", 1);
    play(tracer, clock);
    const body = out.value;
    expect(body).toContain("$timescale 1 ns $end");
    expect(body).toContain('$scope module irq $end\n$var wire 1 ! a $end\n$scope module sub $end\n$var wire 1 # b $end\n$upscope $end\n$upscope $end');
    expect(body).toContain('$scope module top $end\n$var wire 8 " state $end\n$upscope $end');
    const changes = body.slice(body.indexOf("$enddefinitions"));
    expect(changes).toBe('$enddefinitions $end\n#0\n$dumpvars\nx!\nbx "\n0#\n$end\n#1500\n1!\n#2000123\n0!\nb10100101 "\n');
    expect(vcd.undeclared).toBe(1);
    expect(() => new VcdSink(text(), [{ name: "w", width: 0 }])).toThrow(/width 0/);
    expect(() => new VcdSink(text(), [{ name: "w", width: 1 }, { name: "w", width: 1 }])).toThrow(/twice/);
  });

  it("declares the wires the devices declared, with their values when attached, and writes each step's net change", () => {
    const clock = new Clock();
    const tracer = new Tracer(clock);
    let level = 1;
    tracer.declareSignal(t.wire, "dev.irq0", () => level);
    tracer.declareSignal(t.enb, 3, () => 0);
    tracer.declareSignal(t.state, "gce.thr1");
    clock.run(500);
    const out = text();
    const vcd = new VcdSink(out, { comment: "unit test" });
    tracer.attach(vcd);
    expect(vcd.declared).toEqual(["dev.irq0", "dev.timer3.enb", "gce.thr1"]);
    clock.newTimer("a", () => {
      level = 0;
      tracer.emit(t.wire, "dev.irq0", 0);
      tracer.emit(t.enb, 3, 1);
      tracer.emit(t.enb, 3, 0); // set and cleared within the step: no change
      tracer.emit(t.state, "gce.thr1", 2);
    }).mod(900);
    clock.run(1000);
    tracer.close();
    const body = out.value;
    expect(body.startsWith("$comment unit test $end\n")).toBe(true);
    expect(body).toContain("$scope module dev $end\n$var wire 1 ! irq0 $end\n$scope module timer3 $end\n$var wire 1 \" enb $end\n$upscope $end\n$upscope $end");
    expect(body).toContain("$scope module gce $end\n$var integer 32 # thr1 $end\n$upscope $end");
    expect(body.slice(body.indexOf("$enddefinitions"))).toBe('$enddefinitions $end\n#500\n$dumpvars\n1!\n0"\nbx #\n$end\n#900\n0!\nb10 #\n');
  });
});

describe("bounded streaming", () => {
  it("formats numbers, strings and timestamps byte for byte as JSON.stringify and the integer arithmetic do", () => {
    const decode = (fill: (w: ByteWriter) => void) => {
      let s = "";
      const w = new ByteWriter({ write: (x) => void (s += x) });
      fill(w);
      w.flush();
      return s;
    };
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double(), fc.maxSafeInteger(), fc.constantFrom(-0, 1e21, 5e-324)), (n) => {
        expect(decode((w) => w.number(n))).toBe(Number.isFinite(n) ? JSON.stringify(n) : "null");
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        expect(JSON.parse(decode((w) => w.jsonString(s)))).toBe(s);
        expect(decode((w) => w.text(s))).toBe(new TextDecoder().decode(new TextEncoder().encode(s)));
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (v) => {
        expect(decode((w) => writeArg(w, v))).toBe(`"0x${v.toString(16)}"`);
      }),
    );
    fc.assert(
      fc.property(fc.maxSafeNat(), (ns) => {
        const us = BigInt(ns) / 1000n;
        const frac = (BigInt(ns) % 1000n).toString().padStart(3, "0");
        expect(decode((w) => w.micros(ns))).toBe(`${us}.${frac}`);
        expect(micros(ns)).toBe(`${us}.${frac}`);
      }),
    );
  });

  it("hands the same bytes to a byte output and to a text output, in chunks of at most CHUNK", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: "grapheme", maxLength: 300 }), fc.nat()), { maxLength: 2000 }), (pieces) => {
        const chunks: Uint8Array[] = [];
        let str = "";
        const a = new ByteWriter({ write: () => expect.unreachable(), writeBytes: (b) => void chunks.push(b.slice()) });
        const b = new ByteWriter({ write: (x) => void (str += x) });
        for (const p of pieces) {
          for (const w of [a, b]) {
            if (typeof p === "number") w.uint(p);
            else w.jsonString(p);
            expect(w.buffered).toBeLessThanOrEqual(CHUNK);
          }
        }
        a.flush();
        b.flush();
        expect(chunks.every((c) => c.length <= CHUNK)).toBe(true);
        const bytes = Buffer.concat(chunks);
        expect(bytes.toString("utf8")).toBe(str);
        expect(a.written).toBe(bytes.length);
      }),
      { numRuns: 30 },
    );
  });

  it("streams a long trace through every file sink with at most CHUNK bytes held", () => {
    const clock = new Clock();
    const tracer = new Tracer(clock);
    tracer.declareSignal(t.wire, "irq.a", () => 0);
    const counting = () => {
      const o = { bytes: 0, calls: 0, write: (s: string) => void ((o.bytes += Buffer.byteLength(s)), o.calls++) };
      return o;
    };
    const outs = [counting(), counting(), counting()];
    const sinks = [new PerfettoSink(outs[0]!), new JsonLinesSink(outs[1]!), new VcdSink(outs[2]!)];
    for (const s of sinks) tracer.attach(s);
    let held = 0;
    const timer = clock.newTimer("load", () => {
      const now = clock.now;
      tracer.emit(t.write, now & 0xffff, now);
      tracer.emit(t.pkt_begin, `thr${now % 16}`, now);
      tracer.emit(t.pkt_end, `thr${now % 16}`);
      tracer.emit(t.wire, "irq.a", (now / 10) & 1);
      held = Math.max(held, ...sinks.map((s) => s.buffered));
      if (now < 2_000_000) timer.mod(now + 10);
    });
    timer.mod(0);
    clock.run(3_000_000);
    tracer.close();
    // 200 001 steps of 4 events: tens of megabytes went out, never more than a chunk held.
    expect(outs[0]!.bytes).toBeGreaterThan(50e6);
    expect(outs.map((o) => o.calls > o.bytes / CHUNK - 1)).toEqual([true, true, true]);
    expect(outs[2]!.bytes).toBeGreaterThan(200_000 * "#10\n1!\n".length);
    expect(held).toBeLessThanOrEqual(CHUNK);
    expect(sinks.map((s) => s.buffered)).toEqual([0, 0, 0]);
  });
});
