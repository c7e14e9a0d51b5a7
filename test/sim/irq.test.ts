import { describe, expect, it } from "vitest";
import { Clock } from "../../src/sim/clock.js";
import { IrqLine, OrIrq, type IrqSink } from "../../src/sim/irq.js";
import { RingSink } from "../../src/sim/sinks/ring.js";
import { Tracer } from "../../src/sim/trace.js";

function recorder(): IrqSink & { log: string[] } {
  const log: string[] = [];
  return { log, setIrq: (pin, level) => log.push(`${pin}:${level ? 1 : 0}`) };
}

describe("IrqLine", () => {
  it("tells connected inputs about level changes only, and counts rising edges", () => {
    const tracer = new Tracer(new Clock());
    const line = new IrqLine("hpet.t0", tracer);
    const ioapic = recorder();
    const probe = recorder();
    line.connect(ioapic, 2);
    line.connect(probe, 0);
    line.raise();
    line.raise();
    line.lower();
    line.pulse();
    expect(ioapic.log).toEqual(["2:1", "2:0", "2:1", "2:0"]);
    expect(probe.log).toEqual(["0:1", "0:0", "0:1", "0:0"]);
    expect(line.rises).toBe(2);
  });

  it("delivers the current level to an input connected while the line is high", () => {
    const line = new IrqLine("x", new Tracer(new Clock()));
    line.raise();
    const sink = recorder();
    line.connect(sink, 5);
    expect(sink.log).toEqual(["5:1"]);
  });

  it("traces level changes as signal events", () => {
    const tracer = new Tracer(new Clock());
    const ring = new RingSink();
    tracer.attach(ring);
    const line = new IrqLine("gce", tracer);
    line.pulse();
    expect(ring.lines()).toEqual(["000000000000 sim irq_level line=gce level=1", "000000000000 sim irq_level line=gce level=0"]);
  });
});

describe("OrIrq", () => {
  it("keeps a shared level line asserted while any source asserts it (wired OR)", () => {
    const out = new IrqLine("pin11", new Tracer(new Clock()));
    const sink = recorder();
    out.connect(sink, 11);
    const or = new OrIrq(out, 3);
    or.setIrq(0, true);
    or.setIrq(2, true);
    or.setIrq(0, false);
    expect(out.level).toBe(true);
    or.setIrq(2, false);
    or.setIrq(2, false);
    expect(sink.log).toEqual(["11:1", "11:0"]);
    expect(() => or.setIrq(3, true)).toThrow(/no input 3/);
  });
});
