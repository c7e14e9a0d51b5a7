/**
 * A bare qtest-style machine for the interrupt controllers: a clock, a bus with the IOAPIC at
 * 0xFEC00000 and the APIC window at 0xFEE00000, and the IOAPIC's messages travelling over the
 * bus. Register offsets are redeclared here from the datasheets, not imported from the models.
 */
import { ApicBus, type ApicBusProps } from "../../../src/hw/intc/apic.js";
import { IoApic, type IoApicProps } from "../../../src/hw/intc/ioapic.js";
import { Bus, Region } from "../../../src/sim/bus.js";
import { Clock } from "../../../src/sim/clock.js";
import { RingSink } from "../../../src/sim/sinks/ring.js";
import { Tracer } from "../../../src/sim/trace.js";

// 82093AA datasheet, Table 1 and Table 2; ICH EOI register.
export const IOAPIC_BASE = 0xfec0_0000;
export const IOREGSEL = 0x00;
export const IOWIN = 0x10;
export const IOAPIC_EOI = 0x40;
export const IOAPICID = 0x00;
export const IOAPICVER = 0x01;
export const IOAPICARB = 0x02;
export const IOREDTBL = (pin: number): number => 0x10 + 2 * pin;

// Redirection entry low half (82093AA §3.2.4).
export const RTE_DM_LOWEST = 1 << 8;
export const RTE_DM_NMI = 4 << 8;
export const RTE_DESTMOD_LOGICAL = 1 << 11;
export const RTE_INTPOL_LOW = 1 << 13;
export const RTE_REMOTE_IRR = 1 << 14;
export const RTE_LEVEL = 1 << 15;
export const RTE_MASKED = 1 << 16;

// Intel SDM vol. 3A Table 11-1 "Local APIC Register Address Map".
export const APIC_BASE = 0xfee0_0000;
export const APIC_ID = 0x020;
export const APIC_LVR = 0x030;
export const APIC_TASKPRI = 0x080;
export const APIC_ARBPRI = 0x090;
export const APIC_PROCPRI = 0x0a0;
export const APIC_EOI = 0x0b0;
export const APIC_LDR = 0x0d0;
export const APIC_DFR = 0x0e0;
export const APIC_SPIV = 0x0f0;
export const APIC_ISR = 0x100;
export const APIC_TMR = 0x180;
export const APIC_IRR = 0x200;
export const APIC_ESR = 0x280;
export const APIC_ICR = 0x300;
export const APIC_ICR2 = 0x310;
export const APIC_LVTT = 0x320;
export const APIC_LVTTHMR = 0x330;
export const APIC_LVTPC = 0x340;
export const APIC_LVT0 = 0x350;
export const APIC_LVT1 = 0x360;
export const APIC_LVTERR = 0x370;
export const APIC_TMICT = 0x380;
export const APIC_TMCCT = 0x390;
export const APIC_TDCR = 0x3e0;

// Fields (SDM Figure 11-8, 11-10, §11.9; Linux apicdef.h names).
export const APIC_SPIV_APIC_ENABLED = 1 << 8;
export const APIC_LVT_MASKED = 1 << 16;
export const APIC_LVT_TIMER_PERIODIC = 1 << 17;
export const APIC_LVT_TIMER_TSCDEADLINE = 2 << 17;
export const APIC_LVT_LEVEL_TRIGGER = 1 << 15;
export const APIC_DM_NMI = 4 << 8;
export const APIC_TDR_DIV_1 = 0xb;
export const APIC_TDR_DIV_2 = 0x0;
export const APIC_TDR_DIV_16 = 0x3;
export const APIC_TDR_DIV_128 = 0xa;
export const APIC_DEST_LOGICAL = 1 << 11;
export const APIC_DEST_SELF = 1 << 18;
export const APIC_DEST_ALLINC = 2 << 18;
export const APIC_DEST_ALLBUT = 3 << 18;
export const APIC_ESR_RECVILL = 1 << 6;
export const APIC_ESR_SENDILL = 1 << 5;
export const APIC_ESR_ILLREGA = 1 << 7;

export interface MachineOptions {
  readonly cpus?: number;
  readonly apic?: Partial<Omit<ApicBusProps, "clock" | "tracer" | "cpus" | "currentCpu">>;
  readonly ioapic?: Partial<Omit<IoApicProps, "clock" | "tracer" | "msi">>;
}

export function machine(options: MachineOptions = {}) {
  const clock = new Clock();
  const tracer = new Tracer(clock);
  const ring = new RingSink(4096);
  tracer.attach(ring);
  const bus = new Bus(tracer, "ignore");
  let cpu = 0;
  const apic = new ApicBus({ clock, tracer, cpus: options.cpus ?? 1, currentCpu: () => cpu, ...options.apic });
  bus.map(new Region("apic", APIC_BASE, 0x10_0000, apic, { sizes: [1, 2, 4] }));
  const ioapic = new IoApic({ clock, tracer, msi: bus, ...options.ioapic });
  bus.map(new Region("ioapic", IOAPIC_BASE, 0x1000, ioapic, { sizes: [1, 2, 4] }));
  apic.addEoiListener(ioapic);

  const m = {
    clock,
    tracer,
    ring,
    bus,
    apic,
    ioapic,
    lapic: (n = 0) => apic.lapics[n]!,
    /** Runs the following accesses as CPU `n`. */
    asCpu(n: number) {
      cpu = n;
      return m;
    },
    ioapicRead(index: number): number {
      bus.write32(IOAPIC_BASE + IOREGSEL, index);
      return bus.read32(IOAPIC_BASE + IOWIN);
    },
    ioapicWrite(index: number, value: number): void {
      bus.write32(IOAPIC_BASE + IOREGSEL, index);
      bus.write32(IOAPIC_BASE + IOWIN, value);
    },
    /** Programs redirection entry `pin`: high half first, then low (as Linux does, low last unmasks). */
    route(pin: number, lo: number, dest = 0): void {
      m.ioapicWrite(IOREDTBL(pin) + 1, dest << 24);
      m.ioapicWrite(IOREDTBL(pin), lo);
    },
    rteLo: (pin: number): number => m.ioapicRead(IOREDTBL(pin)),
    readl: (offset: number): number => bus.read32(APIC_BASE + offset),
    writel: (offset: number, value: number): void => bus.write32(APIC_BASE + offset, value),
    /** Software-enables the current CPU's LAPIC with spurious vector 0xFF. */
    enable(): void {
      m.writel(APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff);
    },
    /** Is `vector` set in the 256-bit register at `base` (ISR/TMR/IRR) of the current CPU? */
    bit(base: number, vector: number): boolean {
      return ((m.readl(base + 0x10 * (vector >> 5)) >>> (vector & 31)) & 1) === 1;
    },
    /** Vectors set in a 256-bit register of the current CPU, ascending. */
    vectors(base: number): number[] {
      const out: number[] = [];
      for (let word = 0; word < 8; word++) {
        const bits = m.readl(base + 0x10 * word);
        for (let b = 0; b < 32; b++) if ((bits >>> b) & 1) out.push(word * 32 + b);
      }
      return out;
    },
    guestErrors(): string[] {
      return ring.lines().filter((l) => l.includes(" guest_error "));
    },
    unimps(): string[] {
      return ring.lines().filter((l) => l.includes(" unimp "));
    },
  };
  return m;
}

export type Machine = ReturnType<typeof machine>;
