/**
 * Local interrupt masking (include/linux/irqflags.h). `local_irq_save` returns whether
 * interrupts were enabled; `local_irq_restore` puts that back and, when it re-enables them,
 * tells the platform, which delivers what it held back at the next event boundary, never inside
 * the restoring code (the CPU would take it after the `sti`, as here).
 */
import { kernel } from "../../kernel/instance.js";

/** The saved state: true when interrupts were enabled. */
export type irqflags_t = boolean;

export function irqs_disabled(): boolean {
  const k = kernel();
  return k.irqs_off[k.cpu] !== 0;
}

export function local_irq_disable(): void {
  const k = kernel();
  k.irqs_off[k.cpu] = 1;
}

export function local_irq_enable(): void {
  const k = kernel();
  if (k.irqs_off[k.cpu] === 0) return;
  k.irqs_off[k.cpu] = 0;
  k.host.irqs_enabled(k.cpu);
}

export function local_irq_save(): irqflags_t {
  const enabled = !irqs_disabled();
  local_irq_disable();
  return enabled;
}

export function local_irq_restore(flags: irqflags_t): void {
  if (flags) local_irq_enable();
  else local_irq_disable();
}
