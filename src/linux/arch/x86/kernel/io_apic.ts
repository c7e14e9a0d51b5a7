/**
 * The IOAPIC as x86-64 Linux 2.6.21 programs it (arch/x86_64/kernel/io_apic.c): each IRQ gets a
 * vector (assign_irq_vector) and a redirection entry — logical flat destination, lowest-priority
 * delivery to TARGET_CPUS, masked until the line's first handler starts it. The irq_chip unmasks
 * on startup, masks on shutdown, and moves the destination for affinity. ISA IRQs 0–15 are
 * identity-mapped to pins, except IRQ 0 on pin 2 (the ACPI interrupt source override every PC
 * has, where the HPET's legacy timer 0 arrives).
 */
import { irq_set_chip } from "../../../kernel/irq/manage.js";
import type { cpumask_t } from "../../../include/linux/cpumask.js";
import { EINVAL, ENOSPC } from "../../../include/linux/errno.js";
import type { irq_chip } from "../../../include/linux/interrupt.js";
import { io_add, ioremap, readl, writel, type IoMem } from "../../../include/asm/io.js";
import { kernel, perKernel } from "../../../kernel/instance.js";
import { printk, KERN_DEBUG, KERN_ERR } from "../../../kernel/printk/printk.js";
import { FIRST_DEVICE_VECTOR, LOCAL_TIMER_VECTOR, NR_VECTORS } from "../include/asm/apicdef.js";

export const IO_APIC_DEFAULT_PHYS_BASE = 0xfec0_0000;
const IO_APIC_REGSEL = 0x00;
const IO_APIC_WIN = 0x10;
const IO_APIC_NR_PINS = 24;

/* Redirection entry, low dword (82093AA §3.2.4). */
const IO_APIC_DEST_LOGICAL = 1 << 11;
const IO_APIC_POLARITY_LOW = 1 << 13;
const IO_APIC_TRIGGER_LEVEL = 1 << 15;
const IO_APIC_MASKED = 1 << 16;
const dest_LowestPrio = 1;

interface irq_pin {
  pin: number;
  vector: number;
  level: boolean;
  low: number;
}

const statics = perKernel(() => ({
  base: null as IoMem | null,
  current_vector: FIRST_DEVICE_VECTOR,
  offset: 0,
  /** irq → its pin and entry; vector → irq. */
  irq_2_pin: new Map<number, irq_pin>(),
  vector_irq: new Int16Array(NR_VECTORS).fill(-1),
}));

function io_apic_read(reg: number): number {
  const base = statics().base!;
  writel(reg, io_add(base, IO_APIC_REGSEL));
  return readl(io_add(base, IO_APIC_WIN));
}

function io_apic_write(reg: number, value: number): void {
  const base = statics().base!;
  writel(reg, io_add(base, IO_APIC_REGSEL));
  writel(value, io_add(base, IO_APIC_WIN));
}

/** TARGET_CPUS in flat logical mode: one bit per online CPU. */
function TARGET_CPUS(): cpumask_t {
  return (1 << kernel().host.nr_cpu_ids) - 1;
}

/** assign_irq_vector(): the next free device vector, 8 apart so priorities interleave. */
function assign_irq_vector(irq: number): number {
  const s = statics();
  const existing = s.irq_2_pin.get(irq);
  if (existing !== undefined) return existing.vector;
  for (;;) {
    s.current_vector += 8;
    if (s.current_vector >= LOCAL_TIMER_VECTOR) {
      s.offset++;
      if (s.offset >= 8) return -ENOSPC;
      s.current_vector = FIRST_DEVICE_VECTOR + s.offset;
    }
    if (s.vector_irq[s.current_vector] === -1) break;
  }
  s.vector_irq[s.current_vector] = irq;
  return s.current_vector;
}

function write_entry(p: irq_pin, dest: cpumask_t): void {
  io_apic_write(0x11 + 2 * p.pin, (dest & 0xff) << 24);
  io_apic_write(0x10 + 2 * p.pin, p.low);
}

function set_mask(irq: number, masked: boolean): void {
  const p = statics().irq_2_pin.get(irq);
  if (p === undefined) return;
  p.low = masked ? p.low | IO_APIC_MASKED : p.low & ~IO_APIC_MASKED;
  io_apic_write(0x10 + 2 * p.pin, p.low);
}

const ioapic_chip: irq_chip = Object.freeze({
  name: "IO-APIC",
  irq_startup: (irq: number) => set_mask(irq, false),
  irq_shutdown: (irq: number) => set_mask(irq, true),
  irq_enable: (irq: number) => set_mask(irq, false),
  irq_disable: (irq: number) => set_mask(irq, true),
  irq_set_affinity: (irq: number, mask: cpumask_t): number => {
    const p = statics().irq_2_pin.get(irq);
    if (p === undefined) return -EINVAL;
    io_apic_write(0x11 + 2 * p.pin, (mask & 0xff) << 24);
    return 0;
  },
});

/**
 * setup_IO_APIC_irq(): routes `irq` from `pin` with the given trigger (edge_level 1 = level)
 * and polarity (active_high_low 1 = active low), masked.
 */
function setup_irq(pin: number, irq: number, edge_level: number, active_high_low: number): number {
  const vector = assign_irq_vector(irq);
  if (vector < 0) return vector;
  let low = vector | (dest_LowestPrio << 8) | IO_APIC_DEST_LOGICAL | IO_APIC_MASKED;
  if (edge_level) low |= IO_APIC_TRIGGER_LEVEL;
  if (active_high_low) low |= IO_APIC_POLARITY_LOW;
  const p: irq_pin = { pin, vector, level: edge_level !== 0, low };
  statics().irq_2_pin.set(irq, p);
  write_entry(p, TARGET_CPUS());
  irq_set_chip(irq, ioapic_chip);
  return 0;
}

/** setup_IO_APIC(): maps the IOAPIC and routes the ISA interrupts the timer code may use. */
export function setup_IO_APIC(phys: number = IO_APIC_DEFAULT_PHYS_BASE): void {
  const s = statics();
  s.base = ioremap(phys, 0x1000);
  const ver = io_apic_read(0x01);
  printk(`${KERN_DEBUG}IOAPIC[0]: apic_id 0, version ${ver & 0xff}, address 0x${phys.toString(16)}, GSI 0-${(ver >>> 16) & 0xff}`);
  // IRQ 0 arrives on pin 2 (ACPI INT_SRC_OVR); IRQ 8 (RTC, or HPET timer 1 in legacy mode) on pin 8.
  setup_irq(2, 0, 0, 0);
  setup_irq(8, 8, 0, 0);
}

/**
 * io_apic_set_pci_routing() (2007 signature): routes GSI `pin` of IOAPIC `ioapic` as `irq`,
 * with edge_level (1 = level) and active_high_low (1 = active low).
 */
export function io_apic_set_pci_routing(ioapic: number, pin: number, irq: number, edge_level: number, active_high_low: number): number {
  if (ioapic !== 0 || !Number.isInteger(pin) || pin < 0 || pin >= IO_APIC_NR_PINS) {
    printk(`${KERN_ERR}IOAPIC[${ioapic}]: Invalid reference to pin ${pin}`);
    return -EINVAL;
  }
  if (irq === 0) {
    printk(`${KERN_ERR}IOAPIC[${ioapic}]: Invalid reference to IRQ 0`);
    return -EINVAL;
  }
  const ret = setup_irq(pin, irq, edge_level, active_high_low);
  if (ret === 0) {
    const vector = statics().irq_2_pin.get(irq)!.vector;
    printk(`${KERN_DEBUG}IOAPIC[${ioapic}]: Set PCI routing entry (0-${pin} -> 0x${vector.toString(16)} -> IRQ ${irq} Mode:${edge_level} Active:${active_high_low})`);
  }
  return ret;
}

/** The IRQ a vector was assigned to, or -1. */
export function vector_to_irq(vector: number): number {
  return statics().vector_irq[vector] ?? -1;
}

/** Is `irq` routed level-triggered (its EOI must follow the handler)? */
export function irq_is_level(irq: number): boolean {
  return statics().irq_2_pin.get(irq)?.level ?? false;
}
