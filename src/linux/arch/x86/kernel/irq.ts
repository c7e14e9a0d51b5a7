/**
 * x86 interrupt entry (arch/x86_64/kernel/irq.c do_IRQ, apic.c, io_apic.c's flow handlers):
 * the vector the local APIC delivered is the LAPIC timer, the spurious vector, or a device IRQ
 * the IOAPIC was programmed for. Edge IRQs are acknowledged before their handlers (handle_edge_irq
 * with ack_apic_edge); level IRQs after them (handle_fasteoi_irq with ack_apic_level), so the
 * IOAPIC re-delivers only if the source is still asserted once the handler cleared it.
 */
import { generic_handle_irq } from "../../../kernel/irq/manage.js";
import { kernel, perKernel } from "../../../kernel/instance.js";
import { LOCAL_TIMER_VECTOR, SPURIOUS_APIC_VECTOR } from "../include/asm/apicdef.js";
import { ack_APIC_irq, smp_apic_timer_interrupt } from "./apic.js";
import { irq_is_level, vector_to_irq } from "./io_apic.js";
import { exit_idle } from "./idle.js";
import { printk, KERN_ERR } from "../../../kernel/printk/printk.js";

const statics = perKernel(() => ({
  spurious: new Array<number>(kernel().host.nr_cpu_ids).fill(0),
  unexpected: 0,
}));

/** do_IRQ(): the entry for a vector on the current CPU. */
export function do_IRQ(vector: number): void {
  if (vector === LOCAL_TIMER_VECTOR) {
    smp_apic_timer_interrupt();
    return;
  }
  if (vector === SPURIOUS_APIC_VECTOR) {
    // smp_spurious_interrupt: no EOI for the spurious vector.
    statics().spurious[kernel().cpu]!++;
    return;
  }
  exit_idle();
  const irq = vector_to_irq(vector);
  if (irq < 0) {
    ack_APIC_irq();
    if (statics().unexpected++ === 0) printk(`${KERN_ERR}do_IRQ: ${kernel().cpu}.${vector} No irq handler for vector`);
    return;
  }
  if (irq_is_level(irq)) {
    try {
      generic_handle_irq(irq);
    } finally {
      ack_APIC_irq();
    }
  } else {
    ack_APIC_irq();
    generic_handle_irq(irq);
  }
}

/** Spurious APIC interrupts taken by `cpu`. */
export function spurious_interrupts(cpu: number): number {
  return statics().spurious[cpu] ?? 0;
}
