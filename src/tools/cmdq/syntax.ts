/**
 * The pieces of the GCE assembly language that the assembler and the disassembler share:
 * mnemonics, register names, and how addresses and events are written. Keeping both
 * directions here is what makes `asm(disasm(words))` give back the same words. The syntax is
 * documented in docs/cmdq-asm.md.
 */
import {
  CMDQ_GPR_COUNT,
  CMDQ_GPR_IDX,
  CMDQ_LOGIC,
  CMDQ_SPR_COUNT,
  WFE_FLAGS,
  type LogicOperatorName,
} from "../../hw/mailbox/mtk-gce-isa.js";
import type { SocLookup } from "../../hw/mailbox/mtk-gce-soc.js";

// V8's Number#toString(16) is slow enough to dominate a disassembly; a byte table is not.
const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** A u32 as exactly 8 lowercase hex digits. */
function hex8(v: number): string {
  return BYTE_HEX[v >>> 24]! + BYTE_HEX[(v >>> 16) & 0xff]! + BYTE_HEX[(v >>> 8) & 0xff]! + BYTE_HEX[v & 0xff]!;
}

/** `0x` + at least `digits` (at most 8) lowercase hex digits; more when the value needs them. */
export function hex(value: number, digits: number): string {
  if (value > 0xffff_ffff) return `0x${value.toString(16).padStart(digits, "0")}`;
  const all = hex8(value);
  let start = 0;
  while (start < 8 - digits && all.charCodeAt(start) === 0x30) start++;
  return `0x${all.slice(start)}`;
}

/** How many hex digits `value` needs (at least 1). */
function hexDigits(value: number): number {
  let digits = 1;
  for (let v = value >>> 4; v > 0; v >>>= 4) digits++;
  return digits;
}

/** A 64-bit word as `0xHHHHHHHH_LLLLLLLL`, the notation of the spec and of `.inst`. */
export function wordHex(lo: number, hi: number): string {
  return `0x${hex8(hi >>> 0)}_${hex8(lo >>> 0)}`;
}

/** LOGIC mnemonics: the `enum cmdq_logic_op` names in lower case. */
export const LOGIC_MNEMONICS: Readonly<Record<string, LogicOperatorName>> = Object.fromEntries(
  Object.keys(CMDQ_LOGIC).map((name) => [name.toLowerCase(), name as LogicOperatorName]),
);

/** The WFE forms with their own mnemonic: the helper function each comes from (spec §1.3). */
export const WFE_MNEMONICS = {
  wfe: WFE_FLAGS.waitAndClear,
  wait_no_clear: WFE_FLAGS.waitNoClear,
  clear_event: WFE_FLAGS.clear,
  set_event: WFE_FLAGS.set,
  acquire_event: WFE_FLAGS.acquire,
} as const;

type WfeMnemonic = keyof typeof WFE_MNEMONICS;

const WFE_FORM_BY_FLAGS = new Map<number, WfeMnemonic>(
  Object.entries(WFE_MNEMONICS).map(([name, flags]) => [flags, name as WfeMnemonic]),
);

/** The helper form of a WFE flag word, or undefined for other combinations. */
export function wfeForm(flags: number): WfeMnemonic | undefined {
  return WFE_FORM_BY_FLAGS.get(flags);
}

// Register operands (spec §1.4): SPR0..SPR3 are ids 0..3, GPRs R0..R15 are CMDQ_GPR_IDX + n
// (see the MODEL note in mtk-gce-isa.ts); other ids are written REG<n>.

/** Name of a 16-bit register operand id (or of a 5-bit high-address register `sop`). */
export function registerName(id: number): string {
  if (id < CMDQ_SPR_COUNT) return `SPR${id}`;
  if (id >= CMDQ_GPR_IDX && id < CMDQ_GPR_IDX + CMDQ_GPR_COUNT) return `R${id - CMDQ_GPR_IDX}`;
  return `REG${id}`;
}

/** The operand id a register name stands for, or undefined when it is not a register name. */
export function parseRegister(name: string): number | undefined {
  const m = /^(SPR|R|REG)(\d{1,5})$/i.exec(name);
  if (m === null) return undefined;
  const kind = m[1]!.toUpperCase();
  const n = Number(m[2]);
  if (kind === "SPR") return n < CMDQ_SPR_COUNT ? n : undefined;
  if (kind === "R") return n < CMDQ_GPR_COUNT ? CMDQ_GPR_IDX + n : undefined;
  return n <= 0xffff ? n : undefined;
}

/** The GPR index (0..15) of `R<n>`, as MOVE and POLL-by-register hold it in `sop`. */
export function parseGpr(name: string): number | undefined {
  const m = /^R(\d{1,2})$/i.exec(name);
  if (m === null) return undefined;
  const n = Number(m[1]);
  return n < CMDQ_GPR_COUNT ? n : undefined;
}

/** `SUBSYS_1401XXXX`, the dt-bindings name of the subsys reaching 0x1401xxxx. */
function subsysMacro(base: number): string {
  return `SUBSYS_${base.toString(16).padStart(4, "0")}XXXX`;
}

/**
 * A WRITE/POLL address as text: the client window by name when the SoC table has one
 * (`DISP_OVL0 + 0x040`), else the subsys by its dt-bindings name (`SUBSYS_1401XXXX + 0x1040`),
 * else by number (`subsys7 + 0x1040`).
 */
export function formatAddress(soc: SocLookup, subsys: number, offset: number): string {
  const region = soc.regionAt(subsys, offset);
  if (region !== undefined) return `${region.name} + ${hex(offset - region.offset, hexDigits(region.size - 1))}`;
  const base = soc.subsysBase(subsys);
  const name = base === undefined ? `subsys${subsys}` : subsysMacro(base);
  return `${name} + ${hex(offset, 4)}`;
}

/** The physical address of subsys + offset, when the SoC maps the subsys. */
export function physicalAddress(soc: SocLookup, subsys: number, offset: number): number | undefined {
  const base = soc.subsysBase(subsys);
  return base === undefined ? undefined : base * 0x10000 + offset;
}

/** An event operand as text: its name on this SoC, else its number. */
export function formatEvent(soc: SocLookup, id: number): string {
  return soc.eventName(id) ?? String(id);
}

/** The event id for a name (with or without the `CMDQ_EVENT_` prefix, any case). */
export function parseEventName(soc: SocLookup, name: string): number | undefined {
  const upper = name.toUpperCase();
  return soc.eventId(upper.startsWith("CMDQ_EVENT_") ? upper.slice("CMDQ_EVENT_".length) : upper);
}

/** The label the disassembler gives byte offset `offset`. */
export function labelFor(offset: number): string {
  return `L${hex(offset, 4).slice(2)}`;
}
