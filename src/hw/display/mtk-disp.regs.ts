/**
 * MT8173 display components as the GCE and the DRM driver see them: where each block's 4 KiB
 * register window is (../shared/spec/dts/mt8173-gce-mainline.resolved.dts, whose
 * `mediatek,gce-client-reg` cells agree with mtk-gce-soc.ts), which GCE events it raises
 * (spec §4.1), and the interrupt registers the model implements
 * (`drivers/gpu/drm/mediatek/mtk_disp_ovl.c`, `mtk_disp_rdma.c`, `mtk_disp_wdma.c`).
 *
 * Every other word of an OVL, RDMA or WDMA window is a generic configuration register: written
 * to a shadow copy, latched into the active copy at the block's SOF. MMSYS and the MUTEX are
 * shared control blocks without shadowing.
 */
import { reg32, rw } from "../../sim/regs.js";
import { socLookup } from "../mailbox/mtk-gce-soc.js";

export type DispComponentName = "MMSYS" | "OVL0" | "OVL1" | "RDMA0" | "RDMA1" | "RDMA2" | "WDMA0" | "WDMA1" | "MUTEX";
export type DispComponentKind = "mmsys" | "ovl" | "rdma" | "wdma" | "mutex";

/** Bytes in each component's register window. */
export const DISP_WINDOW = 0x1000;

// DISP_REG_OVL_INTEN / INTSTA; status bits are "cleared by writing 0 to it; writing 1 is useless".
export const OVL = {
  INTEN: reg32("DISP_REG_OVL_INTEN", 0x0004, { OVL_REG_CMT_INT: rw(0), OVL_FME_CPL_INT: rw(1), OVL_FME_UND_INT: rw(2) }),
  INTSTA: reg32("DISP_REG_OVL_INTSTA", 0x0008, { OVL_REG_CMT_INT: rw(0), OVL_FME_CPL_INT: rw(1), OVL_FME_UND_INT: rw(2) }),
} as const;

// DISP_REG_RDMA_INT_ENABLE / INT_STATUS (the DRM ISR clears with writel(0x0, INT_STATUS)).
const RDMA_INT_FIELDS = {
  RDMA_REG_UPDATE_INT: rw(0),
  RDMA_FRAME_START_INT: rw(1),
  RDMA_FRAME_END_INT: rw(2),
  RDMA_FIFO_UNDERFLOW_INT: rw(4),
} as const;
export const RDMA = {
  INT_ENABLE: reg32("DISP_REG_RDMA_INT_ENABLE", 0x0000, RDMA_INT_FIELDS),
  INT_STATUS: reg32("DISP_REG_RDMA_INT_STATUS", 0x0004, RDMA_INT_FIELDS),
} as const;

// DISP_REG_WDMA_INTEN / INTSTA.
export const WDMA = {
  INTEN: reg32("DISP_REG_WDMA_INTEN", 0x0000, { WDMA_FRAME_COMPLETE_INT: rw(0), WDMA_UNDERFLOW_INT: rw(1) }),
  INTSTA: reg32("DISP_REG_WDMA_INTSTA", 0x0004, { WDMA_FRAME_COMPLETE_INT: rw(0), WDMA_UNDERFLOW_INT: rw(1) }),
} as const;

/** Interrupt-status bits a component sets on frame events (0 where the block has none). */
export interface DispIrqBits {
  /** Offsets of the enable and status registers. */
  readonly enable: number;
  readonly status: number;
  /** Writable bits of both. */
  readonly mask: number;
  readonly sof: number;
  readonly eof: number;
  readonly underrun: number;
}

const IRQ_BITS: Readonly<Record<"ovl" | "rdma" | "wdma", DispIrqBits>> = {
  ovl: {
    enable: OVL.INTEN.offset,
    status: OVL.INTSTA.offset,
    mask: OVL.INTSTA.writable,
    sof: OVL.INTSTA.f.OVL_REG_CMT_INT.mask,
    eof: OVL.INTSTA.f.OVL_FME_CPL_INT.mask,
    underrun: OVL.INTSTA.f.OVL_FME_UND_INT.mask,
  },
  rdma: {
    enable: RDMA.INT_ENABLE.offset,
    status: RDMA.INT_STATUS.offset,
    mask: RDMA.INT_STATUS.writable,
    sof: RDMA.INT_STATUS.f.RDMA_REG_UPDATE_INT.mask | RDMA.INT_STATUS.f.RDMA_FRAME_START_INT.mask,
    eof: RDMA.INT_STATUS.f.RDMA_FRAME_END_INT.mask,
    underrun: RDMA.INT_STATUS.f.RDMA_FIFO_UNDERFLOW_INT.mask,
  },
  wdma: {
    enable: WDMA.INTEN.offset,
    status: WDMA.INTSTA.offset,
    mask: WDMA.INTSTA.writable,
    sof: 0,
    eof: WDMA.INTSTA.f.WDMA_FRAME_COMPLETE_INT.mask,
    underrun: WDMA.INTSTA.f.WDMA_UNDERFLOW_INT.mask,
  },
};

export interface DispComponentInfo {
  readonly name: DispComponentName;
  readonly kind: DispComponentKind;
  /** Physical base of the 4 KiB window. */
  readonly base: number;
  /** GCE event ids (mt8173-gce.h), or -1 when the block raises none. */
  readonly sofEvent: number;
  readonly eofEvent: number;
  readonly underrunEvent: number;
  /** The interrupt registers, for blocks that have them. */
  readonly irq: DispIrqBits | undefined;
  /** Configuration registers are shadowed (latched at SOF). */
  readonly shadowed: boolean;
}

const mt8173 = socLookup("mt8173");

function eventId(name: string | undefined): number {
  if (name === undefined) return -1;
  const id = mt8173.eventId(name);
  if (id === undefined) throw new Error(`mt8173 has no GCE event ${name}`);
  return id;
}

function component(name: DispComponentName, kind: DispComponentKind, base: number, events: { sof?: string; eof?: string; underrun?: string } = {}): DispComponentInfo {
  const irq = kind === "ovl" || kind === "rdma" || kind === "wdma" ? IRQ_BITS[kind] : undefined;
  return {
    name,
    kind,
    base,
    sofEvent: eventId(events.sof),
    eofEvent: eventId(events.eof),
    underrunEvent: eventId(events.underrun),
    irq,
    shadowed: irq !== undefined,
  };
}

/** The mt8173 display blocks the model has, in address order. */
export const MT8173_DISP_COMPONENTS: readonly DispComponentInfo[] = [
  component("MMSYS", "mmsys", 0x1400_0000),
  component("OVL0", "ovl", 0x1400_c000, { sof: "DISP_OVL0_SOF", eof: "DISP_OVL0_EOF" }),
  component("OVL1", "ovl", 0x1400_d000, { sof: "DISP_OVL1_SOF", eof: "DISP_OVL1_EOF" }),
  component("RDMA0", "rdma", 0x1400_e000, { sof: "DISP_RDMA0_SOF", eof: "DISP_RDMA0_EOF", underrun: "DISP_RDMA0_UNDERRUN" }),
  component("RDMA1", "rdma", 0x1400_f000, { sof: "DISP_RDMA1_SOF", eof: "DISP_RDMA1_EOF", underrun: "DISP_RDMA1_UNDERRUN" }),
  component("RDMA2", "rdma", 0x1401_0000, { sof: "DISP_RDMA2_SOF", eof: "DISP_RDMA2_EOF", underrun: "DISP_RDMA2_UNDERRUN" }),
  component("WDMA0", "wdma", 0x1401_1000, { sof: "DISP_WDMA0_SOF", eof: "DISP_WDMA0_EOF" }),
  component("WDMA1", "wdma", 0x1401_2000, { sof: "DISP_WDMA1_SOF", eof: "DISP_WDMA1_EOF" }),
  component("MUTEX", "mutex", 0x1402_0000),
];

/** `CMDQ_EVENT_MUTEXn_STREAM_EOF` for mutex n (0..4). */
export function mutexStreamEofEvent(mutex: number): number {
  return eventId(`MUTEX${mutex}_STREAM_EOF`);
}
