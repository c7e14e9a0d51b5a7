/**
 * Local APIC (xAPIC) registers and the interrupt-message (MSI) format, declared once.
 *
 * Sources: Intel SDM vol. 3A ch. 11 "Advanced Programmable Interrupt Controller (APIC)":
 * Table 11-1 "Local APIC Register Address Map", Figure 11-8 "Local Vector Table (LVT)",
 * Figure 11-10 "Divide Configuration Register", §11.4.7.1 "Local APIC State After Power-Up or
 * Reset", §11.5.3 "Error Handling" (ESR bits), §11.6.1 "Interrupt Command Register (ICR)",
 * §11.8.3.1 "Task and Processor Priorities", §11.9 "Spurious Interrupt", §11.11 "Message
 * Signalled Interrupts". Cross-checked with QEMU hw/intc/apic.c / apic_common.c and Linux
 * arch/x86/include/asm/apicdef.h, whose names the fields use (APIC_LVT_MASKED, APIC_TDR_DIV_16…).
 */
import { reg32, ro, rsvd, rw, wo } from "../../sim/regs.js";

/** Where every CPU sees its own local APIC (IA32_APIC_BASE reset value). */
export const APIC_DEFAULT_BASE = 0xfee0_0000;
/** One CPU's register page. */
export const APIC_PAGE_SIZE = 0x1000;
/** The whole 0xFEExxxxx window: register page plus the interrupt-message space (QEMU APIC_SPACE_SIZE). */
export const APIC_WINDOW_SIZE = 0x10_0000;

/** xAPIC version register value: version 0x14 (QEMU's default), 6 LVT entries (max LVT index 5). */
export const APIC_VERSION = 0x14;
export const APIC_LVT_COUNT = 6;

/** Vectors 0–15 are reserved to the CPU; the APIC refuses them (SDM §11.5.2 "Valid Interrupt Vectors"). */
export const APIC_FIRST_VALID_VECTOR = 16;

/** LVT and ICR delivery modes (SDM Figure 11-8 and §11.6.1); the IOAPIC and MSI data use the same encoding. */
export const enum DeliveryMode {
  Fixed = 0,
  LowestPriority = 1,
  Smi = 2,
  Nmi = 4,
  Init = 5,
  StartUp = 6,
  ExtInt = 7,
}

/** Names for traces; indices 3 and 7-in-ICR are reserved encodings. */
export const DELIVERY_MODE_NAMES: readonly string[] = ["fixed", "lowest-priority", "smi", "reserved-3", "nmi", "init", "start-up", "extint"];

// ---------------------------------------------------------------------------------------------
// Registers (offsets in the 4 KiB page; every register is 32 bits on a 16-byte boundary).

export const APIC = {
  /** Local APIC ID: bits 31:24 in xAPIC mode. */
  ID: reg32("ID", 0x020, { APIC_ID: rw(24, 8) }),
  /** Version (0x14), max LVT entry (5); bit 24 (EOI-broadcast suppression) is not offered. */
  VERSION: reg32("VERSION", 0x030, { VERSION: ro(0, 8, APIC_VERSION), MAX_LVT: ro(16, 8, APIC_LVT_COUNT - 1) }),
  TPR: reg32("TPR", 0x080, { TASK_PRIORITY: rw(0, 8) }),
  APR: reg32("APR", 0x090, { ARB_PRIORITY: ro(0, 8) }),
  PPR: reg32("PPR", 0x0a0, { PROC_PRIORITY: ro(0, 8) }),
  EOI: reg32("EOI", 0x0b0, { EOI: wo(0, 32) }),
  /** Remote read (RRD): only on 82489DX-era parts; reads 0. */
  RRD: reg32("RRD", 0x0c0, { REMOTE_READ: ro(0, 32) }),
  LDR: reg32("LDR", 0x0d0, { LOGICAL_ID: rw(24, 8) }),
  /** Destination format: model in 31:28 (0xF flat, 0x0 cluster); bits 27:0 read as ones. */
  DFR: reg32("DFR", 0x0e0, { MODEL: rw(28, 4, 0xf), ONES: ro(0, 28, 0x0fff_ffff) }),
  /**
   * Spurious-interrupt vector. FOCUS_DISABLED is stored but lowest-priority focus checking is
   * not modelled; bit 12 (EOI-broadcast suppression) is reserved because VERSION bit 24 is 0.
   */
  SVR: reg32("SVR", 0x0f0, { SPURIOUS_VECTOR: rw(0, 8, 0xff), APIC_ENABLED: rw(8), FOCUS_DISABLED: rw(9) }),
  /** Bank bases of the 256-bit registers: 8 words each, 16 bytes apart. */
  ISR0: reg32("ISR", 0x100, { BITS: ro(0, 32) }),
  TMR0: reg32("TMR", 0x180, { BITS: ro(0, 32) }),
  IRR0: reg32("IRR", 0x200, { BITS: ro(0, 32) }),
  /** Error status (SDM §11.5.3): a write latches the errors detected since the previous write. */
  ESR: reg32("ESR", 0x280, {
    SEND_CS: ro(0),
    RECV_CS: ro(1),
    SEND_ACCEPT: ro(2),
    RECV_ACCEPT: ro(3),
    REDIRECTABLE_IPI: ro(4),
    SEND_ILLEGAL_VECTOR: ro(5),
    RECV_ILLEGAL_VECTOR: ro(6),
    ILLEGAL_REG_ADDRESS: ro(7),
  }),
  ICR_LO: reg32("ICR_LO", 0x300, {
    VECTOR: rw(0, 8),
    DELIVERY_MODE: rw(8, 3),
    DEST_LOGICAL: rw(11),
    /** Always idle: a sent IPI is accepted at once. */
    DELIVERY_STATUS: ro(12),
    LEVEL_ASSERT: rw(14),
    TRIGGER_LEVEL: rw(15),
    SHORTHAND: rw(18, 2),
  }),
  ICR_HI: reg32("ICR_HI", 0x310, { DEST: rw(24, 8) }),
  LVT_TIMER: reg32("LVT_TIMER", 0x320, { VECTOR: rw(0, 8), DELIVERY_STATUS: ro(12), MASKED: rw(16, 1, 1), TIMER_MODE: rw(17, 2) }),
  LVT_THERMAL: reg32("LVT_THERMAL", 0x330, { VECTOR: rw(0, 8), DELIVERY_MODE: rw(8, 3), DELIVERY_STATUS: ro(12), MASKED: rw(16, 1, 1) }),
  LVT_PMC: reg32("LVT_PMC", 0x340, { VECTOR: rw(0, 8), DELIVERY_MODE: rw(8, 3), DELIVERY_STATUS: ro(12), MASKED: rw(16, 1, 1) }),
  LVT_LINT0: reg32("LVT_LINT0", 0x350, {
    VECTOR: rw(0, 8),
    DELIVERY_MODE: rw(8, 3),
    DELIVERY_STATUS: ro(12),
    POLARITY_LOW: rw(13),
    REMOTE_IRR: ro(14),
    TRIGGER_LEVEL: rw(15),
    MASKED: rw(16, 1, 1),
  }),
  LVT_LINT1: reg32("LVT_LINT1", 0x360, {
    VECTOR: rw(0, 8),
    DELIVERY_MODE: rw(8, 3),
    DELIVERY_STATUS: ro(12),
    POLARITY_LOW: rw(13),
    REMOTE_IRR: ro(14),
    TRIGGER_LEVEL: rw(15),
    MASKED: rw(16, 1, 1),
  }),
  LVT_ERROR: reg32("LVT_ERROR", 0x370, { VECTOR: rw(0, 8), DELIVERY_STATUS: ro(12), MASKED: rw(16, 1, 1) }),
  TMICT: reg32("TMICT", 0x380, { INITIAL_COUNT: rw(0, 32) }),
  TMCCT: reg32("TMCCT", 0x390, { CURRENT_COUNT: ro(0, 32) }),
  /** Divide configuration: bits 3,1,0 encode 2,4,8,16,32,64,128,1; bit 2 is reserved. */
  TDCR: reg32("TDCR", 0x3e0, { DIV_LO: rw(0, 2), RSVD: rsvd(2), DIV_HI: rw(3) }),
} as const;

/** The LVT entries in QEMU's `lvt[]` order (APIC_LVT_TIMER … APIC_LVT_ERROR). */
export const enum Lvt {
  Timer = 0,
  Thermal = 1,
  Pmc = 2,
  Lint0 = 3,
  Lint1 = 4,
  Error = 5,
}

export const LVT_REGS = [APIC.LVT_TIMER, APIC.LVT_THERMAL, APIC.LVT_PMC, APIC.LVT_LINT0, APIC.LVT_LINT1, APIC.LVT_ERROR] as const;

/** Bits shared by every LVT entry (same positions in all six). */
export const LVT_MASKED = 1 << 16;
export const LVT_VECTOR_MASK = 0xff;

/** LVT timer modes (Figure 11-8 bits 18:17). */
export const enum TimerMode {
  OneShot = 0,
  Periodic = 1,
  TscDeadline = 2,
  Reserved = 3,
}

/** ESR bits. */
export const ESR_SEND_ILLEGAL_VECTOR = 1 << 5;
export const ESR_RECV_ILLEGAL_VECTOR = 1 << 6;
export const ESR_ILLEGAL_REG_ADDRESS = 1 << 7;

/**
 * The timer's divisor for a TDCR value: Figure 11-10, value = bit3:bit1:bit0, 111 → 1, else
 * 2^(value+1) (QEMU: `count_shift = (v + 1) & 7`).
 */
export function tdcrDivisor(tdcr: number): number {
  const v = (tdcr & 3) | ((tdcr >> 1) & 4);
  return 1 << ((v + 1) & 7);
}

// ---------------------------------------------------------------------------------------------
// Interrupt messages (SDM §11.11.1 "Message Address Register Format", §11.11.2 "Message Data
// Register Format"). The IOAPIC speaks them too (QEMU ioapic_entry_parse builds one per pin).
//
//   address: 31:20 0xFEE, 19:12 destination ID, 11:4 reserved, 3 redirection hint, 2 dest mode
//   data:    7:0 vector, 10:8 delivery mode, 14 level (assert), 15 trigger mode (1 = level)

export const MSI_ADDR_BASE = APIC_DEFAULT_BASE;
export const MSI_ADDR_DEST_SHIFT = 12;
export const MSI_ADDR_DEST_LOGICAL = 1 << 2;
export const MSI_ADDR_REDIRECTION_HINT = 1 << 3;
export const MSI_DATA_DM_SHIFT = 8;
export const MSI_DATA_LEVEL_ASSERT = 1 << 14;
export const MSI_DATA_TRIGGER_LEVEL = 1 << 15;

/** The address of an interrupt message to `dest` in physical or logical destination mode. */
export function msiAddress(dest: number, logical: boolean): number {
  return (MSI_ADDR_BASE | ((dest & 0xff) << MSI_ADDR_DEST_SHIFT) | (logical ? MSI_ADDR_DEST_LOGICAL : 0)) >>> 0;
}

/** The data word of an interrupt message. */
export function msiData(vector: number, deliveryMode: number, level: boolean): number {
  return ((vector & 0xff) | ((deliveryMode & 7) << MSI_DATA_DM_SHIFT) | (level ? MSI_DATA_TRIGGER_LEVEL | MSI_DATA_LEVEL_ASSERT : 0)) >>> 0;
}

/**
 * Whatever carries interrupt messages: the system `Bus` (with the APIC window mapped; the
 * message then travels as an ordinary bus write, as QEMU's `stl_le_phys`) or an `ApicBus`
 * directly.
 */
export interface MsiSink {
  /** A 32-bit write of `value` at absolute physical address `addr`. */
  write32(addr: number, value: number): void;
}
