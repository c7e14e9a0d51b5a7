/**
 * Local APIC register offsets, bits and the vectors x86-64 Linux uses (include/asm-x86_64/apicdef.h,
 * hw_irq.h of 2.6.21; Intel SDM vol. 3 §11.4).
 */
export const APIC_DEFAULT_PHYS_BASE = 0xfee0_0000;

export const APIC_ID = 0x20;
export const APIC_LVR = 0x30;
export const APIC_TASKPRI = 0x80;
export const APIC_EOI = 0xb0;
export const APIC_LDR = 0xd0;
export const APIC_DFR = 0xe0;
export const APIC_DFR_FLAT = 0xffff_ffff;
export const APIC_SPIV = 0xf0;
export const APIC_SPIV_APIC_ENABLED = 1 << 8;
export const APIC_LVTT = 0x320;
export const APIC_LVT0 = 0x350;
export const APIC_LVT1 = 0x360;
export const APIC_LVTERR = 0x370;
export const APIC_TMICT = 0x380;
export const APIC_TMCCT = 0x390;
export const APIC_TDCR = 0x3e0;

export const APIC_LVT_MASKED = 1 << 16;
export const APIC_LVT_TIMER_PERIODIC = 1 << 17;
export const APIC_TDR_DIV_16 = 0x3;

/** SET_APIC_LOGICAL_ID(x): flat logical mode puts the CPU's bit in LDR[31:24]. */
export const SET_APIC_LOGICAL_ID = (x: number): number => (x << 24) >>> 0;

/** Vectors (include/asm-x86_64/hw_irq.h). */
export const FIRST_EXTERNAL_VECTOR = 0x20;
export const FIRST_DEVICE_VECTOR = 0x31;
export const LOCAL_TIMER_VECTOR = 0xef;
export const SPURIOUS_APIC_VECTOR = 0xff;
export const NR_VECTORS = 256;
/** The divider the kernel programs for the timer (APIC_DIVISOR). */
export const APIC_DIVISOR = 16;
