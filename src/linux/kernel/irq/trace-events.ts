/**
 * Trace points of the generic IRQ layer, after include/trace/events/irq.h: irq:irq_handler_entry
 * and irq:irq_handler_exit around each handler of a line. They draw a slice per handler on the
 * CPU that ran it (track `cpu0`… of group `cpu`), titled "irq 21 hpet2".
 */
import { defineEvents, ev } from "../../../sim/trace.js";

export const irqEvents = defineEvents("irq", {
  irq_handler_entry: ev<[cpu: number, irq: number, name: string]>("begin", ["cpu", "irq", "name"], {
    track: "cpu{cpu}",
    group: "cpu",
    label: "irq {irq} {name}",
  }),
  /** `ret`: IRQ_HANDLED (1) or IRQ_NONE (0). */
  irq_handler_exit: ev<[cpu: number, irq: number, ret: number]>("end", ["cpu", "irq", "ret"], { track: "cpu{cpu}", group: "cpu" }),
});
