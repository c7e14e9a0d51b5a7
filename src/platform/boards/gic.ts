/**
 * The interrupt controller of the ARM boards (mt8173, mt8183, mt8195): a stand-in for the GIC
 * their trees name (`arm,gic-400`, `arm,gic-v3`), with the GIC's interrupt IDs as line numbers
 * (SPI n = 32 + n, PPI n = 16 + n), which is also the Linux IRQ number (platform_device.ts).
 *
 * MODEL: not register-level (the kernel's irq_chip masks lines on it directly): level-sensitive,
 * without priorities, active state or affinity; the CPU acknowledges the lowest asserted ID.
 */
import { IrqLine, type IrqSink } from "../../sim/irq.js";
import type { Tracer } from "../../sim/trace.js";
import type { irq_chip } from "../../linux/include/linux/interrupt.js";
import type { CpuController } from "../machine.js";

/** Interrupt IDs 0..1019 (GIC architecture: 1020 and up are special). */
export const GIC_LINES = 1020;

/** The `compatible` strings of the GICs the boards accept as their interrupt parent. */
export const GIC_COMPATIBLES: readonly string[] = ["arm,gic-400", "arm,cortex-a15-gic", "arm,gic-v3"];

export class GicStandIn implements CpuController, IrqSink {
  readonly intr: IrqLine;
  private readonly level = new Uint8Array(GIC_LINES);
  private readonly enabled = new Uint8Array(GIC_LINES);
  private pending = 0;
  /** The irq_chip the kernel uses for every line. */
  readonly chip: irq_chip;

  constructor(tracer: Tracer) {
    this.intr = new IrqLine("gic.intr", tracer);
    const mask = (irq: number, on: boolean) => this.setEnabled(irq, on);
    this.chip = Object.freeze({
      name: "GIC",
      irq_startup: (irq: number) => mask(irq, true),
      irq_shutdown: (irq: number) => mask(irq, false),
      irq_enable: (irq: number) => mask(irq, true),
      irq_disable: (irq: number) => mask(irq, false),
    } satisfies irq_chip);
  }

  setIrq(pin: number, level: boolean): void {
    const v = level ? 1 : 0;
    if (pin < 0 || pin >= GIC_LINES || this.level[pin] === v) return;
    this.level[pin] = v;
    if (this.enabled[pin]) this.pending += level ? 1 : -1;
    this.intr.set(this.pending > 0);
  }

  private setEnabled(irq: number, on: boolean): void {
    const v = on ? 1 : 0;
    if (irq < 0 || irq >= GIC_LINES || this.enabled[irq] === v) return;
    this.enabled[irq] = v;
    if (this.level[irq]) this.pending += on ? 1 : -1;
    this.intr.set(this.pending > 0);
  }

  acknowledge(): number {
    if (this.pending === 0) return -1;
    for (let i = 0; i < GIC_LINES; i++) if (this.level[i] && this.enabled[i]) return i;
    return -1;
  }
}
