import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ApicBus } from "../../../src/hw/intc/apic.js";
import { Clock } from "../../../src/sim/clock.js";
import { Tracer } from "../../../src/sim/trace.js";
import {
  APIC_ARBPRI,
  APIC_BASE,
  APIC_DEST_ALLBUT,
  APIC_DEST_ALLINC,
  APIC_DEST_LOGICAL,
  APIC_DEST_SELF,
  APIC_DFR,
  APIC_DM_NMI,
  APIC_EOI,
  APIC_ESR,
  APIC_ESR_ILLREGA,
  APIC_ESR_RECVILL,
  APIC_ESR_SENDILL,
  APIC_ICR,
  APIC_ICR2,
  APIC_ID,
  APIC_IRR,
  APIC_ISR,
  APIC_LDR,
  APIC_LVR,
  APIC_LVT0,
  APIC_LVT1,
  APIC_LVTERR,
  APIC_LVTPC,
  APIC_LVTT,
  APIC_LVTTHMR,
  APIC_LVT_LEVEL_TRIGGER,
  APIC_LVT_MASKED,
  APIC_PROCPRI,
  APIC_SPIV,
  APIC_SPIV_APIC_ENABLED,
  APIC_TASKPRI,
  APIC_TDCR,
  APIC_TMCCT,
  APIC_TMICT,
  APIC_TMR,
  machine,
  type Machine,
} from "./harness.js";

/** An interrupt message as a device (the HPET's FSB route) sends it: one 32-bit bus write. */
function msi(m: Machine, dest: number, vector: number, opts: { logical?: boolean; level?: boolean; mode?: number } = {}): void {
  const addr = (APIC_BASE | (dest << 12) | (opts.logical ? 1 << 2 : 0)) >>> 0;
  const data = vector | ((opts.mode ?? 0) << 8) | (opts.level ? 1 << 15 : 0);
  m.bus.write32(addr, data);
}

describe("LAPIC registers", () => {
  it("resets to the SDM §11.4.7.1 state: ID = APIC ID, version 0x00050014, DFR all ones, SVR 0xFF, LVTs masked", () => {
    const m = machine({ cpus: 2 });
    for (const cpu of [0, 1]) {
      m.asCpu(cpu);
      expect(m.readl(APIC_ID)).toBe(cpu << 24);
      expect(m.readl(APIC_LVR)).toBe(0x0005_0014);
      expect(m.readl(APIC_TASKPRI)).toBe(0);
      expect(m.readl(APIC_ARBPRI)).toBe(0);
      expect(m.readl(APIC_PROCPRI)).toBe(0);
      expect(m.readl(APIC_LDR)).toBe(0);
      expect(m.readl(APIC_DFR)).toBe(0xffff_ffff);
      expect(m.readl(APIC_SPIV)).toBe(0xff);
      for (const lvt of [APIC_LVTT, APIC_LVTTHMR, APIC_LVTPC, APIC_LVT0, APIC_LVT1, APIC_LVTERR]) expect(m.readl(lvt)).toBe(0x0001_0000);
      expect(m.readl(APIC_ESR)).toBe(0);
      expect(m.readl(APIC_ICR)).toBe(0);
      expect(m.readl(APIC_ICR2)).toBe(0);
      expect(m.readl(APIC_TMICT)).toBe(0);
      expect(m.readl(APIC_TMCCT)).toBe(0);
      expect(m.readl(APIC_TDCR)).toBe(0);
      expect(m.vectors(APIC_ISR)).toEqual([]);
      expect(m.vectors(APIC_TMR)).toEqual([]);
      expect(m.vectors(APIC_IRR)).toEqual([]);
    }
    expect(m.guestErrors()).toEqual([]);
  });

  it("gives each CPU its own registers at the same address, chosen by the current CPU", () => {
    const m = machine({ cpus: 2 });
    m.asCpu(0).writel(APIC_TASKPRI, 0x20);
    m.asCpu(1).writel(APIC_TASKPRI, 0x40);
    expect(m.asCpu(0).readl(APIC_TASKPRI)).toBe(0x20);
    expect(m.asCpu(1).readl(APIC_TASKPRI)).toBe(0x40);
    m.asCpu(-1);
    expect(m.readl(APIC_TASKPRI)).toBe(0);
    expect(m.guestErrors()).toEqual([expect.stringMatching(/no current CPU/)]);
  });

  it("keeps reserved and read-only bits: DFR model only, SVR vector/enable/focus, TDCR without bit 2", () => {
    const m = machine();
    m.writel(APIC_DFR, 0x0fff_ffff);
    expect(m.readl(APIC_DFR)).toBe(0x0fff_ffff);
    m.writel(APIC_SPIV, 0x3ff);
    expect(m.readl(APIC_SPIV)).toBe(0x3ff);
    m.writel(APIC_TDCR, 0xf);
    expect(m.readl(APIC_TDCR)).toBe(0xb);
    m.writel(APIC_LDR, 0x0300_0000);
    expect(m.readl(APIC_LDR)).toBe(0x0300_0000);
    m.writel(APIC_LVT0, 0x0001_ffff);
    expect(m.readl(APIC_LVT0)).toBe(0x0001_a7ff);
    expect(m.guestErrors()).toEqual([expect.stringMatching(/TDCR write 0xf sets reserved bits/), expect.stringMatching(/LVT_LINT0 write .* reserved bits/)]);
  });

  it("traces bad offsets and widths as guest errors, flags illegal register addresses in ESR, and never throws", () => {
    const m = machine();
    m.enable();
    expect(m.readl(0x040)).toBe(0);
    m.writel(0x3f0, 1);
    expect(m.bus.read8(APIC_BASE + APIC_TASKPRI)).toBe(0);
    m.bus.write16(APIC_BASE + APIC_TASKPRI, 0x50);
    expect(m.readl(0x084)).toBe(0);
    m.writel(APIC_LVR, 0);
    m.writel(APIC_IRR, 0xffff_ffff);
    expect(m.readl(APIC_TASKPRI)).toBe(0);
    expect(m.readl(APIC_IRR)).toBe(0);
    expect(m.readl(APIC_ESR)).toBe(0);
    m.writel(APIC_ESR, 0);
    expect(m.readl(APIC_ESR)).toBe(APIC_ESR_ILLREGA);
    expect(m.bus.read32(APIC_BASE + 0x2000)).toBe(0);
    expect(m.guestErrors()).toHaveLength(8);
  });
});

describe("LAPIC acceptance, priority and EOI", () => {
  it("accepts into IRR but asserts INTR only once software-enabled", () => {
    const m = machine();
    msi(m, 0, 0x40);
    expect(m.vectors(APIC_IRR)).toEqual([0x40]);
    expect(m.lapic().intr.level).toBe(false);
    expect(m.lapic().acknowledge()).toBe(-1);
    m.enable();
    expect(m.lapic().intr.level).toBe(true);
  });

  it("takes vectors by priority class, blocks classes at or below the one in service, and unblocks them on EOI", () => {
    const m = machine();
    m.enable();
    const l = m.lapic();
    msi(m, 0, 0x41);
    msi(m, 0, 0x61);
    msi(m, 0, 0x51);
    msi(m, 0, 0x62);
    expect(l.acknowledge()).toBe(0x62);
    expect(m.readl(APIC_PROCPRI)).toBe(0x60);
    // 0x61 is in the same class as 0x62: blocked until EOI.
    expect(l.intr.level).toBe(false);
    expect(m.vectors(APIC_ISR)).toEqual([0x62]);
    m.writel(APIC_EOI, 0);
    expect(l.acknowledge()).toBe(0x61);
    // A higher class nests on top of the one in service.
    msi(m, 0, 0x81);
    expect(l.intr.level).toBe(true);
    expect(l.acknowledge()).toBe(0x81);
    expect(m.vectors(APIC_ISR)).toEqual([0x61, 0x81]);
    m.writel(APIC_EOI, 0);
    expect(m.vectors(APIC_ISR)).toEqual([0x61]);
    m.writel(APIC_EOI, 0);
    expect(l.acknowledge()).toBe(0x51);
    m.writel(APIC_EOI, 0);
    expect(l.acknowledge()).toBe(0x41);
    m.writel(APIC_EOI, 0);
    expect(l.acknowledge()).toBe(-1);
    // EOI with nothing in service is harmless.
    m.writel(APIC_EOI, 0);
    expect(m.vectors(APIC_ISR)).toEqual([]);
    expect(l.acknowledged).toBe(5);
  });

  it("blocks vectors whose class is at or below TPR's, and computes PPR from TPR and ISR", () => {
    const m = machine();
    m.enable();
    const l = m.lapic();
    m.writel(APIC_TASKPRI, 0x58);
    msi(m, 0, 0x5f);
    expect(l.intr.level).toBe(false);
    expect(m.readl(APIC_PROCPRI)).toBe(0x58);
    msi(m, 0, 0x60);
    expect(l.acknowledge()).toBe(0x60);
    expect(m.readl(APIC_PROCPRI)).toBe(0x60);
    m.writel(APIC_EOI, 0);
    expect(l.intr.level).toBe(false);
    m.writel(APIC_TASKPRI, 0x40);
    expect(l.acknowledge()).toBe(0x5f);
  });

  it("answers an acknowledge with the spurious vector when TPR rose between INTR and INTA (SDM §11.9)", () => {
    const m = machine();
    m.writel(APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xef);
    const l = m.lapic();
    msi(m, 0, 0x40);
    expect(l.intr.level).toBe(true);
    m.writel(APIC_TASKPRI, 0xf0);
    expect(l.intr.level).toBe(false);
    expect(l.acknowledge()).toBe(0xef);
    expect(l.spurious).toBe(1);
    expect(m.vectors(APIC_ISR)).toEqual([]);
    expect(m.vectors(APIC_IRR)).toEqual([0x40]);
  });

  it("coalesces a vector that is already pending and counts it", () => {
    const m = machine();
    m.enable();
    msi(m, 0, 0x40);
    msi(m, 0, 0x40);
    expect(m.lapic().coalesced).toBe(1);
    expect(m.lapic().acknowledge()).toBe(0x40);
    msi(m, 0, 0x40);
    expect(m.vectors(APIC_IRR)).toEqual([0x40]);
    expect(m.vectors(APIC_ISR)).toEqual([0x40]);
  });

  it("refuses vectors 0–15 with Received Illegal Vector and raises the error LVT", () => {
    const m = machine();
    m.enable();
    m.writel(APIC_LVTERR, 0xfe);
    msi(m, 0, 0x0e);
    expect(m.vectors(APIC_IRR)).toEqual([0xfe]);
    m.writel(APIC_ESR, 0);
    expect(m.readl(APIC_ESR)).toBe(APIC_ESR_RECVILL);
    // ESR latches on write: the next write clears it.
    m.writel(APIC_ESR, 0);
    expect(m.readl(APIC_ESR)).toBe(0);
  });

  it("moves a level message to TMR and broadcasts its EOI; an edge one is not broadcast", () => {
    const m = machine();
    m.enable();
    msi(m, 0, 0x41, { level: true });
    msi(m, 0, 0x42);
    expect(m.vectors(APIC_TMR)).toEqual([0x41]);
    m.ring.clear();
    m.lapic().acknowledge();
    m.writel(APIC_EOI, 0);
    m.lapic().acknowledge();
    m.writel(APIC_EOI, 0);
    const eois = m.ring.lines().filter((x) => x.includes("apic_eoi") || x.includes("ioapic_eoi_broadcast"));
    expect(eois).toEqual([
      "000000000000 apic apic_eoi cpu=lapic0 vector=66 broadcast=0",
      "000000000000 apic apic_eoi cpu=lapic0 vector=65 broadcast=1",
      "000000000000 ioapic ioapic_eoi_broadcast vector=0x41",
    ]);
  });

  it("never calls out of a register write: INTR changes are the only thing the CPU side sees", () => {
    const m = machine();
    const seen: string[] = [];
    m.lapic().intr.connect({ setIrq: (_pin, level) => seen.push(level ? "up" : "down") }, 0);
    m.enable();
    msi(m, 0, 0x40);
    m.lapic().acknowledge();
    m.writel(APIC_EOI, 0);
    expect(seen).toEqual(["up", "down"]);
  });

  it("clears nothing on SVR software-disable but masks every LVT and keeps them masked", () => {
    const m = machine();
    m.enable();
    m.writel(APIC_LVTT, 0xef);
    m.writel(APIC_LVTERR, 0xfe);
    m.writel(APIC_SPIV, 0xff);
    expect(m.readl(APIC_LVTT)).toBe(APIC_LVT_MASKED | 0xef);
    expect(m.readl(APIC_LVTERR)).toBe(APIC_LVT_MASKED | 0xfe);
    m.writel(APIC_LVTT, 0xef);
    expect(m.readl(APIC_LVTT)).toBe(APIC_LVT_MASKED | 0xef);
  });
});

describe("LAPIC local inputs", () => {
  it("accepts a Fixed LINT0 vector on assertion; a level LINT1 entry is withdrawn when the input drops", () => {
    const m = machine();
    m.enable();
    const l = m.lapic();
    m.writel(APIC_LVT0, 0x31);
    l.setIrq(0, true);
    expect(m.vectors(APIC_IRR)).toEqual([0x31]);
    m.writel(APIC_LVT1, 0x32 | APIC_LVT_LEVEL_TRIGGER);
    l.setIrq(1, true);
    expect(m.vectors(APIC_TMR)).toEqual([0x32]);
    l.setIrq(1, false);
    expect(m.vectors(APIC_IRR)).toEqual([0x31]);
    expect(() => l.setIrq(2, true)).toThrow(RangeError);
  });

  it("traces NMI on LINT1 as unimplemented", () => {
    const m = machine();
    m.enable();
    m.writel(APIC_LVT1, APIC_DM_NMI);
    m.lapic().setIrq(1, true);
    expect(m.unimps()).toEqual([expect.stringMatching(/nmi delivery is not modelled/)]);
  });
});

describe("IPIs and interrupt messages", () => {
  it("sends a fixed IPI to a physical destination, to self, to all and to all but self", () => {
    const m = machine({ cpus: 3 });
    for (let c = 0; c < 3; c++) m.asCpu(c).enable();
    const irr = (v: number) => [0, 1, 2].map((c) => m.asCpu(c).bit(APIC_IRR, v));
    m.asCpu(0).writel(APIC_ICR2, 2 << 24);
    m.writel(APIC_ICR, 0xf0);
    expect(irr(0xf0)).toEqual([false, false, true]);
    m.asCpu(1).writel(APIC_ICR, APIC_DEST_SELF | 0xf1);
    expect(irr(0xf1)).toEqual([false, true, false]);
    m.asCpu(1).writel(APIC_ICR, APIC_DEST_ALLINC | 0xf2);
    expect(irr(0xf2)).toEqual([true, true, true]);
    m.asCpu(1).writel(APIC_ICR, APIC_DEST_ALLBUT | 0xf3);
    expect(irr(0xf3)).toEqual([true, false, true]);
    expect(m.asCpu(1).readl(APIC_ICR)).toBe(APIC_DEST_ALLBUT | 0xf3);
  });

  it("sends to logical cluster destinations", () => {
    const m = machine({ cpus: 2 });
    for (let c = 0; c < 2; c++) {
      m.asCpu(c).enable();
      m.writel(APIC_DFR, 0x0fff_ffff);
      m.writel(APIC_LDR, (0x10 | (1 << c)) << 24);
    }
    m.asCpu(0).writel(APIC_ICR2, 0x12 << 24);
    m.writel(APIC_ICR, APIC_DEST_LOGICAL | 0xe0);
    expect([0, 1].map((c) => m.asCpu(c).bit(APIC_IRR, 0xe0))).toEqual([false, true]);
    m.asCpu(0).writel(APIC_ICR2, 0x22 << 24);
    m.writel(APIC_ICR, APIC_DEST_LOGICAL | 0xe1);
    expect([0, 1].map((c) => m.asCpu(c).bit(APIC_IRR, 0xe1))).toEqual([false, false]);
  });

  it("refuses to send an illegal vector, and traces NMI IPIs as unimplemented", () => {
    const m = machine();
    m.enable();
    m.writel(APIC_ICR, APIC_DEST_SELF | 0x05);
    m.writel(APIC_ESR, 0);
    expect(m.readl(APIC_ESR)).toBe(APIC_ESR_SENDILL);
    m.writel(APIC_ICR, APIC_DEST_SELF | APIC_DM_NMI);
    expect(m.unimps()).toHaveLength(1);
    expect(m.vectors(APIC_IRR)).toEqual([]);
  });

  it("delivers a 32-bit MSI write at 0xFEE00000 | dest << 12 (an HPET FSB route) to that CPU, from no CPU at all", () => {
    const m = machine({ cpus: 2 });
    for (let c = 0; c < 2; c++) m.asCpu(c).enable();
    m.asCpu(-1);
    msi(m, 1, 0x41);
    msi(m, 0, 0x42);
    expect(m.asCpu(1).vectors(APIC_IRR)).toEqual([0x41]);
    expect(m.asCpu(0).vectors(APIC_IRR)).toEqual([0x42]);
    expect(m.lapic(1).intr.level).toBe(true);
  });

  it("delivers logical MSI destinations and treats narrow or reserved-bit messages as guest errors", () => {
    const m = machine({ cpus: 2 });
    for (let c = 0; c < 2; c++) {
      m.asCpu(c).enable();
      m.writel(APIC_LDR, (1 << c) << 24);
    }
    msi(m, 0b11, 0x43, { logical: true });
    expect([0, 1].map((c) => m.asCpu(c).bit(APIC_IRR, 0x43))).toEqual([true, true]);
    m.bus.write16(APIC_BASE + 0x1000, 0x44);
    m.bus.write32(APIC_BASE + 0x1000, 0x0001_0045);
    expect(m.asCpu(1).bit(APIC_IRR, 0x44)).toBe(false);
    expect(m.asCpu(1).bit(APIC_IRR, 0x45)).toBe(true);
    expect(m.guestErrors()).toHaveLength(2);
  });

  it("is an MsiSink on its own, for an IOAPIC wired without a bus", () => {
    const clock = new Clock();
    const apic = new ApicBus({ clock, tracer: new Tracer(clock), cpus: 1 });
    apic.lapics[0]!.write(APIC_SPIV, 4, APIC_SPIV_APIC_ENABLED | 0xff);
    apic.write32(0xfee0_0000, 0x40);
    apic.write32(0xfed0_0000, 0x41);
    expect(apic.lapics[0]!.acknowledge()).toBe(0x40);
    expect(apic.lapics[0]!.acknowledge()).toBe(-1);
  });

  it("drops a message nobody matches and counts it", () => {
    const m = machine();
    m.enable();
    msi(m, 7, 0x40);
    expect(m.apic.undelivered).toBe(1);
  });

  it("rejects bad construction properties", () => {
    const clock = new Clock();
    const tracer = new Tracer(clock);
    expect(() => new ApicBus({ clock, tracer, cpus: 0 })).toThrow(RangeError);
    expect(() => new ApicBus({ clock, tracer, cpus: 2, apicIds: [1, 1] })).toThrow(/distinct/);
    expect(() => new ApicBus({ clock, tracer, cpus: 1, apicIds: [0xff] })).toThrow(RangeError);
    expect(() => new ApicBus({ clock, tracer, cpus: 1, busPeriodFs: 500_000 })).toThrow(RangeError);
  });
});

describe("LAPIC properties", () => {
  type Op = { kind: "raise"; vector: number; level: boolean } | { kind: "ack" } | { kind: "eoi" } | { kind: "tpr"; value: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant("raise" as const), vector: fc.integer({ min: 16, max: 255 }), level: fc.boolean() }),
    fc.constant<Op>({ kind: "ack" }),
    fc.constant<Op>({ kind: "eoi" }),
    fc.record({ kind: fc.constant("tpr" as const), value: fc.integer({ min: 0, max: 255 }) }),
  );

  it("matches a reference model of IRR/ISR accounting under random raise/acknowledge/EOI/TPR sequences", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const m = machine();
        m.tracer.close();
        m.enable();
        const l = m.lapic();
        const irr = new Set<number>();
        const isr = new Set<number>();
        let tpr = 0;
        const max = (s: Set<number>) => (s.size === 0 ? -1 : Math.max(...s));
        const ppr = () => {
          const isrClass = Math.max(max(isr), 0) >> 4;
          return tpr >> 4 >= isrClass ? tpr : isrClass << 4;
        };
        for (const o of ops) {
          switch (o.kind) {
            case "raise":
              msi(m, 0, o.vector, { level: o.level });
              irr.add(o.vector);
              break;
            case "ack": {
              const v = l.acknowledge();
              const top = max(irr);
              if (top < 0) expect(v).toBe(-1);
              else if (top >> 4 <= ppr() >> 4) expect(v).toBe(0xff);
              else {
                expect(v).toBe(top);
                irr.delete(top);
                isr.add(top);
              }
              break;
            }
            case "eoi":
              m.writel(APIC_EOI, 0);
              isr.delete(max(isr));
              break;
            case "tpr":
              tpr = o.value;
              m.writel(APIC_TASKPRI, o.value);
              break;
          }
          expect(m.vectors(APIC_IRR)).toEqual([...irr].sort((a, b) => a - b));
          expect(m.vectors(APIC_ISR)).toEqual([...isr].sort((a, b) => a - b));
          expect(m.readl(APIC_PROCPRI)).toBe(ppr());
          const top = max(irr);
          expect(l.intr.level).toBe(top >= 0 && top >> 4 > ppr() >> 4);
        }
      }),
      { numRuns: 150 },
    );
  });
});
