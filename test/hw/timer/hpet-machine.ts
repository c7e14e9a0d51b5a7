/**
 * A bare qtest-style machine for the HPET tests: clock, bus, the HPET at 0xFED00000, 64 KiB of
 * RAM at 0 for FSB writes, and an I/O APIC stand-in recording pin edges as "<ns> raise|lower <pin>".
 * Offsets and bits are redeclared from the specification (IA-PC HPET 1.0a §2.3;
 * ../shared/spec/hpet-clockevents.md §1), not imported from the model.
 */
import { Bus, Region, type BusErrorPolicy, type MmioOps } from "../../../src/sim/bus.js";
import { Clock } from "../../../src/sim/clock.js";
import type { IrqSink } from "../../../src/sim/irq.js";
import { RingSink } from "../../../src/sim/sinks/ring.js";
import { Tracer } from "../../../src/sim/trace.js";
import { Hpet, type HpetProps } from "../../../src/hw/timer/hpet.js";

// IA-PC HPET 1.0a §2.3, redeclared on purpose.
export const BASE = 0xfed0_0000;
export const GCAP_ID = 0x000;
export const PERIOD = 0x004;
export const GEN_CONF = 0x010;
export const GINTR_STA = 0x020;
export const MAIN_CNT = 0x0f0;
export const TN_CFG = (n: number) => 0x100 + 0x20 * n;
export const TN_CMP = (n: number) => 0x108 + 0x20 * n;
export const TN_FSB = (n: number) => 0x110 + 0x20 * n;
export const ENABLE_CNF = 1 << 0;
export const LEG_RT_CNF = 1 << 1;
export const INT_TYPE_LEVEL = 1 << 1;
export const INT_ENB = 1 << 2;
export const TYPE_PERIODIC = 1 << 3;
export const PER_INT_CAP = 1 << 4;
export const SIZE_CAP = 1 << 5;
export const VAL_SET = 1 << 6;
export const MODE32 = 1 << 8;
export const ROUTE = (r: number) => r << 9;
export const FSB_EN = 1 << 14;
export const FSB_CAP = 1 << 15;

/** ICH period: 69 841 279 fs. Tick k is first reached at ceil(k · P / 10^6) ns. */
export const P = 69_841_279n;
export const nsAt = (k: number | bigint): number => Number((BigInt(k) * P + 999_999n) / 1_000_000n);

export class Ram implements MmioOps {
  readonly words = new Map<number, number>();
  read(offset: number): number {
    return this.words.get(offset) ?? 0;
  }
  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    this.words.set(offset, value >>> 0);
  }
}

export function machine(props: HpetProps = {}, policy: BusErrorPolicy = "ignore") {
  const clock = new Clock();
  const tracer = new Tracer(clock);
  const ring = new RingSink();
  tracer.attach(ring);
  const bus = new Bus(tracer, policy);
  const ram = new Ram();
  bus.map(new Region("ram", 0, 0x10000, ram));
  const hpet = new Hpet(clock, bus, tracer, props);
  bus.map(hpet.region(BASE));
  const edges: string[] = [];
  const ioapic: IrqSink = { setIrq: (pin, level) => edges.push(`${clock.now} ${level ? "raise" : "lower"} ${pin}`) };
  hpet.connect(ioapic);
  return {
    clock,
    bus,
    hpet,
    ram,
    ring,
    edges,
    readl: (off: number) => bus.read32(BASE + off),
    writel: (off: number, v: number) => bus.write32(BASE + off, v),
    readq: (off: number) => bus.read64(BASE + off),
    writeq: (off: number, v: bigint) => bus.write64(BASE + off, v),
    step: (ns: number) => clock.advance(ns),
    runTo: (t: number) => clock.run(t),
    level: (pin: number) => hpet.irqs[pin]!.level,
    /** Edges recorded since the last call. */
    take(): string[] {
      return edges.splice(0);
    },
  };
}

