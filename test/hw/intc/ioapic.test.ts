import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  APIC_EOI,
  APIC_IRR,
  APIC_ISR,
  APIC_LDR,
  APIC_TASKPRI,
  APIC_TMR,
  IOAPIC_BASE,
  IOAPIC_EOI,
  IOAPICARB,
  IOAPICID,
  IOAPICVER,
  IOREDTBL,
  IOREGSEL,
  IOWIN,
  RTE_DESTMOD_LOGICAL,
  RTE_DM_LOWEST,
  RTE_DM_NMI,
  RTE_INTPOL_LOW,
  RTE_LEVEL,
  RTE_MASKED,
  RTE_REMOTE_IRR,
  machine,
  type Machine,
} from "./harness.js";

/** The CPU takes the interrupt and runs a handler that ends with EOI, as the platform will. */
function takeAndEoi(m: Machine, cpu = 0): number {
  const v = m.lapic(cpu).acknowledge();
  m.asCpu(cpu).writel(APIC_EOI, 0);
  return v;
}

describe("IOAPIC registers", () => {
  it("resets to ID 0, VER 0x00170020 (version 0x20, 24 entries) and every entry masked", () => {
    const m = machine();
    expect(m.ioapicRead(IOAPICID)).toBe(0);
    expect(m.ioapicRead(IOAPICVER)).toBe(0x0017_0020);
    expect(m.ioapicRead(IOAPICARB)).toBe(0);
    for (let pin = 0; pin < 24; pin++) {
      expect(m.ioapicRead(IOREDTBL(pin))).toBe(0x0001_0000);
      expect(m.ioapicRead(IOREDTBL(pin) + 1)).toBe(0);
    }
    expect(m.guestErrors()).toEqual([]);
  });

  it("reports version 0x11 for an 82093AA and reads back IOREGSEL", () => {
    const m = machine({ ioapic: { version: 0x11, id: 2 } });
    expect(m.ioapicRead(IOAPICVER)).toBe(0x0017_0011);
    expect(m.ioapicRead(IOAPICID)).toBe(0x0200_0000);
    expect(m.ioapicRead(IOAPICARB)).toBe(0x0200_0000);
    m.bus.write8(IOAPIC_BASE + IOREGSEL, 0x13);
    expect(m.bus.read8(IOAPIC_BASE + IOREGSEL)).toBe(0x13);
  });

  it("stores the ID in bits 27:24 and keeps Remote IRR and delivery status read-only", () => {
    const m = machine();
    m.ioapicWrite(IOAPICID, 0x0500_0000);
    expect(m.ioapicRead(IOAPICID)).toBe(0x0500_0000);
    m.ioapicWrite(IOREDTBL(4), 0x0001_ff31 | RTE_REMOTE_IRR | (1 << 12));
    expect(m.rteLo(4)).toBe(0x0001_af31);
    m.ioapicWrite(IOREDTBL(4) + 1, 0xff00_0000);
    expect(m.ioapicRead(IOREDTBL(4) + 1)).toBe(0xff00_0000);
  });

  it("traces bad offsets, widths, indices and read-only writes as guest errors and never throws", () => {
    const m = machine();
    expect(m.bus.read32(IOAPIC_BASE + 0x20)).toBe(0);
    m.bus.write32(IOAPIC_BASE + 0x30, 1);
    m.bus.write32(IOAPIC_BASE + IOREGSEL, IOAPICVER);
    expect(m.bus.read16(IOAPIC_BASE + IOWIN)).toBe(0);
    m.bus.write8(IOAPIC_BASE + IOWIN, 1);
    m.ioapicWrite(IOAPICVER, 0);
    expect(m.ioapicRead(IOAPICVER)).toBe(0x0017_0020);
    expect(m.ioapicRead(0x40)).toBe(0);
    m.ioapicWrite(0x03, 1);
    m.ioapicWrite(IOREDTBL(0), 0xffff_ffff);
    expect(m.bus.read32(IOAPIC_BASE + IOAPIC_EOI)).toBe(0);
    expect(m.guestErrors().length).toBe(9);
    expect(m.guestErrors().join("\n")).toMatch(/reserved bits/);
  });

  it("treats an input pin outside 0..23 as a wiring bug", () => {
    const m = machine();
    expect(() => m.ioapic.setIrq(24, true)).toThrow(RangeError);
  });
});

describe("IOAPIC edge-triggered pins", () => {
  it("delivers an unmasked pin's vector to the destination LAPIC on each rising edge", () => {
    const m = machine();
    m.enable();
    m.route(2, 0x30, 0);
    m.ioapic.setIrq(2, true);
    expect(m.vectors(APIC_IRR)).toEqual([0x30]);
    expect(m.bit(APIC_TMR, 0x30)).toBe(false);
    expect(m.lapic().intr.level).toBe(true);
    // Holding the line is not another edge.
    m.ioapic.setIrq(2, true);
    expect(takeAndEoi(m)).toBe(0x30);
    expect(m.vectors(APIC_IRR)).toEqual([]);
    m.ioapic.setIrq(2, false);
    m.ioapic.setIrq(2, true);
    expect(m.vectors(APIC_IRR)).toEqual([0x30]);
    expect(m.ioapic.deliveries).toBe(2);
    expect(m.rteLo(2) & RTE_REMOTE_IRR).toBe(0);
  });

  it("ignores edges on a masked pin instead of latching them (82093AA §3.2.4, as QEMU)", () => {
    const m = machine();
    m.enable();
    m.route(8, 0x38 | RTE_MASKED);
    m.ioapic.setIrq(8, true);
    m.ioapic.setIrq(8, false);
    m.route(8, 0x38);
    expect(m.vectors(APIC_IRR)).toEqual([]);
    expect(m.ioapic.deliveries).toBe(0);
  });

  it("makes no edge when an asserted pin is unmasked", () => {
    const m = machine();
    m.enable();
    m.route(8, 0x38 | RTE_MASKED);
    m.ioapic.setIrq(8, true);
    m.route(8, 0x38);
    expect(m.ioapic.deliveries).toBe(0);
  });
});

describe("IOAPIC level-triggered pins", () => {
  it("sets Remote IRR on delivery, holds further messages, and re-delivers after EOI while still asserted", () => {
    const m = machine();
    m.enable();
    m.route(21, 0x41 | RTE_LEVEL);
    m.ioapic.setIrq(21, true);
    expect(m.rteLo(21) & RTE_REMOTE_IRR).toBe(RTE_REMOTE_IRR);
    expect(m.bit(APIC_TMR, 0x41)).toBe(true);
    expect(m.lapic().acknowledge()).toBe(0x41);
    // The source toggles while Remote IRR is set: nothing new goes out.
    m.ioapic.setIrq(21, false);
    m.ioapic.setIrq(21, true);
    expect(m.ioapic.deliveries).toBe(1);
    // The handler did not clear the source: EOI re-delivers.
    m.writel(APIC_EOI, 0);
    expect(m.ioapic.deliveries).toBe(2);
    expect(m.vectors(APIC_IRR)).toEqual([0x41]);
    expect(m.rteLo(21) & RTE_REMOTE_IRR).toBe(RTE_REMOTE_IRR);
    // This time the handler clears the source before EOI.
    expect(m.lapic().acknowledge()).toBe(0x41);
    m.ioapic.setIrq(21, false);
    m.writel(APIC_EOI, 0);
    expect(m.rteLo(21) & RTE_REMOTE_IRR).toBe(0);
    expect(m.ioapic.deliveries).toBe(2);
    expect(m.lapic().intr.level).toBe(false);
  });

  it("takes an explicit EOI in its version-0x20 EOI register", () => {
    const m = machine();
    m.enable();
    m.route(20, 0x50 | RTE_LEVEL);
    m.ioapic.setIrq(20, true);
    m.ioapic.setIrq(20, false);
    expect(m.rteLo(20) & RTE_REMOTE_IRR).toBe(RTE_REMOTE_IRR);
    m.bus.write32(IOAPIC_BASE + IOAPIC_EOI, 0x51);
    expect(m.rteLo(20) & RTE_REMOTE_IRR).toBe(RTE_REMOTE_IRR);
    m.bus.write32(IOAPIC_BASE + IOAPIC_EOI, 0x50);
    expect(m.rteLo(20) & RTE_REMOTE_IRR).toBe(0);
  });

  it("has no EOI register at version 0x11 (a guest error), but clears Remote IRR when the entry is rewritten as edge", () => {
    const m = machine({ ioapic: { version: 0x11 } });
    m.enable();
    m.route(20, 0x50 | RTE_LEVEL);
    m.ioapic.setIrq(20, true);
    m.ioapic.setIrq(20, false);
    m.bus.write32(IOAPIC_BASE + IOAPIC_EOI, 0x50);
    expect(m.rteLo(20) & RTE_REMOTE_IRR).toBe(RTE_REMOTE_IRR);
    expect(m.guestErrors()).toHaveLength(1);
    // Linux __eoi_ioapic_pin on parts without the EOI register: mask, edge, level, unmask.
    m.ioapicWrite(IOREDTBL(20), 0x50 | RTE_MASKED);
    m.ioapicWrite(IOREDTBL(20), 0x50 | RTE_MASKED | RTE_LEVEL);
    m.ioapicWrite(IOREDTBL(20), 0x50 | RTE_LEVEL);
    expect(m.rteLo(20) & RTE_REMOTE_IRR).toBe(0);
  });

  it("delivers an asserted level pin as soon as it is unmasked", () => {
    const m = machine();
    m.enable();
    m.route(22, 0x60 | RTE_LEVEL | RTE_MASKED);
    m.ioapic.setIrq(22, true);
    expect(m.ioapic.deliveries).toBe(0);
    m.route(22, 0x60 | RTE_LEVEL);
    expect(m.vectors(APIC_IRR)).toEqual([0x60]);
  });

  it("postpones re-delivery by 10 ms after 10 000 back-to-back EOIs of an unhandled level source (QEMU's storm guard)", () => {
    const m = machine();
    m.tracer.close();
    m.enable();
    m.route(23, 0x70 | RTE_LEVEL);
    m.ioapic.setIrq(23, true);
    let taken = 0;
    while (m.lapic().intr.level) {
      takeAndEoi(m);
      taken++;
    }
    expect(taken).toBe(10_000);
    expect(m.clock.nextDeadline()).toBe(10_000_000);
    m.clock.run(10_000_000);
    expect(m.lapic().intr.level).toBe(true);
  });

  it("can turn the storm guard off", () => {
    const m = machine({ ioapic: { stormGuard: { limit: 3, delayNs: 500 } } });
    m.enable();
    m.route(23, 0x70 | RTE_LEVEL);
    m.ioapic.setIrq(23, true);
    for (let i = 0; i < 3; i++) takeAndEoi(m);
    expect(m.lapic().intr.level).toBe(false);
    expect(m.ring.lines().some((l) => l.includes("ioapic_eoi_delayed_reassert pin=23"))).toBe(true);
    m.clock.run(500);
    expect(m.lapic().intr.level).toBe(true);
    const off = machine({ ioapic: { stormGuard: false } });
    off.tracer.close();
    off.enable();
    off.route(23, 0x70 | RTE_LEVEL);
    off.ioapic.setIrq(23, true);
    for (let i = 0; i < 20_000; i++) takeAndEoi(off);
    expect(off.lapic().intr.level).toBe(true);
  });
});

describe("IOAPIC polarity", () => {
  it("sees an active-high source on a pin programmed active-low as asserted while the source is idle (electrical, the datasheet)", () => {
    const m = machine();
    m.enable();
    m.route(21, 0x41 | RTE_LEVEL | RTE_INTPOL_LOW);
    expect(m.vectors(APIC_IRR)).toEqual([0x41]);
    m.lapic().acknowledge();
    m.ioapic.setIrq(21, true);
    m.writel(APIC_EOI, 0);
    expect(m.ioapic.deliveries).toBe(1);
  });

  it("inverts pins the board drives active-low, so an active-low entry then follows the source", () => {
    const m = machine({ ioapic: { activeLowPins: 1 << 21 } });
    m.enable();
    m.route(21, 0x41 | RTE_LEVEL | RTE_INTPOL_LOW);
    expect(m.ioapic.deliveries).toBe(0);
    m.ioapic.setIrq(21, true);
    expect(m.vectors(APIC_IRR)).toEqual([0x41]);
  });

  it("ignores INTPOL in the logical (QEMU) mode", () => {
    const m = machine({ ioapic: { polarity: "logical" } });
    m.enable();
    m.route(21, 0x41 | RTE_LEVEL | RTE_INTPOL_LOW);
    expect(m.ioapic.deliveries).toBe(0);
    m.ioapic.setIrq(21, true);
    expect(m.vectors(APIC_IRR)).toEqual([0x41]);
  });

  it("detects edges on the asserted level of an active-low edge pin", () => {
    const m = machine({ ioapic: { activeLowPins: 1 << 9 } });
    m.enable();
    m.route(9, 0x49 | RTE_INTPOL_LOW);
    m.ioapic.setIrq(9, true);
    expect(m.ioapic.deliveries).toBe(1);
    m.ioapic.setIrq(9, false);
    expect(m.ioapic.deliveries).toBe(1);
  });
});

describe("IOAPIC destinations and delivery modes", () => {
  it("routes physical destinations by APIC ID and 0xFF to every CPU", () => {
    const m = machine({ cpus: 3 });
    for (let c = 0; c < 3; c++) m.asCpu(c).enable();
    m.route(2, 0x30, 2);
    m.ioapic.setIrq(2, true);
    expect([0, 1, 2].map((c) => m.asCpu(c).bit(APIC_IRR, 0x30))).toEqual([false, false, true]);
    m.route(3, 0x31, 0xff);
    m.ioapic.setIrq(3, true);
    expect([0, 1, 2].map((c) => m.asCpu(c).bit(APIC_IRR, 0x31))).toEqual([true, true, true]);
  });

  it("routes logical flat destinations by LDR bits, and lowest priority to the target with the lowest TPR", () => {
    const m = machine({ cpus: 3 });
    for (let c = 0; c < 3; c++) {
      m.asCpu(c).enable();
      m.writel(APIC_LDR, (1 << c) << 24);
    }
    m.route(5, 0x35 | RTE_DESTMOD_LOGICAL, 0b110);
    m.ioapic.setIrq(5, true);
    expect([0, 1, 2].map((c) => m.asCpu(c).bit(APIC_IRR, 0x35))).toEqual([false, true, true]);
    m.asCpu(1).writel(APIC_TASKPRI, 0x20);
    m.route(6, 0x36 | RTE_DESTMOD_LOGICAL | RTE_DM_LOWEST, 0b111);
    m.ioapic.setIrq(6, true);
    expect([0, 1, 2].map((c) => m.asCpu(c).bit(APIC_IRR, 0x36))).toEqual([true, false, false]);
    m.asCpu(0).writel(APIC_TASKPRI, 0x30);
    m.ioapic.setIrq(6, false);
    m.ioapic.setIrq(6, true);
    expect(m.asCpu(2).bit(APIC_IRR, 0x36)).toBe(true);
  });

  it("traces NMI routing as unimplemented and delivers nothing", () => {
    const m = machine();
    m.enable();
    m.route(7, 0x37 | RTE_DM_NMI);
    m.ioapic.setIrq(7, true);
    expect(m.ioapic.deliveries).toBe(0);
    expect(m.unimps()).toEqual([expect.stringMatching(/pin 7: nmi delivery is not modelled/)]);
  });

  it("sends its messages as 32-bit writes to 0xFEExxxxx on the bus", () => {
    const m = machine();
    m.enable();
    m.route(2, 0x30 | RTE_LEVEL, 0);
    m.ring.clear();
    m.ioapic.setIrq(2, true);
    expect(m.ring.lines().filter((l) => l.includes("apic_deliver_irq"))).toEqual(["000000000000 apic apic_deliver_irq dest=0x0 logical=0 mode=fixed vector=0x30 level=1"]);
  });
});

describe("IOAPIC properties", () => {
  it("clears Remote IRR on an EOI exactly for the level entries of that vector, re-delivering those still asserted", () => {
    // 82093AA §3.2.4 (Remote IRR "is reset when an EOI message is received from a local APIC
    // with a matching vector") and QEMU ioapic_eoi_broadcast (re-delivery of an asserted pin).
    const pins = [16, 17, 18, 19];
    const vectors = [0x90, 0x91];
    type Op = { kind: "set"; pin: number; level: boolean } | { kind: "eoi"; vector: number } | { kind: "route"; pin: number; vector: number; level: boolean };
    const pin = fc.constantFrom(...pins);
    const vector = fc.constantFrom(...vectors);
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant("set" as const), pin, level: fc.boolean() }),
      fc.record({ kind: fc.constant("eoi" as const), vector }),
      fc.record({ kind: fc.constant("route" as const), pin, vector, level: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const m = machine({ ioapic: { stormGuard: false } });
        m.tracer.close();
        m.enable();
        const source = new Map(pins.map((p) => [p, false]));
        for (const p of pins) m.route(p, vectors[p & 1]! | RTE_LEVEL);
        const remote = (p: number) => (m.rteLo(p) & RTE_REMOTE_IRR) !== 0;
        for (const o of ops) {
          if (o.kind === "set") {
            source.set(o.pin, o.level);
            m.ioapic.setIrq(o.pin, o.level);
          } else if (o.kind === "route") m.route(o.pin, o.vector | (o.level ? RTE_LEVEL : 0));
          else {
            const before = new Map(pins.map((p) => [p, remote(p)]));
            m.bus.write32(IOAPIC_BASE + IOAPIC_EOI, o.vector);
            for (const p of pins) {
              const lo = m.rteLo(p);
              const matches = (lo & 0xff) === o.vector && (lo & RTE_LEVEL) !== 0;
              expect(remote(p)).toBe(matches && before.get(p) === true ? source.get(p) === true : before.get(p) === true);
            }
          }
          // An edge entry never holds Remote IRR; an asserted level entry always has a message out.
          for (const p of pins) {
            const level = (m.rteLo(p) & RTE_LEVEL) !== 0;
            if (!level) expect(remote(p)).toBe(false);
            else if (source.get(p) === true) expect(remote(p)).toBe(true);
          }
        }
      }),
    );
  });

  it("keeps at most one message of a level pin in flight, whatever the source and the CPU do", () => {
    type Op = { kind: "set"; level: boolean } | { kind: "ack" } | { kind: "eoi" };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.boolean().map((level): Op => ({ kind: "set", level })),
      fc.constant<Op>({ kind: "ack" }),
      fc.constant<Op>({ kind: "eoi" }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const m = machine({ ioapic: { stormGuard: false } });
        m.tracer.close();
        m.enable();
        m.route(16, 0x90 | RTE_LEVEL);
        let source = false;
        for (const o of ops) {
          if (o.kind === "set") {
            source = o.level;
            m.ioapic.setIrq(16, o.level);
          } else if (o.kind === "ack") m.lapic().acknowledge();
          else m.writel(APIC_EOI, 0);
          const inIrr = m.bit(APIC_IRR, 0x90);
          const inIsr = m.bit(APIC_ISR, 0x90);
          const remote = (m.rteLo(16) & RTE_REMOTE_IRR) !== 0;
          // Remote IRR is set exactly while the message is pending or in service.
          expect(remote).toBe(inIrr || inIsr);
          expect(inIrr && inIsr).toBe(false);
          // An asserted, unmasked pin always has a message out.
          if (source) expect(remote).toBe(true);
        }
      }),
    );
  });
});
