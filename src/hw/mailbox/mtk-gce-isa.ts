/**
 * MediaTek GCE (CMDQ) instruction set: encoding and decoding of one 64-bit instruction.
 *
 * Source: ../shared/spec/cmdq-gce.md §1 (word layout §1.1, opcodes §1.2, WFE flag word §1.3,
 * SPR/GPR registers and LOGIC operators §1.4, shift_pa §1.5), which summarises mainline
 * `include/linux/mailbox/mtk-cmdq-mailbox.h`, `include/linux/soc/mediatek/mtk-cmdq.h`,
 * `drivers/soc/mediatek/mtk-cmdq-helper.c`, and seed 000 (the 2016 helper, v17).
 *
 * An instruction is one little-endian 64-bit word, held as two u32 numbers in memory order:
 * `lo` = bits 0..31 (arg_b) and `hi` = bits 32..63 (`op << 24 | arg_a`). No BigInt: the GCE
 * engine decodes with this file on its hot path, and `decodeInto` allocates nothing.
 *
 * Decoding is strict. A word becomes a typed instruction only when every set bit has the meaning
 * the spec gives it for that opcode; then `encode(decode(w))` is `w` again, bit for bit. Any
 * other word is `{ kind: "unknown" }` with a reason, never an exception, so a tool can print it
 * verbatim and an engine can raise the error IRQ.
 *
 * Not modelled: vendor-only opcodes (READ 0x01, conditional jumps 0xb0/0xb1; §1.2 says do not
 * model), the MT8196 mminfra offset (§1.5), and what the hardware does with bits the mainline
 * helper never sets (they decode as unknown).
 */

/** Opcodes, `enum cmdq_code` (spec §1.2). The seed had only MASK, WRITE, JUMP, WFE and EOC. */
export const CMDQ_CODE = {
  MASK: 0x02,
  WRITE: 0x04,
  POLL: 0x08,
  JUMP: 0x10,
  WFE: 0x20,
  EOC: 0x40,
  READ_S: 0x80,
  WRITE_S: 0x90,
  WRITE_S_MASK: 0x91,
  LOGIC: 0xa0,
} as const;

export type CmdqCodeName = keyof typeof CMDQ_CODE;

/** `CMDQ_INST_SIZE`: bytes per instruction (spec §1.1). */
export const CMDQ_INST_SIZE = 8;

// Word layout, spec §1.1 (`struct cmdq_instruction`, LE bitfields), seen from the two halves:
//   hi[31:24] op
//   hi[23:16] subsys                     (MASK, WRITE, POLL: legacy arg_a view)
//   hi[23] dst_t, hi[22] src_t, hi[21] arg_c_t, hi[20:16] sop   (READ_S, WRITE_S, LOGIC, poll_addr)
//   hi[15:0]  offset / event / reg_dst
//   lo[31:0]  value / mask, or lo[31:16] src_reg + lo[15:0] arg_c
const OP_SHIFT = 24;
const SUBSYS_SHIFT = 16; // CMDQ_SUBSYS_SHIFT
const DST_T = 1 << 23;
const SRC_T = 1 << 22;
const ARG_C_T = 1 << 21;
const SOP_MASK = 0x1f;
const U16 = 0xffff;

/** Offset bit 0 of WRITE/POLL: use the mask loaded by the preceding MASK (`CMDQ_WRITE_ENABLE_MASK`, `CMDQ_POLL_ENABLE_MASK`). */
export const CMDQ_WRITE_ENABLE_MASK = 0x1;

/** JUMP offset field, bit 0 (spec §1.2, after the 2024 "Fix typo of CMDQ_JUMP_RELATIVE"). */
export const CMDQ_JUMP_RELATIVE = 0;
export const CMDQ_JUMP_ABSOLUTE = 1;
/** Relative jump to the next instruction: the finalize slot the controller overwrites to chain packets (§1.6). */
export const CMDQ_JUMP_PASS = 8;

/** EOC value bit 0: raise the thread's DONE interrupt (spec §1.2). */
export const CMDQ_EOC_IRQ_EN = 0x1;

// WFE arg_b (spec §1.3): [11:0] wait value, [15] wait, [27:16] update value, [31] update.
export const CMDQ_WFE_WAIT_VALUE = 0x0000_0001;
export const CMDQ_WFE_WAIT = 0x0000_8000;
export const CMDQ_WFE_UPDATE_VALUE = 0x0001_0000;
export const CMDQ_WFE_UPDATE = 0x8000_0000;
const WFE_VALUE_MASK = 0xfff;
const WFE_UPDATE_VALUE_SHIFT = 16;
/** Bits 12..14 and 28..30 have no meaning in the flag word. */
export const CMDQ_WFE_RESERVED = 0x7000_7000;

/** The helper's composite WFE flag words (spec §1.3 "Composite forms"). */
export const WFE_FLAGS = {
  /** seed `cmdq_pkt_wfe(ev)`, mainline `wfe(ev, clear=true)`: wait ev==1, then ev := 0. */
  waitAndClear: (CMDQ_WFE_UPDATE | CMDQ_WFE_WAIT | CMDQ_WFE_WAIT_VALUE) >>> 0,
  /** mainline `wfe(ev, clear=false)`: wait ev==1, leave it set. */
  waitNoClear: CMDQ_WFE_WAIT | CMDQ_WFE_WAIT_VALUE,
  /** `clear_event(ev)`: ev := 0, no wait. */
  clear: CMDQ_WFE_UPDATE,
  /** `set_event(ev)`: ev := 1. */
  set: (CMDQ_WFE_UPDATE | CMDQ_WFE_UPDATE_VALUE) >>> 0,
  /** `acquire_event(ev)`: wait ev==0, then ev := 1 (mutex lock). */
  acquire: (CMDQ_WFE_UPDATE | CMDQ_WFE_UPDATE_VALUE | CMDQ_WFE_WAIT) >>> 0,
} as const;

/** Event ids live in a 1024-entry table (spec §1.3). */
export const CMDQ_EVENT_COUNT = 0x400;

// Registers (spec §1.4). SPRs are private to each thread; GPRs R0..R15 are global.
export const CMDQ_SPR_COUNT = 4;
export const CMDQ_GPR_COUNT = 16;
/**
 * MODEL: operand id of R0 in the 16-bit register fields (reg_dst, src_reg, arg_c). The spec
 * names R0..R15 and the SPR ids 0..3 but not the GPR operand ids; the vendor helper header
 * (`CMDQ_GPR_IDX 32`) puts them at 0x20 + n, which keeps them apart from the SPRs. The 5-bit
 * `sop` of MASK/POLL in `cmdq_pkt_poll_addr` holds a bare GPR index instead (R15 = 15).
 */
export const CMDQ_GPR_IDX = 0x20;
/** GPR reserved by `cmdq_pkt_poll_addr` for the polled address (spec §1.4). */
export const CMDQ_POLL_ADDR_GPR = 15;

/** `enum cmdq_logic_op` (spec §1.4); the gaps 4..7 and values >= 14 are invalid (-EINVAL). */
export const CMDQ_LOGIC = {
  ASSIGN: 0,
  ADD: 1,
  SUBTRACT: 2,
  MULTIPLY: 3,
  XOR: 8,
  NOT: 9,
  OR: 10,
  AND: 11,
  LEFT_SHIFT: 12,
  RIGHT_SHIFT: 13,
} as const;

export type LogicOperatorName = keyof typeof CMDQ_LOGIC;
export type LogicOperator = (typeof CMDQ_LOGIC)[LogicOperatorName];

const LOGIC_NAMES: readonly (LogicOperatorName | undefined)[] = (() => {
  const names: (LogicOperatorName | undefined)[] = new Array<LogicOperatorName | undefined>(32).fill(undefined);
  for (const [name, value] of Object.entries(CMDQ_LOGIC)) names[value] = name as LogicOperatorName;
  return names;
})();

/** The operator's spec name, or undefined for an invalid `sop`. */
export function logicOperatorName(sop: number): LogicOperatorName | undefined {
  return LOGIC_NAMES[sop];
}

function isLogicOperator(sop: number): sop is LogicOperator {
  return LOGIC_NAMES[sop] !== undefined;
}

/** MASK: the next masked WRITE/POLL/WRITE_S_MASK changes only the bits set in `mask` (stored inverted, §1.2). */
export interface MaskInstruction {
  readonly kind: "mask";
  readonly mask: number;
}

/** MASK with dst_t = 1 (vendor name MOVE): GPR[gpr] := value, as `cmdq_pkt_poll_addr` loads the polled address (§1.2). */
export interface MoveInstruction {
  readonly kind: "move";
  readonly gpr: number;
  readonly value: number;
}

/** WRITE: register at subsys base + offset := value (masked: under the preceding MASK). `offset` has bit 0 clear. */
export interface WriteInstruction {
  readonly kind: "write";
  readonly subsys: number;
  readonly offset: number;
  readonly value: number;
  readonly masked: boolean;
}

/** POLL: spin until the register at subsys base + offset (masked) equals value. */
export interface PollInstruction {
  readonly kind: "poll";
  readonly subsys: number;
  readonly offset: number;
  readonly value: number;
  readonly masked: boolean;
}

/** POLL with dst_t = 1: the address is in GPR[gpr] (`cmdq_pkt_poll_addr`). */
export interface PollGprInstruction {
  readonly kind: "pollGpr";
  readonly gpr: number;
  readonly value: number;
  readonly masked: boolean;
}

/**
 * JUMP. `value` is the raw field: a signed byte offset (relative) or a physical address
 * (absolute), both `>> shift_pa` on SoCs that shift (§1.5); see `jumpDisplacement`/`jumpAddress`.
 */
export interface JumpInstruction {
  readonly kind: "jump";
  readonly absolute: boolean;
  readonly value: number;
}

/** WFE: optionally wait until event == waitValue, then optionally event := updateValue (§1.3). */
export interface WfeInstruction {
  readonly kind: "wfe";
  readonly event: number;
  readonly wait: boolean;
  readonly waitValue: number;
  readonly update: boolean;
  readonly updateValue: number;
}

/** EOC: end of command; `irq` raises the thread's DONE interrupt. */
export interface EocInstruction {
  readonly kind: "eoc";
  readonly irq: boolean;
}

/** READ_S: register `dst` := the word at (reg[addrHigh] << 16) + addrLow. */
export interface ReadSInstruction {
  readonly kind: "readS";
  readonly dst: number;
  readonly addrHigh: number;
  readonly addrLow: number;
}

/** WRITE_S / WRITE_S_MASK (`masked`): the word at (reg[addrHigh] << 16) + addrLow := register `src` or 32-bit immediate `src`. */
export interface WriteSInstruction {
  readonly kind: "writeS";
  readonly masked: boolean;
  readonly addrHigh: number;
  readonly addrLow: number;
  readonly srcIsReg: boolean;
  readonly src: number;
}

/**
 * LOGIC: register `dst` := left `operator` right; each operand a register id or a 16-bit
 * immediate. ASSIGN with two immediates is `cmdq_pkt_assign`'s 32-bit value (left:right).
 */
export interface LogicInstruction {
  readonly kind: "logic";
  readonly operator: LogicOperator;
  readonly dst: number;
  readonly leftIsReg: boolean;
  readonly left: number;
  readonly rightIsReg: boolean;
  readonly right: number;
}

export type UnknownReason =
  | "unknown opcode"
  | "MASK with a non-zero arg_a"
  | "POLL by register with unexpected bits"
  | "JUMP with bits other than the mode set in arg_a"
  | "WFE event outside 0..1023 or subsys set"
  | "WFE flags with reserved bits 12..14 or 28..30 set"
  | "EOC with bits other than IRQ_EN set"
  | "READ_S without dst_t or with src_t/arg_c set"
  | "WRITE_S with dst_t/arg_c_t or arg_c set"
  | "LOGIC without dst_t or with an invalid operator";

/** A word that decodes to nothing the spec defines. */
export interface UnknownInstruction {
  readonly kind: "unknown";
  readonly lo: number;
  readonly hi: number;
  readonly reason: UnknownReason;
}

export type Instruction =
  | MaskInstruction
  | MoveInstruction
  | WriteInstruction
  | PollInstruction
  | PollGprInstruction
  | JumpInstruction
  | WfeInstruction
  | EocInstruction
  | ReadSInstruction
  | WriteSInstruction
  | LogicInstruction
  | UnknownInstruction;

export type InstructionKind = Instruction["kind"];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * One preallocated object per instruction kind. `decodeInto` fills the one that matches and
 * returns it, so a hot loop decodes without allocating; the result is valid until the next
 * `decodeInto` on the same scratch.
 */
export interface DecodeScratch {
  readonly mask: Mutable<MaskInstruction>;
  readonly move: Mutable<MoveInstruction>;
  readonly write: Mutable<WriteInstruction>;
  readonly poll: Mutable<PollInstruction>;
  readonly pollGpr: Mutable<PollGprInstruction>;
  readonly jump: Mutable<JumpInstruction>;
  readonly wfe: Mutable<WfeInstruction>;
  readonly eoc: Mutable<EocInstruction>;
  readonly readS: Mutable<ReadSInstruction>;
  readonly writeS: Mutable<WriteSInstruction>;
  readonly logic: Mutable<LogicInstruction>;
  readonly unknown: Mutable<UnknownInstruction>;
}

export function createDecodeScratch(): DecodeScratch {
  return {
    mask: { kind: "mask", mask: 0 },
    move: { kind: "move", gpr: 0, value: 0 },
    write: { kind: "write", subsys: 0, offset: 0, value: 0, masked: false },
    poll: { kind: "poll", subsys: 0, offset: 0, value: 0, masked: false },
    pollGpr: { kind: "pollGpr", gpr: 0, value: 0, masked: false },
    jump: { kind: "jump", absolute: false, value: 0 },
    wfe: { kind: "wfe", event: 0, wait: false, waitValue: 0, update: false, updateValue: 0 },
    eoc: { kind: "eoc", irq: false },
    readS: { kind: "readS", dst: 0, addrHigh: 0, addrLow: 0 },
    writeS: { kind: "writeS", masked: false, addrHigh: 0, addrLow: 0, srcIsReg: false, src: 0 },
    logic: { kind: "logic", operator: CMDQ_LOGIC.ASSIGN, dst: 0, leftIsReg: false, left: 0, rightIsReg: false, right: 0 },
    unknown: { kind: "unknown", lo: 0, hi: 0, reason: "unknown opcode" },
  };
}

function unknown(s: DecodeScratch, lo: number, hi: number, reason: UnknownReason): UnknownInstruction {
  const u = s.unknown;
  u.lo = lo >>> 0;
  u.hi = hi >>> 0;
  u.reason = reason;
  return u;
}

/** Decodes the word (`lo`, `hi`) into the scratch object of its kind, without allocating. */
export function decodeInto(s: DecodeScratch, lo: number, hi: number): Instruction {
  switch (hi >>> OP_SHIFT) {
    case CMDQ_CODE.MASK:
      return decodeMask(s, lo, hi);
    case CMDQ_CODE.WRITE:
    case CMDQ_CODE.POLL:
      return decodeWriteOrPoll(s, lo, hi);
    case CMDQ_CODE.JUMP:
      return decodeJump(s, lo, hi);
    case CMDQ_CODE.WFE:
      return decodeWfe(s, lo, hi);
    case CMDQ_CODE.EOC:
      return decodeEoc(s, lo, hi);
    case CMDQ_CODE.READ_S:
      return decodeReadS(s, lo, hi);
    case CMDQ_CODE.WRITE_S:
    case CMDQ_CODE.WRITE_S_MASK:
      return decodeWriteS(s, lo, hi);
    case CMDQ_CODE.LOGIC:
      return decodeLogic(s, lo, hi);
    default:
      return unknown(s, lo, hi, "unknown opcode");
  }
}

function decodeMask(s: DecodeScratch, lo: number, hi: number): Instruction {
  const argA = hi & 0xff_ffff;
  if (argA === 0) {
    s.mask.mask = ~lo >>> 0; // the word holds ~mask (§1.2)
    return s.mask;
  }
  // poll_addr's load: dst_t = 1, sop = GPR index, nothing else in arg_a.
  const sop = (hi >>> SUBSYS_SHIFT) & SOP_MASK;
  if ((argA & ~(SOP_MASK << SUBSYS_SHIFT)) === DST_T && sop < CMDQ_GPR_COUNT) {
    s.move.gpr = sop;
    s.move.value = lo >>> 0;
    return s.move;
  }
  return unknown(s, lo, hi, "MASK with a non-zero arg_a");
}

function decodeWriteOrPoll(s: DecodeScratch, lo: number, hi: number): Instruction {
  const masked = (hi & CMDQ_WRITE_ENABLE_MASK) !== 0;
  const isPoll = hi >>> OP_SHIFT === CMDQ_CODE.POLL;
  if (isPoll && (hi & DST_T) !== 0) {
    // The address is in a GPR: only sop and the mask flag may be set (cmdq_pkt_poll_addr).
    const sop = (hi >>> SUBSYS_SHIFT) & SOP_MASK;
    if ((hi & (SRC_T | ARG_C_T | (U16 & ~CMDQ_WRITE_ENABLE_MASK))) !== 0 || sop >= CMDQ_GPR_COUNT) {
      return unknown(s, lo, hi, "POLL by register with unexpected bits");
    }
    const p = s.pollGpr;
    p.gpr = sop;
    p.value = lo >>> 0;
    p.masked = masked;
    return p;
  }
  const w = isPoll ? s.poll : s.write;
  w.subsys = (hi >>> SUBSYS_SHIFT) & 0xff;
  w.offset = hi & U16 & ~CMDQ_WRITE_ENABLE_MASK;
  w.value = lo >>> 0;
  w.masked = masked;
  return w;
}

function decodeJump(s: DecodeScratch, lo: number, hi: number): Instruction {
  if ((hi & 0xff_ffff & ~CMDQ_JUMP_ABSOLUTE) !== 0) {
    return unknown(s, lo, hi, "JUMP with bits other than the mode set in arg_a");
  }
  s.jump.absolute = (hi & CMDQ_JUMP_ABSOLUTE) !== 0;
  s.jump.value = lo >>> 0;
  return s.jump;
}

function decodeWfe(s: DecodeScratch, lo: number, hi: number): Instruction {
  const event = hi & 0xff_ffff;
  if (event >= CMDQ_EVENT_COUNT) return unknown(s, lo, hi, "WFE event outside 0..1023 or subsys set");
  if ((lo & CMDQ_WFE_RESERVED) !== 0) return unknown(s, lo, hi, "WFE flags with reserved bits 12..14 or 28..30 set");
  return fillWfe(s.wfe, event, lo);
}

function fillWfe(w: Mutable<WfeInstruction>, event: number, flags: number): WfeInstruction {
  w.event = event;
  w.wait = (flags & CMDQ_WFE_WAIT) !== 0;
  w.waitValue = flags & WFE_VALUE_MASK;
  w.update = (flags & CMDQ_WFE_UPDATE) !== 0;
  w.updateValue = (flags >>> WFE_UPDATE_VALUE_SHIFT) & WFE_VALUE_MASK;
  return w;
}

/** A WFE on `event` with the flag word `flags` (reserved bits, `CMDQ_WFE_RESERVED`, are dropped). */
export function wfeFromFlags(event: number, flags: number): WfeInstruction {
  return fillWfe({ kind: "wfe", event: 0, wait: false, waitValue: 0, update: false, updateValue: 0 }, event, flags);
}

function decodeEoc(s: DecodeScratch, lo: number, hi: number): Instruction {
  if ((hi & 0xff_ffff) !== 0 || (lo & ~CMDQ_EOC_IRQ_EN) !== 0) {
    return unknown(s, lo, hi, "EOC with bits other than IRQ_EN set");
  }
  s.eoc.irq = lo === CMDQ_EOC_IRQ_EN;
  return s.eoc;
}

function decodeReadS(s: DecodeScratch, lo: number, hi: number): Instruction {
  // cmdq_pkt_read_s: dst_t = 1, sop = high-address register, src_reg = low address, reg_dst.
  if ((hi & (DST_T | SRC_T | ARG_C_T)) !== DST_T || (lo & U16) !== 0) {
    return unknown(s, lo, hi, "READ_S without dst_t or with src_t/arg_c set");
  }
  const r = s.readS;
  r.dst = hi & U16;
  r.addrHigh = (hi >>> SUBSYS_SHIFT) & SOP_MASK;
  r.addrLow = lo >>> 16;
  return r;
}

function decodeWriteS(s: DecodeScratch, lo: number, hi: number): Instruction {
  // cmdq_pkt_write_s(_mask)(_value): sop = high-address register, offset = low address;
  // src_t = 1 takes the value from register src_reg, else lo is a 32-bit immediate.
  const srcIsReg = (hi & SRC_T) !== 0;
  if ((hi & (DST_T | ARG_C_T)) !== 0 || (srcIsReg && (lo & U16) !== 0)) {
    return unknown(s, lo, hi, "WRITE_S with dst_t/arg_c_t or arg_c set");
  }
  const w = s.writeS;
  w.masked = hi >>> OP_SHIFT === CMDQ_CODE.WRITE_S_MASK;
  w.addrHigh = (hi >>> SUBSYS_SHIFT) & SOP_MASK;
  w.addrLow = hi & U16;
  w.srcIsReg = srcIsReg;
  w.src = srcIsReg ? lo >>> 16 : lo >>> 0;
  return w;
}

function decodeLogic(s: DecodeScratch, lo: number, hi: number): Instruction {
  const sop = (hi >>> SUBSYS_SHIFT) & SOP_MASK;
  if ((hi & DST_T) === 0 || !isLogicOperator(sop)) {
    return unknown(s, lo, hi, "LOGIC without dst_t or with an invalid operator");
  }
  const l = s.logic;
  l.operator = sop;
  l.dst = hi & U16;
  l.leftIsReg = (hi & SRC_T) !== 0;
  l.left = lo >>> 16;
  l.rightIsReg = (hi & ARG_C_T) !== 0;
  l.right = lo & U16;
  return l;
}

/**
 * A fresh copy of a decoded instruction, e.g. to keep one `decodeInto` returned. One object
 * literal per kind: a generic `{ ...inst }` over twelve shapes is several times slower.
 */
export function copyInstruction(inst: Instruction): Instruction {
  switch (inst.kind) {
    case "mask":
      return { kind: "mask", mask: inst.mask };
    case "move":
      return { kind: "move", gpr: inst.gpr, value: inst.value };
    case "write":
      return { kind: "write", subsys: inst.subsys, offset: inst.offset, value: inst.value, masked: inst.masked };
    case "poll":
      return { kind: "poll", subsys: inst.subsys, offset: inst.offset, value: inst.value, masked: inst.masked };
    case "pollGpr":
      return { kind: "pollGpr", gpr: inst.gpr, value: inst.value, masked: inst.masked };
    case "jump":
      return { kind: "jump", absolute: inst.absolute, value: inst.value };
    case "wfe":
      return {
        kind: "wfe",
        event: inst.event,
        wait: inst.wait,
        waitValue: inst.waitValue,
        update: inst.update,
        updateValue: inst.updateValue,
      };
    case "eoc":
      return { kind: "eoc", irq: inst.irq };
    case "readS":
      return { kind: "readS", dst: inst.dst, addrHigh: inst.addrHigh, addrLow: inst.addrLow };
    case "writeS":
      return {
        kind: "writeS",
        masked: inst.masked,
        addrHigh: inst.addrHigh,
        addrLow: inst.addrLow,
        srcIsReg: inst.srcIsReg,
        src: inst.src,
      };
    case "logic":
      return {
        kind: "logic",
        operator: inst.operator,
        dst: inst.dst,
        leftIsReg: inst.leftIsReg,
        left: inst.left,
        rightIsReg: inst.rightIsReg,
        right: inst.right,
      };
    case "unknown":
      return { kind: "unknown", lo: inst.lo, hi: inst.hi, reason: inst.reason };
  }
}

const sharedScratch = createDecodeScratch();

/** Decodes one word into a fresh object (for tools; hot loops use `decodeInto`). */
export function decode(lo: number, hi: number): Instruction {
  return copyInstruction(decodeInto(sharedScratch, lo, hi));
}

function checkField(value: number, bits: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) {
    throw new RangeError(`GCE ${what} ${value} does not fit in ${bits} bits`);
  }
  return value;
}

const u32 = (value: number, what: string) => checkField(value, 32, what);
const u16 = (value: number, what: string) => checkField(value, 16, what);

function op(code: number, argA: number): number {
  return ((code << OP_SHIFT) | argA) >>> 0;
}

function sopField(reg: number, what: string): number {
  return checkField(reg, 5, what) << SUBSYS_SHIFT;
}

/**
 * Encodes one instruction to its (lo, hi) halves. Throws RangeError when a field does not fit
 * (a caller bug: the assembler checks ranges before building instructions).
 */
export function encode(inst: Instruction): { lo: number; hi: number } {
  switch (inst.kind) {
    case "mask":
      return { lo: ~u32(inst.mask, "mask") >>> 0, hi: op(CMDQ_CODE.MASK, 0) };
    case "move":
      return { lo: u32(inst.value, "value"), hi: op(CMDQ_CODE.MASK, DST_T | gprIndex(inst.gpr)) };
    case "write":
    case "poll":
      return { lo: u32(inst.value, "value"), hi: encodeWriteOrPollHi(inst) };
    case "pollGpr":
      return {
        lo: u32(inst.value, "value"),
        hi: op(CMDQ_CODE.POLL, DST_T | gprIndex(inst.gpr) | (inst.masked ? CMDQ_WRITE_ENABLE_MASK : 0)),
      };
    case "jump":
      return { lo: u32(inst.value, "jump value"), hi: op(CMDQ_CODE.JUMP, inst.absolute ? CMDQ_JUMP_ABSOLUTE : CMDQ_JUMP_RELATIVE) };
    case "wfe":
      return { lo: wfeFlags(inst), hi: op(CMDQ_CODE.WFE, checkField(inst.event, 10, "event")) };
    case "eoc":
      return { lo: inst.irq ? CMDQ_EOC_IRQ_EN : 0, hi: op(CMDQ_CODE.EOC, 0) };
    case "readS":
      return {
        lo: u16(inst.addrLow, "address low") << 16 >>> 0,
        hi: op(CMDQ_CODE.READ_S, DST_T | sopField(inst.addrHigh, "high-address register") | u16(inst.dst, "register")),
      };
    case "writeS":
      return encodeWriteS(inst);
    case "logic":
      return encodeLogic(inst);
    case "unknown":
      return { lo: u32(inst.lo, "lo"), hi: u32(inst.hi, "hi") };
  }
}

function gprIndex(gpr: number): number {
  if (!Number.isInteger(gpr) || gpr < 0 || gpr >= CMDQ_GPR_COUNT) throw new RangeError(`GCE GPR index ${gpr} is not 0..15`);
  return gpr << SUBSYS_SHIFT;
}

function encodeWriteOrPollHi(inst: WriteInstruction | PollInstruction): number {
  const code = inst.kind === "write" ? CMDQ_CODE.WRITE : CMDQ_CODE.POLL;
  const subsys = checkField(inst.subsys, inst.kind === "poll" ? 7 : 8, "subsys"); // POLL's bit 7 is dst_t
  const offset = u16(inst.offset, "offset");
  if ((offset & CMDQ_WRITE_ENABLE_MASK) !== 0) throw new RangeError(`GCE ${inst.kind} offset ${offset} has bit 0 (the mask flag) set`);
  return op(code, (subsys << SUBSYS_SHIFT) | offset | (inst.masked ? CMDQ_WRITE_ENABLE_MASK : 0));
}

/** The WFE arg_b flag word of a decoded WFE (spec §1.3). */
export function wfeFlags(inst: WfeInstruction): number {
  const wait = checkField(inst.waitValue, 12, "wait value") | (inst.wait ? CMDQ_WFE_WAIT : 0);
  const update = (checkField(inst.updateValue, 12, "update value") << WFE_UPDATE_VALUE_SHIFT) | (inst.update ? CMDQ_WFE_UPDATE : 0);
  return (wait | update) >>> 0;
}

function encodeWriteS(inst: WriteSInstruction): { lo: number; hi: number } {
  const code = inst.masked ? CMDQ_CODE.WRITE_S_MASK : CMDQ_CODE.WRITE_S;
  const hi = op(code, (inst.srcIsReg ? SRC_T : 0) | sopField(inst.addrHigh, "high-address register") | u16(inst.addrLow, "address low"));
  const lo = inst.srcIsReg ? (u16(inst.src, "register") << 16) >>> 0 : u32(inst.src, "value");
  return { lo, hi };
}

function encodeLogic(inst: LogicInstruction): { lo: number; hi: number } {
  if (!isLogicOperator(inst.operator)) throw new RangeError(`GCE LOGIC operator ${String(inst.operator)} is invalid`);
  const types = DST_T | (inst.leftIsReg ? SRC_T : 0) | (inst.rightIsReg ? ARG_C_T : 0);
  return {
    lo: ((u16(inst.left, "left operand") << 16) | u16(inst.right, "right operand")) >>> 0,
    hi: op(CMDQ_CODE.LOGIC, types | (inst.operator << SUBSYS_SHIFT) | u16(inst.dst, "register")),
  };
}

/** Writes instruction `index` of a buffer held as (lo, hi) u32 pairs in memory order. */
export function encodeInto(words: Uint32Array, index: number, inst: Instruction): void {
  const { lo, hi } = encode(inst);
  words[2 * index] = lo;
  words[2 * index + 1] = hi;
}

/** The spec op name of a decoded instruction (MOVE and POLL-by-register are MASK and POLL forms). */
export function opName(inst: Instruction): CmdqCodeName | undefined {
  switch (inst.kind) {
    case "mask":
    case "move":
      return "MASK";
    case "write":
      return "WRITE";
    case "poll":
    case "pollGpr":
      return "POLL";
    case "jump":
      return "JUMP";
    case "wfe":
      return "WFE";
    case "eoc":
      return "EOC";
    case "readS":
      return "READ_S";
    case "writeS":
      return inst.masked ? "WRITE_S_MASK" : "WRITE_S";
    case "logic":
      return "LOGIC";
    case "unknown":
      return undefined;
  }
}

/**
 * A relative jump's displacement in bytes from the JUMP itself: the field is a signed 32-bit
 * byte offset, stored `>> shift_pa` on SoCs that shift (spec §1.2, §1.5).
 */
export function jumpDisplacement(value: number, shiftPa: number): number {
  return (value | 0) * 2 ** shiftPa;
}

/** An absolute jump's target physical address: the field holds `pa >> shift_pa` (spec §1.5). */
export function jumpAddress(value: number, shiftPa: number): number {
  return (value >>> 0) * 2 ** shiftPa;
}
