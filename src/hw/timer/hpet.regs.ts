/**
 * IA-PC HPET registers, declared once (IA-PC HPET 1.0a §2.3 "Register Descriptions"; field names
 * as in the specification and Intel's PCH datasheets, "High Precision Event Timer Registers").
 * ../shared/spec/hpet-clockevents.md §1 quotes them: §1.1 map, §1.2 GCAP_ID, §1.3 GEN_CONF,
 * §1.4 GINTR_STA, §1.5 MAIN_CNT, §1.6 Tn_CONF_CAP, §1.7 Tn_COMPARATOR, §1.10 Tn_FSB_INT_ROUTE.
 *
 * Every register is 64 bits wide. The model keeps the *values* as 32-bit halves (numbers), so the
 * declarations here are the documentation and the source of the masks; the capability fields'
 * reset values depend on the instance (timer count, period, per-timer caps) and are filled in
 * by the model.
 */
import { bank, reg64, ro, rw, w1c, type Reg } from "../../sim/regs.js";

/** Where the PC chipset decodes the first HPET block (ACPI "HPET" table, PNP0103). */
export const HPET_DEFAULT_BASE = 0xfed0_0000;
/** The block is 1 KiB: timers 0–23 are reachable (0x100 + 0x20·n + 0x18 < 0x400). */
export const HPET_WINDOW_SIZE = 0x400;
export const HPET_MIN_TIMERS = 3;
export const HPET_MAX_TIMERS = 32;
/** Timers whose registers fit in the 1 KiB window. */
export const HPET_REACHABLE_TIMERS = 24;

export const HPET = {
  /** §1.2: RO. REV_ID must not be 0; NUM_TIM_CAP is the index of the last timer. */
  GCAP_ID: reg64("GCAP_ID", 0x000, {
    REV_ID: ro(0, 8),
    NUM_TIM_CAP: ro(8, 5),
    COUNT_SIZE_CAP: ro(13),
    LEG_RT_CAP: ro(15),
    VENDOR_ID: ro(16, 16),
    COUNTER_CLK_PERIOD: ro(32, 32),
  }),
  /** §1.3 */
  GEN_CONF: reg64("GEN_CONF", 0x010, { ENABLE_CNF: rw(0), LEG_RT_CNF: rw(1) }),
  /** §1.4: bit n is Tn_INT_STS, write 1 to clear. */
  GINTR_STA: reg64("GINTR_STA", 0x020, { Tn_INT_STS: w1c(0, 32) }),
  /** §1.5: writable only while ENABLE_CNF = 0. */
  MAIN_CNT: reg64("MAIN_CNT", 0x0f0, { MAIN_COUNTER_VAL: rw(0, 64) }),
} as const;

/** Per-timer registers, timer n at 0x100 + 0x20·n. */
export const HPET_TIMER = bank("Tn", 0x100, 0x20, HPET_REACHABLE_TIMERS, {
  /** §1.6. TYPE_CNF, 32MODE_CNF and FSB_EN_CNF are writable only with their capability. */
  CONF_CAP: reg64("Tn_CONF_CAP", 0x00, {
    Tn_INT_TYPE_CNF: rw(1),
    Tn_INT_ENB_CNF: rw(2),
    Tn_TYPE_CNF: rw(3),
    Tn_PER_INT_CAP: ro(4),
    Tn_SIZE_CAP: ro(5),
    /** Write 1 to let the next comparator write set the accumulator; clears itself on that write. */
    Tn_VAL_SET_CNF: rw(6),
    Tn_32MODE_CNF: rw(8),
    Tn_INT_ROUTE_CNF: rw(9, 5),
    Tn_FSB_EN_CNF: rw(14),
    Tn_FSB_INT_DEL_CAP: ro(15),
    Tn_INT_ROUTE_CAP: ro(32, 32),
  }),
  /** §1.7: reset all ones. */
  COMPARATOR: reg64("Tn_COMPARATOR", 0x08, { Tn_COMPARATOR_VAL: rw(0, 64, 0xffff_ffff_ffff_ffffn) }),
  /** §1.10: FSB (MSI) data in the low half, address in the high half. */
  FSB_INT_ROUTE: reg64("Tn_FSB_INT_ROUTE", 0x10, { Tn_FSB_INT_VAL: rw(0, 32), Tn_FSB_INT_ADDR: rw(32, 32) }),
});

/** The registers a global offset can name (the decode table maps offsets onto these). */
export const HPET_GLOBAL_REGS: readonly Reg[] = [HPET.GCAP_ID, HPET.GEN_CONF, HPET.GINTR_STA, HPET.MAIN_CNT];

const conf = HPET_TIMER.regs.CONF_CAP.f;

/** Low-dword bit masks of Tn_CONF_CAP, precomputed for the access paths. */
export const TN_INT_TYPE = Number(conf.Tn_INT_TYPE_CNF.mask);
export const TN_INT_ENB = Number(conf.Tn_INT_ENB_CNF.mask);
export const TN_TYPE = Number(conf.Tn_TYPE_CNF.mask);
export const TN_PER_INT_CAP = Number(conf.Tn_PER_INT_CAP.mask);
export const TN_SIZE_CAP = Number(conf.Tn_SIZE_CAP.mask);
export const TN_VAL_SET = Number(conf.Tn_VAL_SET_CNF.mask);
export const TN_32MODE = Number(conf.Tn_32MODE_CNF.mask);
export const TN_INT_ROUTE = Number(conf.Tn_INT_ROUTE_CNF.mask);
export const TN_INT_ROUTE_SHIFT = conf.Tn_INT_ROUTE_CNF.lsb;
export const TN_FSB_EN = Number(conf.Tn_FSB_EN_CNF.mask);
export const TN_FSB_CAP = Number(conf.Tn_FSB_INT_DEL_CAP.mask);
/** Every bit of the low dword a guest may write (QEMU's HPET_TN_CFG_WRITE_MASK, 0x7f4e). */
export const TN_CFG_WRITABLE = Number(HPET_TIMER.regs.CONF_CAP.writable & 0xffff_ffffn);

const gen = HPET.GEN_CONF.f;
export const GEN_ENABLE = Number(gen.ENABLE_CNF.mask);
export const GEN_LEG_RT = Number(gen.LEG_RT_CNF.mask);
export const GEN_WRITABLE = Number(HPET.GEN_CONF.writable);

/** GCAP_ID low dword for `timers` timers (REV_ID 1, COUNT_SIZE_CAP, LEG_RT_CAP, vendor). */
export function gcapIdLow(timers: number, vendorId: number, revId: number): number {
  const f = HPET.GCAP_ID.f;
  let v = 0n;
  v = f.REV_ID.set(v, BigInt(revId));
  v = f.NUM_TIM_CAP.set(v, BigInt(timers - 1));
  v = f.COUNT_SIZE_CAP.set(v, 1n);
  v = f.LEG_RT_CAP.set(v, 1n);
  v = f.VENDOR_ID.set(v, BigInt(vendorId));
  return Number(v);
}
