/**
 * 82093AA-style I/O APIC registers, declared once.
 *
 * Sources: Intel 82093AA I/O Advanced Programmable Interrupt Controller (IOAPIC) datasheet
 * (order 290566-001), §3.0 "Register Description": Table 1 "Memory Mapped Registers" (IOREGSEL,
 * IOWIN), Table 2 "IOAPIC Registers" (ID 0x00, VER 0x01, ARB 0x02, IOREDTBL 0x10–0x3F),
 * §3.2.4 "IOREDTBL[23:0]—I/O Redirection Table Registers". The EOI register at +0x40 is the
 * version-0x20 one of the ICH I/O(x)APIC ("EOIR—EOI Register"), as QEMU hw/intc/ioapic.c
 * (IOAPIC_EOI) implements it. Field names follow the datasheet mnemonics.
 */
import { reg32, ro, rw } from "../../sim/regs.js";

/** Where the PC chipset decodes the first I/O APIC. */
export const IOAPIC_DEFAULT_BASE = 0xfec0_0000;
/** Size of the decoded window (QEMU maps 0x1000). */
export const IOAPIC_WINDOW_SIZE = 0x1000;
export const IOAPIC_NUM_PINS = 24;

/** Memory-mapped registers (byte offsets in the window). */
export const IOAPIC_MMIO = {
  IOREGSEL: reg32("IOREGSEL", 0x00, { APIC_REG_ADDR: rw(0, 8) }),
  IOWIN: reg32("IOWIN", 0x10, { DATA: rw(0, 32) }),
  /** Version 0x20 only: writing a vector clears Remote IRR of the level entries using it. */
  EOI: reg32("EOI", 0x40, { VECTOR: rw(0, 8) }),
} as const;

/** Indirect registers (IOREGSEL indices). */
export const IOAPIC_REG_ID = 0x00;
export const IOAPIC_REG_VER = 0x01;
export const IOAPIC_REG_ARB = 0x02;
export const IOAPIC_REG_REDTBL_BASE = 0x10;

export const IOAPIC = {
  ID: reg32("IOAPICID", IOAPIC_REG_ID, { ID: rw(24, 4) }),
  VER: reg32("IOAPICVER", IOAPIC_REG_VER, { VERSION: ro(0, 8), MAX_REDIR: ro(16, 8, IOAPIC_NUM_PINS - 1) }),
  ARB: reg32("IOAPICARB", IOAPIC_REG_ARB, { ARB_ID: ro(24, 4) }),
  /** Low half of a redirection entry (IOREGSEL 0x10 + 2n). */
  REDTBL_LO: reg32("IOREDTBL_LO", IOAPIC_REG_REDTBL_BASE, {
    INTVEC: rw(0, 8),
    DELMOD: rw(8, 3),
    DESTMOD: rw(11),
    /** Always idle: a message is accepted the instant it is sent. */
    DELIVS: ro(12),
    INTPOL: rw(13),
    REMOTE_IRR: ro(14),
    TRIGGER: rw(15),
    MASK: rw(16, 1, 1),
  }),
  /** High half (IOREGSEL 0x11 + 2n): the destination field, bits 63:56 of the entry. */
  REDTBL_HI: reg32("IOREDTBL_HI", IOAPIC_REG_REDTBL_BASE + 1, { DEST: rw(24, 8) }),
} as const;

/** Low-half bits, precomputed for the hot paths. */
export const RTE_VECTOR_MASK = 0xff;
export const RTE_DESTMOD = 1 << 11;
export const RTE_INTPOL = 1 << 13;
export const RTE_REMOTE_IRR = 1 << 14;
export const RTE_TRIGGER_LEVEL = 1 << 15;
export const RTE_MASK = 1 << 16;
