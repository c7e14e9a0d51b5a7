/**
 * x86 interrupt-vector trace points, after arch/x86/include/asm/trace/irq_vectors.h:
 * irq_vectors:local_timer_entry / local_timer_exit around the LAPIC timer interrupt, drawn as a
 * `local_timer` slice on the CPU's track (`cpu0`… of group `cpu`).
 */
import { defineEvents, ev } from "../../../../sim/trace.js";

export const irqVectorEvents = defineEvents("irq_vectors", {
  local_timer_entry: ev<[cpu: number, vector: number]>("begin", ["cpu", "vector:x"], { track: "cpu{cpu}", group: "cpu", label: "local_timer" }),
  local_timer_exit: ev<[cpu: number, vector: number]>("end", ["cpu", "vector:x"], { track: "cpu{cpu}", group: "cpu" }),
});
