/**
 * Trace events of the interrupt controllers (QEMU hw/intc/trace-events, `ioapic_*` and
 * `apic_*`). Guest errors and unimplemented features use the substrate's `guest_error` and
 * `unimp` events with the device name (`ioapic`, `lapic0`…).
 */
import { defineEvents, ev } from "../../sim/trace.js";

export const ioapicEvents = defineEvents("ioapic", {
  /** An input pin changed level (`level` as driven by the source, before polarity). */
  ioapic_set_irq: ev<[pin: number, level: number]>("instant", ["pin", "level"]),
  ioapic_mem_read: ev<[addr: number, regsel: number, size: number, val: number]>("instant", ["addr:x", "regsel:x", "size", "val:x"]),
  ioapic_mem_write: ev<[addr: number, regsel: number, size: number, val: number]>("instant", ["addr:x", "regsel:x", "size", "val:x"]),
  /** A pin's message went out (`mode` is the delivery mode name). */
  ioapic_deliver: ev<[pin: number, vector: number, dest: number, logical: number, mode: string, level: number]>("instant", [
    "pin",
    "vector:x",
    "dest:x",
    "logical",
    "mode",
    "level",
  ]),
  ioapic_set_remote_irr: ev<[pin: number]>("instant", ["pin"]),
  ioapic_clear_remote_irr: ev<[pin: number, vector: number]>("instant", ["pin", "vector:x"]),
  ioapic_eoi_broadcast: ev<[vector: number]>("instant", ["vector:x"]),
  /** The storm guard postponed a level re-delivery after too many back-to-back EOIs (QEMU). */
  ioapic_eoi_delayed_reassert: ev<[pin: number]>("instant", ["pin"]),
});

export const apicEvents = defineEvents("apic", {
  apic_mem_readl: ev<[cpu: string, addr: number, val: number]>("instant", ["cpu", "addr:x", "val:x"], { track: "cpu" }),
  apic_mem_writel: ev<[cpu: string, addr: number, val: number]>("instant", ["cpu", "addr:x", "val:x"], { track: "cpu" }),
  /** An interrupt message on the APIC bus (MSI write, IOAPIC message or IPI). */
  apic_deliver_irq: ev<[dest: number, logical: number, mode: string, vector: number, level: number]>("instant", [
    "dest:x",
    "logical",
    "mode",
    "vector:x",
    "level",
  ]),
  /** A vector was accepted into IRR; `coalesced` = 1 when it was already pending. */
  apic_set_irq: ev<[cpu: string, vector: number, level: number, coalesced: number]>("instant", ["cpu", "vector:x", "level", "coalesced"], {
    track: "cpu",
  }),
  /** The CPU took an interrupt: IRR → ISR (`vector` = the spurious vector when nothing was deliverable). */
  apic_acknowledge: ev<[cpu: string, vector: number, spurious: number]>("instant", ["cpu", "vector:x", "spurious"], { track: "cpu" }),
  /** EOI cleared ISR bit `vector` (-1: ISR was empty); `broadcast` = 1 when sent to the IOAPICs. */
  apic_eoi: ev<[cpu: string, vector: number, broadcast: number]>("instant", ["cpu", "vector", "broadcast"], { track: "cpu" }),
  apic_timer_arm: ev<[cpu: string, deadline: number]>("instant", ["cpu", "deadline"], { track: "cpu" }),
  apic_timer_expire: ev<[cpu: string, vector: number]>("instant", ["cpu", "vector:x"], { track: "cpu" }),
  /** The LVT timer is counting towards an interrupt (1) or not (0): stopped, masked, expired one-shot, frozen in deep idle. */
  apic_timer_armed: ev<[cpu: string, armed: number]>("signal", ["cpu", "armed"], { track: "{cpu}.timer_armed" }),
  /** The platform put the CPU into (1) or out of (0) a deep idle state; `stops` = 1 when the timer stops. */
  apic_deep_idle: ev<[cpu: string, on: number, stops: number]>("instant", ["cpu", "on", "stops"], { track: "cpu" }),
});
