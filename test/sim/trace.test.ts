import { describe, expect, it } from "vitest";
import { Clock } from "../../src/sim/clock.js";
import { JsonLinesSink } from "../../src/sim/sinks/jsonl.js";
import { PerfettoSink } from "../../src/sim/sinks/perfetto.js";
import { RingSink } from "../../src/sim/sinks/ring.js";
import { VcdSink } from "../../src/sim/sinks/vcd.js";
import { Tracer, defineEvents, ev, formatLine } from "../../src/sim/trace.js";

const t = defineEvents("test", {
  write: ev<[addr: number, val: number]>("instant", ["addr:x", "val:x"]),
  big: ev<[value: bigint]>("instant", ["value:x"]),
  pkt_begin: ev<[thread: string, pa: number]>("begin", ["thread", "pa:x"], { track: "thread" }),
  pkt_end: ev<[thread: string]>("end", ["thread"], { track: "thread" }),
  drift: ev<[cpu: string, ppm: number]>("counter", ["cpu", "ppm"], { track: "cpu" }),
  wire: ev<[name: string, level: number]>("signal", ["name", "level"], { track: "name" }),
  bus: ev<[name: string, value: number]>("signal", ["name", "value"], { track: "name", width: 8 }),
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

describe("trace catalogue", () => {
  it("refuses events whose track is not an argument or whose counter has no value", () => {
    expect(() => defineEvents("x", { e: ev("instant", ["a"], { track: "b" }) })).toThrow(/track 'b'/);
    expect(() => defineEvents("x", { e: ev("counter", []) })).toThrow(/value argument/);
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

  it("writes one parseable JSON object per line, 64-bit values as hex strings", () => {
    const clock = new Clock();
    const tracer = new Tracer(clock);
    const out = text();
    tracer.attach(new JsonLinesSink(out));
    play(tracer, clock);
    const lines = out.value.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({ t: 1500, cat: "test", ev: "write", addr: 16, val: 1 });
    expect(lines.at(-1)).toEqual({ t: 2_000_123, cat: "test", ev: "big", value: "0xffffffffffffffff" });
    expect(lines).toHaveLength(8);
  });

  it("writes Chrome trace-event JSON with named processes and threads and microsecond timestamps", () => {
    const clock = new Clock();
    const tracer = new Tracer(clock);
    const out = text();
    tracer.attach(new PerfettoSink(out));
    play(tracer, clock);
    const doc = JSON.parse(out.value) as { displayTimeUnit: string; traceEvents: Array<Record<string, unknown>> };
    expect(doc.displayTimeUnit).toBe("ns");
    const evs = doc.traceEvents;
    expect(evs[0]).toEqual({ name: "process_name", ph: "M", pid: 1, tid: 0, args: { name: "test" } });
    const begin = evs.find((e) => e.ph === "B")!;
    const end = evs.find((e) => e.ph === "E")!;
    expect(begin).toMatchObject({ name: "pkt_begin", ts: 1.5, pid: 1, args: { thread: "thr0", pa: 0x4000_0000 } });
    expect(end).toMatchObject({ ts: 2000.123, pid: 1, tid: begin.tid });
    const threadName = evs.find((e) => e.ph === "M" && e.tid === begin.tid);
    expect(threadName).toMatchObject({ name: "thread_name", args: { name: "thr0" } });
    expect(evs.find((e) => e.ph === "C" && e.name === "cpu0 drift")).toMatchObject({ args: { value: -12.5 } });
    expect(out.value).toContain('"ts":2000.123');
  });

  it("writes a VCD with declared wires in scopes, an initial dump and value changes at their times", () => {
    const clock = new Clock();
    const tracer = new Tracer(clock);
    const out = text();
    const vcd = new VcdSink(out, [{ name: "irq.a", width: 1 }, { name: "state", width: 8 }]);
    tracer.attach(vcd);
    tracer.emit(t.wire, "undeclared", 1);
    play(tracer, clock);
    const body = out.value;
    expect(body).toContain("$timescale 1ns $end");
    expect(body).toContain("$scope module irq $end\n$var wire 1 ! a $end\n$upscope $end");
    expect(body).toContain('$scope module top $end\n$var wire 8 " state $end\n$upscope $end');
    const changes = body.slice(body.indexOf("$enddefinitions"));
    expect(changes).toContain("#0\n$dumpvars\nx!\nbx \"\n$end\n#1500\n1!\n#2000123\n0!\nb10100101 \"\n");
    expect(vcd.undeclared).toBe(1);
    expect(() => new VcdSink(text(), [{ name: "w", width: 0 }])).toThrow(/width 0/);
    expect(() => new VcdSink(text(), [{ name: "w", width: 1 }, { name: "w", width: 1 }])).toThrow(/twice/);
  });

  it("streams in bounded chunks rather than holding the whole trace", () => {
    const clock = new Clock();
    const tracer = new Tracer(clock);
    const writes: number[] = [];
    tracer.attach(new JsonLinesSink({ write: (s) => void writes.push(s.length) }));
    for (let i = 0; i < 20_000; i++) tracer.emit(t.write, i, i);
    expect(writes.length).toBeGreaterThan(5);
    expect(Math.max(...writes)).toBeLessThan(70 * 1024);
    tracer.close();
  });
});
