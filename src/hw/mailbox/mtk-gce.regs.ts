/**
 * GCE controller registers (../shared/spec/cmdq-gce.md §2.1). Names follow the mainline driver
 * (`CMDQ_THR_*` without the prefix); offsets the spec marks "vendor only" follow the vendor
 * kernels' `mtk-cmdq` headers, where the mainline driver does not touch them.
 *
 * The declaration is the documentation of access rights; the few registers whose write
 * semantics the register algebra cannot express (self-clearing reset, IRQ_STATUS cleared by
 * writing `~flags`, the write-only SYNC_TOKEN_UPDATE command) say so and are handled in
 * mtk-gce.ts.
 */
import { bank, reg32, ro, rw, unimp, wo } from "../../sim/regs.js";

/** Global registers, offsets from the GCE base (mt8173: 0x10212000). */
export const GCE = {
  /**
   * One bit per thread, **active-low**: bit n reads 0 while thread n has an enabled interrupt
   * pending (IRQ_STATUS & IRQ_ENABLE ≠ 0), 1 otherwise. Inferred from the driver's
   * `for_each_clear_bit` over it (spec §2.1). Bits of threads the GCE does not have read 0.
   */
  CURR_IRQ_STATUS: reg32("CMDQ_CURR_IRQ_STATUS", 0x10, { IRQ: ro(0, 32) }),
  /** Arbitration slot length in GCE cycles; the driver writes 0x3200. Stored; see docs/gce.md for how the model slices. */
  THR_SLOT_CYCLES: reg32("CMDQ_THR_SLOT_CYCLES", 0x30, { SLOT_CYCLES: rw(0, 16) }),
  /** GCTL (mt8186+ `control_by_sw`, `sw_ddr_en`); mt8173 does not have it. */
  GCTL_VALUE: reg32("GCE_GCTL_VALUE", 0x48, { VALUE: unimp(0, 32) }),
  /** Vendor: selects the event SYNC_TOKEN_VALUE reads. */
  SYNC_TOKEN_ID: reg32("SYNC_TOKEN_ID", 0x60, { ID: rw(0, 10) }),
  /** Vendor: the value of the event selected by SYNC_TOKEN_ID. */
  SYNC_TOKEN_VALUE: reg32("SYNC_TOKEN_VALUE", 0x64, { VALUE: ro(0, 16) }),
  /** Write `id | value << 16`: event `id` := value (a command; reads 0). */
  SYNC_TOKEN_UPDATE: reg32("CMDQ_SYNC_TOKEN_UPDATE", 0x68, { ID: wo(0, 10), VALUE: wo(16, 16) }),
} as const;

/** The shared GPRs R0..R15 (vendor naming), one word each from 0x80. */
export const GCE_GPR = bank("GPR", 0x80, 4, 16, { VALUE: reg32("GPR", 0x0, { VALUE: rw(0, 32) }) });

/** IRQ_STATUS / IRQ_ENABLE bits (vendor `CMDQ_THR_IRQ_FLAG_ENUM`; mainline uses only DONE and ERROR = 0x12). */
export const THR_IRQ = {
  /** `CMDQ_THR_IRQ_DONE`: an EOC with IRQ_EN executed. */
  DONE: 0x01,
  /** Vendor `INSTN_TIMEOUT`: an instruction (here: a POLL) outlasted INST_CYCLES. */
  INSTN_TIMEOUT: 0x02,
  /** Vendor `INVALID_INSTN`: the thread fetched a word it cannot execute. */
  INVALID_INSTN: 0x10,
  /** `CMDQ_THR_IRQ_ERROR`. */
  ERROR: 0x12,
  /** `CMDQ_THR_IRQ_EN`: every source. */
  ALL: 0x13,
} as const;

/** Per-thread registers at `CMDQ_THR_BASE (0x100) + CMDQ_THR_SIZE (0x80) * n`. */
export const THR_BASE = 0x100;
export const THR_SIZE = 0x80;

export const THR_REGS = {
  /** Write 1: reset the thread. Self-clearing (reads 0 at once: the model resets instantly). */
  WARM_RESET: reg32("CMDQ_THR_WARM_RESET", 0x00, { WARM_RESET: rw(0) }),
  ENABLE_TASK: reg32("CMDQ_THR_ENABLE_TASK", 0x04, { ENABLE: rw(0) }),
  SUSPEND_TASK: reg32("CMDQ_THR_SUSPEND_TASK", 0x08, { SUSPEND: rw(0) }),
  /** `CMDQ_THR_STATUS_SUSPENDED` = BIT(1). */
  CURR_STATUS: reg32("CMDQ_THR_CURR_STATUS", 0x0c, { SUSPENDED: ro(1) }),
  /** Cleared by writing `~flags`: the new value is `old & written` (spec §2.1). */
  IRQ_STATUS: reg32("CMDQ_THR_IRQ_STATUS", 0x10, { DONE: rw(0), INSTN_TIMEOUT: rw(1), INVALID_INSTN: rw(4) }),
  IRQ_ENABLE: reg32("CMDQ_THR_IRQ_ENABLE", 0x14, { DONE: rw(0), INSTN_TIMEOUT: rw(1), INVALID_INSTN: rw(4) }),
  /** PC, `pa >> shift_pa`. Re-writing it (even with its own value) drops prefetched instructions. */
  CURR_ADDR: reg32("CMDQ_THR_CURR_ADDR", 0x20, { ADDR: rw(0, 32) }),
  /** End, `pa >> shift_pa`: the thread stops fetching when PC reaches it. */
  END_ADDR: reg32("CMDQ_THR_END_ADDR", 0x24, { ADDR: rw(0, 32) }),
  /** Vendor execution counter; not modelled. */
  THR_CNT: reg32("CMDQ_THR_CNT", 0x28, { COUNT: unimp(0, 32) }),
  /** BIT(31) `CMDQ_THR_IS_WAITING` while blocked in a WFE; MODEL: bits 9..0 hold the event waited for. */
  WAIT_TOKEN: reg32("CMDQ_THR_WAIT_TOKEN", 0x30, { EVENT: ro(0, 10), IS_WAITING: ro(31) }),
  /** From the DT cell (vendor THR_CFG bits 2:0); higher is preferred (spec §2.10). */
  PRIORITY: reg32("CMDQ_THR_PRIORITY", 0x40, { PRIORITY: rw(0, 3) }),
  /** Vendor: POLL timeout in GCE cycles; 0 = wait forever. */
  INST_CYCLES: reg32("CMDQ_THR_INST_CYCLES", 0x50, { CYCLES: rw(0, 32) }),
  /** Vendor: the thread's SPR0..3 (`CMDQ_THR_SPR`). */
  SPR0: reg32("CMDQ_THR_SPR0", 0x60, { VALUE: rw(0, 32) }),
  SPR1: reg32("CMDQ_THR_SPR1", 0x64, { VALUE: rw(0, 32) }),
  SPR2: reg32("CMDQ_THR_SPR2", 0x68, { VALUE: rw(0, 32) }),
  SPR3: reg32("CMDQ_THR_SPR3", 0x6c, { VALUE: rw(0, 32) }),
} as const;

/** The thread bank for a GCE with `threads` threads. */
export function threadBank(threads: number) {
  return bank("THR", THR_BASE, THR_SIZE, threads, THR_REGS);
}

/** Bytes of register space a GCE with `threads` threads needs (4 KiB up to 30 threads). */
export function gceRegionSize(threads: number): number {
  return Math.max(0x1000, THR_BASE + THR_SIZE * threads);
}
