/**
 * Interrupt context accounting (include/linux/hardirq.h, kernel/softirq.c). `irq_enter` and
 * `irq_exit` bracket a timer interrupt's event handling, as the seed's hpet_normal_interrupt
 * does; `in_interrupt()` tells code it must not sleep.
 */
import { kernel } from "../../kernel/instance.js";

export function irq_enter(): void {
  const k = kernel();
  k.hardirq[k.cpu]!++;
}

export function irq_exit(): void {
  const k = kernel();
  if (k.hardirq[k.cpu] === 0) throw new Error("irq_exit() without irq_enter()");
  k.hardirq[k.cpu]!--;
}

export function in_interrupt(): boolean {
  const k = kernel();
  return k.hardirq[k.cpu] !== 0;
}
