/**
 * Interrupt handler types and flags (include/linux/interrupt.h, irqreturn.h, irq.h).
 */
import type { cpumask_t } from "./cpumask.js";

export const IRQ_NONE = 0;
export const IRQ_HANDLED = 1;
export type irqreturn_t = typeof IRQ_NONE | typeof IRQ_HANDLED;

/** A handler: `(irq, dev_id) => IRQ_HANDLED | IRQ_NONE`. */
export type irq_handler_t<D = unknown> = (irq: number, dev_id: D) => irqreturn_t;

export const IRQF_TRIGGER_RISING = 0x00000001;
export const IRQF_TRIGGER_FALLING = 0x00000002;
export const IRQF_TRIGGER_HIGH = 0x00000004;
export const IRQF_TRIGGER_LOW = 0x00000008;
export const IRQF_TRIGGER_MASK = 0x0000000f;
export const IRQF_SHARED = 0x00000080;
export const IRQF_TIMER = 0x00000200;
export const IRQF_NOBALANCING = 0x00000800;

/** Line numbers 0..NR_IRQS-1: the GIC's 1020 interrupt IDs (mt8195 SPIs reach ID 700+) fit. */
export const NR_IRQS = 1024;

/** The interrupt controller's operations for one line (struct irq_chip), all optional. */
export interface irq_chip {
  readonly name: string;
  /** Unmask and enable the line when its first handler is requested. */
  irq_startup?(irq: number): void;
  irq_shutdown?(irq: number): void;
  irq_enable?(irq: number): void;
  irq_disable?(irq: number): void;
  /** Route the line to the CPUs in `mask`; returns 0 or -errno. */
  irq_set_affinity?(irq: number, mask: cpumask_t): number;
}
