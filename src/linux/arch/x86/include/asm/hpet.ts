/**
 * HPET register layout as the x86 kernel names it (include/asm-x86_64/hpet.h of 2.6.21, the
 * header seed 004 builds on; values from the IA-PC HPET 1.0a specification).
 */
export const HPET_MMAP_SIZE = 1024;

export const HPET_ID = 0x000;
export const HPET_PERIOD = 0x004;
export const HPET_CFG = 0x010;
export const HPET_STATUS = 0x020;
export const HPET_COUNTER = 0x0f0;
export const HPET_T0_CFG = 0x100;
export const HPET_T0_CMP = 0x108;
export const HPET_T0_ROUTE = 0x110;
export const HPET_T1_CFG = 0x120;
export const HPET_T1_CMP = 0x128;
export const HPET_T1_ROUTE = 0x130;
export const HPET_T2_CFG = 0x140;

export const HPET_Tn_CFG = (n: number): number => 0x100 + 0x20 * n;
export const HPET_Tn_CMP = (n: number): number => 0x108 + 0x20 * n;
export const HPET_Tn_ROUTE = (n: number): number => 0x110 + 0x20 * n;

export const HPET_ID_VENDOR = 0xffff0000;
export const HPET_ID_LEGSUP = 0x00008000;
export const HPET_ID_64BIT = 0x00002000;
export const HPET_ID_NUMBER = 0x00001f00;
export const HPET_ID_REV = 0x000000ff;
export const HPET_ID_NUMBER_SHIFT = 8;
export const HPET_ID_VENDOR_SHIFT = 16;

export const HPET_CFG_ENABLE = 0x001;
export const HPET_CFG_LEGACY = 0x002;

export const HPET_TN_LEVEL = 0x0002;
export const HPET_TN_ENABLE = 0x0004;
export const HPET_TN_PERIODIC = 0x0008;
export const HPET_TN_PERIODIC_CAP = 0x0010;
export const HPET_TN_64BIT_CAP = 0x0020;
export const HPET_TN_SETVAL = 0x0040;
export const HPET_TN_32BIT = 0x0100;
export const HPET_TN_ROUTE = 0x3e00;
export const HPET_TN_FSB = 0x4000;
export const HPET_TN_FSB_CAP = 0x8000;
export const HPET_TN_ROUTE_SHIFT = 9;

/** The address the ACPI HPET table gives on PC chipsets. */
export const HPET_DEFAULT_ADDRESS = 0xfed0_0000;
