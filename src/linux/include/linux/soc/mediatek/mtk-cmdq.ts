/**
 * MediaTek CMDQ types and constants: the seed's include/linux/soc/mediatek/mtk-cmdq.h (seed 000,
 * "[PATCH v17 4/4] soc: mediatek: Add Mediatek CMDQ helper", 2016) with the packet and callback
 * types of its companion include/linux/mailbox/mtk-cmdq-mailbox.h (patch 3/4, reconstructed from
 * seed-era copies, ../shared/spec/cmdq-gce.md §1, §2), plus the constants of mainline's later
 * helper additions (READ_S/WRITE_S/LOGIC, SPR indices, address split), each marked.
 *
 * The functions are in drivers/soc/mediatek/mtk-cmdq-helper.ts.
 */
import type { KBuffer } from "../../../../mm/slab.js";
import type { mbox_chan } from "../../mailbox_controller.js";
import type { mbox_client } from "../../mailbox_client.js";

/** Bytes per GCE instruction (one little-endian 64-bit word). */
export const CMDQ_INST_SIZE = 8;
/** The op code sits in bits 31..24 of arg_a (bits 63..56 of the word). */
export const CMDQ_OP_CODE_SHIFT = 24;
/** The subsys id sits in bits 23..16 of arg_a. */
export const CMDQ_SUBSYS_SHIFT = 16;

/** enum cmdq_code: the seed's five op codes, then mainline's (5.0: POLL; 5.8: READ_S…LOGIC). */
export const CMDQ_CODE_MASK = 0x02;
export const CMDQ_CODE_WRITE = 0x04;
/** Mainline (5.0+). */
export const CMDQ_CODE_POLL = 0x08;
export const CMDQ_CODE_JUMP = 0x10;
export const CMDQ_CODE_WFE = 0x20;
export const CMDQ_CODE_EOC = 0x40;
/** Mainline (5.8+). */
export const CMDQ_CODE_READ_S = 0x80;
export const CMDQ_CODE_WRITE_S = 0x90;
export const CMDQ_CODE_WRITE_S_MASK = 0x91;
export const CMDQ_CODE_LOGIC = 0xa0;
export type cmdq_code =
  | typeof CMDQ_CODE_MASK
  | typeof CMDQ_CODE_WRITE
  | typeof CMDQ_CODE_POLL
  | typeof CMDQ_CODE_JUMP
  | typeof CMDQ_CODE_WFE
  | typeof CMDQ_CODE_EOC
  | typeof CMDQ_CODE_READ_S
  | typeof CMDQ_CODE_WRITE_S
  | typeof CMDQ_CODE_WRITE_S_MASK
  | typeof CMDQ_CODE_LOGIC;

/** JUMP to the next instruction (relative +8): the slot the controller patches to chain packets. */
export const CMDQ_JUMP_PASS = CMDQ_INST_SIZE;
/** Mainline jump modes (offset field bit 0); CMDQ_JUMP_RELATIVE was 1 until the 2024 typo fix. */
export const CMDQ_JUMP_RELATIVE = 0;
export const CMDQ_JUMP_ABSOLUTE = 1;

/**
 * WFE arg_b (spec §1.3):
 * bit 0-11: wait value, bit 15: 1 - wait, 0 - no wait,
 * bit 16-27: update value, bit 31: 1 - update, 0 - no update.
 */
export const CMDQ_WFE_UPDATE = 0x8000_0000;
export const CMDQ_WFE_UPDATE_VALUE = 0x0001_0000;
export const CMDQ_WFE_WAIT = 0x0000_8000;
export const CMDQ_WFE_WAIT_VALUE = 0x0000_0001;

/** enum cmdq_event: the seed's abstract display events, in the seed's order (spec §4.1). */
export const CMDQ_EVENT_DISP_OVL0_SOF = 0;
export const CMDQ_EVENT_DISP_OVL1_SOF = 1;
export const CMDQ_EVENT_DISP_RDMA0_SOF = 2;
export const CMDQ_EVENT_DISP_RDMA1_SOF = 3;
export const CMDQ_EVENT_DISP_RDMA2_SOF = 4;
export const CMDQ_EVENT_DISP_WDMA0_SOF = 5;
export const CMDQ_EVENT_DISP_WDMA1_SOF = 6;
export const CMDQ_EVENT_DISP_OVL0_EOF = 7;
export const CMDQ_EVENT_DISP_OVL1_EOF = 8;
export const CMDQ_EVENT_DISP_RDMA0_EOF = 9;
export const CMDQ_EVENT_DISP_RDMA1_EOF = 10;
export const CMDQ_EVENT_DISP_RDMA2_EOF = 11;
export const CMDQ_EVENT_DISP_WDMA0_EOF = 12;
export const CMDQ_EVENT_DISP_WDMA1_EOF = 13;
export const CMDQ_EVENT_MUTEX0_STREAM_EOF = 14;
export const CMDQ_EVENT_MUTEX1_STREAM_EOF = 15;
export const CMDQ_EVENT_MUTEX2_STREAM_EOF = 16;
export const CMDQ_EVENT_MUTEX3_STREAM_EOF = 17;
export const CMDQ_EVENT_MUTEX4_STREAM_EOF = 18;
export const CMDQ_EVENT_DISP_RDMA0_UNDERRUN = 19;
export const CMDQ_EVENT_DISP_RDMA1_UNDERRUN = 20;
export const CMDQ_EVENT_DISP_RDMA2_UNDERRUN = 21;
/** Keep this at the end: the number of events (22). */
export const CMDQ_MAX_EVENT = 22;
/** An `enum cmdq_event` value (any number may be passed; the helper range-checks it). */
export type cmdq_event = number;

/**
 * Mainline's `CMDQ_MAX_EVENT` (include/linux/mailbox/mtk-cmdq-mailbox.h, 0x3ff): the bound of raw
 * hardware event ids in mainline's set/acquire helpers. Renamed because the seed's enum above
 * ends in `CMDQ_MAX_EVENT`. Note the quirk: id 0x3ff itself is rejected (spec §6 #18).
 */
export const CMDQ_MAX_HW_EVENT = 0x3ff;

/** MT8173 thread priorities (dt-bindings/gce/mt8173-gce.h). */
export const CMDQ_THR_PRIO_LOWEST = 0;
export const CMDQ_THR_PRIO_HIGHEST = 1;

/** Mainline (5.8+): a GCE thread's SPRs, and the register/immediate operand kinds. */
export const CMDQ_THR_SPR_IDX0 = 0;
export const CMDQ_THR_SPR_IDX1 = 1;
export const CMDQ_THR_SPR_IDX2 = 2;
export const CMDQ_THR_SPR_IDX3 = 3;
export const CMDQ_IMMEDIATE_VALUE = 0;
export const CMDQ_REG_TYPE = 1;
/** Mainline: GPR R15 holds the address cmdq_pkt_poll_addr polls. */
export const CMDQ_POLL_ADDR_GPR = 15;

/** CMDQ_ADDR_HIGH(addr): the address bits 47..16 an SPR holds for READ_S/WRITE_S (mainline). */
export function CMDQ_ADDR_HIGH(addr: number): number {
  return Math.floor(addr / 0x1_0000) >>> 0;
}

/** CMDQ_ADDR_LOW(addr): the low 16 bits with BIT(1) set, as the instruction's offset (mainline). */
export function CMDQ_ADDR_LOW(addr: number): number {
  return (addr & 0xffff) | 0x2;
}

/** enum cmdq_logic_op (mainline 5.8+). */
export const CMDQ_LOGIC_ASSIGN = 0;
export const CMDQ_LOGIC_ADD = 1;
export const CMDQ_LOGIC_SUBTRACT = 2;
export const CMDQ_LOGIC_MULTIPLY = 3;
export const CMDQ_LOGIC_XOR = 8;
export const CMDQ_LOGIC_NOT = 9;
export const CMDQ_LOGIC_OR = 10;
export const CMDQ_LOGIC_AND = 11;
export const CMDQ_LOGIC_LEFT_SHIFT = 12;
export const CMDQ_LOGIC_RIGHT_SHIFT = 13;
export const CMDQ_LOGIC_MAX = 14;
export type cmdq_logic_op = number;

/** struct cmdq_operand (mainline): a register index or a 16-bit immediate. */
export interface cmdq_operand {
  readonly reg: boolean;
  /** The register index when `reg`, else the immediate value (C: a union of idx and value). */
  readonly idx: number;
}

/**
 * struct cmdq_cb_data as the completion callback receives it. The seed's has `err` and `data`;
 * the fields `sta` (0, -ENOEXEC, -ECONNABORTED) and `pkt` are mainline's (delivered through
 * the client's rx_callback), filled too so either kind of client can read what it expects.
 */
export interface cmdq_cb_data {
  err: boolean;
  data: unknown;
  sta: number;
  pkt: cmdq_pkt | null;
}

/** typedef void (*cmdq_async_flush_cb)(struct cmdq_cb_data data). */
export type cmdq_async_flush_cb = (data: cmdq_cb_data) => void;

/** struct cmdq_task_cb: the callback and its argument, kept in the packet. */
export interface cmdq_task_cb {
  cb: cmdq_async_flush_cb | null;
  data: unknown;
}

/**
 * struct cmdq_pkt (seed era): a growable command buffer. `va_base` is kernel memory (its `pa` is
 * what the controller maps at send time); `va32` views the same bytes as u32 words (lo, hi
 * per instruction) for the append path and is replaced whenever the buffer moves. It is never
 * null (so the append path's type stays monomorphic): empty once the packet is destroyed, and on
 * a big-endian host, where the helper goes through `va_base.view` instead.
 */
export interface cmdq_pkt {
  va_base: KBuffer | null;
  va32: Uint32Array;
  /** Bytes of commands appended. */
  cmd_buf_size: number;
  /** Bytes allocated. */
  buf_size: number;
  readonly cb: cmdq_task_cb;
  /** The struct's own allocation (kzalloc(sizeof(*pkt))). */
  readonly kmem: KBuffer;
}

/** struct cmdq_base: the subsys id and physical base of a client's register block (seed). */
export interface cmdq_base {
  readonly subsys: number;
  readonly base: number;
}

/**
 * struct cmdq_client_reg (mainline 5.4+): a client's register window as its node's
 * `mediatek,gce-client-reg = <&gce subsys offset size>` gives it; filled by
 * cmdq_dev_get_client_reg().
 */
export interface cmdq_client_reg {
  subsys: number;
  offset: number;
  size: number;
}

/** struct cmdq_client: a mailbox client and its channel (a GCE thread). */
export interface cmdq_client {
  readonly client: mbox_client;
  chan: mbox_chan;
  /** The struct's own allocation (kzalloc(sizeof(*client))). */
  readonly kmem: KBuffer;
}

/** sizeof() of the structs the helper and the controller allocate (arm64 layouts). */
export const SIZEOF_CMDQ_PKT = 40;
export const SIZEOF_CMDQ_CLIENT = 64;
export const SIZEOF_CMDQ_TASK = 48;
