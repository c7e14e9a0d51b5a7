/**
 * GCE command buffer → assembly text (docs/cmdq-asm.md), or → decoded objects.
 *
 * Every word is accounted for: one output line per word, in order. A word that decodes to
 * nothing the spec defines is printed as `.inst 0x…` with a warning, never an exception, so
 * assembling the text always gives back the same bytes. Relative jumps into the buffer get
 * labels (`L0040:`, the byte offset in hex).
 */
import {
  CMDQ_LOGIC,
  CMDQ_INST_SIZE,
  copyInstruction,
  createDecodeScratch,
  decodeInto,
  jumpAddress,
  jumpDisplacement,
  logicOperatorName,
  opName,
  wfeFlags,
  type Instruction,
  type JumpInstruction,
  type LogicInstruction,
  type WfeInstruction,
} from "../../hw/mailbox/mtk-gce-isa.js";
import { DEFAULT_SOC, socLookup, type SocLookup, type SocName } from "../../hw/mailbox/mtk-gce-soc.js";
import {
  formatAddress,
  formatEvent,
  hex,
  labelFor,
  physicalAddress,
  registerName,
  wfeForm,
  wordHex,
} from "./syntax.js";

export interface DisasmOptions {
  /** Names events, subsys and client windows from this SoC's tables, and sets shift_pa. Default mt8173. */
  readonly soc?: SocName;
  /** Appends `; OFFSET: WORD` to every instruction line. */
  readonly words?: boolean;
}

export interface DisasmLine {
  readonly index: number;
  /** Byte offset in the buffer. */
  readonly offset: number;
  readonly lo: number;
  readonly hi: number;
  readonly instruction: Instruction;
  /** The instruction in assembly syntax, without label or indentation. */
  readonly text: string;
  /** The label the line carries when a jump targets it. */
  readonly label?: string;
}

export interface DisasmWarning {
  readonly index: number;
  readonly offset: number;
  readonly message: string;
}

export interface Disassembly {
  readonly text: string;
  readonly lines: readonly DisasmLine[];
  readonly warnings: readonly DisasmWarning[];
}

function checkWords(words: Uint32Array): void {
  if (words.length % 2 !== 0) throw new RangeError(`a GCE buffer holds (lo, hi) pairs: got ${words.length} u32s`);
}

/** Decodes every instruction of a buffer of (lo, hi) u32 pairs to a fresh object. */
export function decodeAll(words: Uint32Array): Instruction[] {
  checkWords(words);
  const n = words.length >>> 1;
  const out = new Array<Instruction>(n);
  const scratch = createDecodeScratch();
  for (let i = 0; i < n; i++) out[i] = copyInstruction(decodeInto(scratch, words[2 * i]!, words[2 * i + 1]!));
  return out;
}

/** Byte offset a relative jump at `offset` lands on (may be outside the buffer). */
function relativeTarget(inst: JumpInstruction, offset: number, shiftPa: number): number {
  return offset + jumpDisplacement(inst.value, shiftPa);
}

/** Offsets of in-buffer, instruction-aligned relative jump targets. */
function labelTargets(insts: readonly Instruction[], shiftPa: number): Set<number> {
  const size = insts.length * CMDQ_INST_SIZE;
  const targets = new Set<number>();
  insts.forEach((inst, i) => {
    if (inst.kind !== "jump" || inst.absolute) return;
    const t = relativeTarget(inst, i * CMDQ_INST_SIZE, shiftPa);
    if (t >= 0 && t < size && t % CMDQ_INST_SIZE === 0) targets.add(t);
  });
  return targets;
}

/** Context for formatting one instruction. */
export interface FormatContext {
  readonly soc: SocLookup;
  /** Byte offset of the instruction in its buffer. */
  readonly offset: number;
  /** Offsets that carry a label. */
  readonly labels: ReadonlySet<number>;
}

/** One instruction in canonical assembly syntax (docs/cmdq-asm.md). */
export function formatInstruction(inst: Instruction, ctx: FormatContext): string {
  switch (inst.kind) {
    case "mask":
      return `mask ${hex(inst.mask, 8)}`;
    case "move":
      return `move R${inst.gpr}, ${hex(inst.value, 8)}`;
    case "write":
    case "poll":
      return `${inst.kind} ${formatAddress(ctx.soc, inst.subsys, inst.offset)}, ${hex(inst.value, 8)}${inst.masked ? ", masked" : ""}`;
    case "pollGpr":
      return `poll [R${inst.gpr}], ${hex(inst.value, 8)}${inst.masked ? ", masked" : ""}`;
    case "jump":
      return formatJump(inst, ctx);
    case "wfe":
      return formatWfe(inst, ctx.soc);
    case "eoc":
      return inst.irq ? "eoc" : "eoc noirq";
    case "readS":
      return `read_s ${registerName(inst.dst)}, [${registerName(inst.addrHigh)} + ${hex(inst.addrLow, 4)}]`;
    case "writeS": {
      const src = inst.srcIsReg ? registerName(inst.src) : hex(inst.src, 8);
      return `${inst.masked ? "write_s_mask" : "write_s"} [${registerName(inst.addrHigh)} + ${hex(inst.addrLow, 4)}], ${src}`;
    }
    case "logic":
      return formatLogic(inst);
    case "unknown":
      return `.inst ${wordHex(inst.lo, inst.hi)}`;
  }
}

function formatJump(inst: JumpInstruction, ctx: FormatContext): string {
  const shiftPa = ctx.soc.soc.shiftPa;
  if (inst.absolute) return `jump_abs ${hex(jumpAddress(inst.value, shiftPa), 8)}`;
  const target = relativeTarget(inst, ctx.offset, shiftPa);
  if (ctx.labels.has(target)) return `jump ${labelFor(target)}`;
  const d = jumpDisplacement(inst.value, shiftPa);
  return `jump ${d < 0 ? "-" : "+"}${Math.abs(d)}`;
}

function formatWfe(inst: WfeInstruction, soc: SocLookup): string {
  const flags = wfeFlags(inst);
  const event = formatEvent(soc, inst.event);
  const form = wfeForm(flags);
  return form === undefined ? `wfe ${event}, ${hex(flags, 8)}` : `${form} ${event}`;
}

function logicOperand(isReg: boolean, value: number): string {
  return isReg ? registerName(value) : String(value);
}

function formatLogic(inst: LogicInstruction): string {
  const dst = registerName(inst.dst);
  if (inst.operator === CMDQ_LOGIC.ASSIGN && !inst.leftIsReg && !inst.rightIsReg) {
    // cmdq_pkt_assign: one 32-bit immediate across both operand fields.
    return `assign ${dst}, ${hex(((inst.left << 16) | inst.right) >>> 0, 8)}`;
  }
  const name = logicOperatorName(inst.operator)!.toLowerCase();
  return `${name} ${dst}, ${logicOperand(inst.leftIsReg, inst.left)}, ${logicOperand(inst.rightIsReg, inst.right)}`;
}

/** Disassembles a buffer of (lo, hi) u32 pairs in memory order. */
export function disassemble(words: Uint32Array, options: DisasmOptions = {}): Disassembly {
  checkWords(words);
  const soc = socLookup(options.soc ?? DEFAULT_SOC);
  const insts = decodeAll(words);
  const labels = labelTargets(insts, soc.soc.shiftPa);
  const lines: DisasmLine[] = [];
  const warnings: DisasmWarning[] = [];
  const out: string[] = [];
  insts.forEach((instruction, index) => {
    const offset = index * CMDQ_INST_SIZE;
    const lo = words[2 * index]!;
    const hi = words[2 * index + 1]!;
    const text = formatInstruction(instruction, { soc, offset, labels });
    const label = labels.has(offset) ? labelFor(offset) : undefined;
    lines.push(label === undefined ? { index, offset, lo, hi, instruction, text } : { index, offset, lo, hi, instruction, text, label });
    if (label !== undefined) out.push(`${label}:`);
    out.push(options.words === true ? `  ${text}  ; ${hex(offset, 4)}: ${wordHex(lo, hi)}` : `  ${text}`);
    if (instruction.kind === "unknown") {
      warnings.push({ index, offset, message: `${instruction.reason} (word ${wordHex(lo, hi)}); printed as .inst` });
    }
  });
  return { text: out.length === 0 ? "" : `${out.join("\n")}\n`, lines, warnings };
}

/** Every decoded field of a line, plus the names the SoC gives them, as a JSON-ready object. */
export function lineRecord(line: DisasmLine, socName: SocName = DEFAULT_SOC): Record<string, unknown> {
  const soc = socLookup(socName);
  const inst = line.instruction;
  const record: Record<string, unknown> = {
    index: line.index,
    byteOffset: line.offset,
    word: wordHex(line.lo, line.hi),
    op: opName(inst) ?? null,
    opcode: line.hi >>> 24,
    ...inst,
  };
  Object.assign(record, derivedFields(inst, line.offset, soc));
  if (line.label !== undefined) record["label"] = line.label;
  record["text"] = line.text;
  return record;
}

function derivedFields(inst: Instruction, offset: number, soc: SocLookup): Record<string, unknown> {
  switch (inst.kind) {
    case "write":
    case "poll": {
      const address = physicalAddress(soc, inst.subsys, inst.offset);
      return {
        address: address === undefined ? null : hex(address, 8),
        region: soc.regionAt(inst.subsys, inst.offset)?.name ?? null,
      };
    }
    case "jump":
      return inst.absolute
        ? { address: hex(jumpAddress(inst.value, soc.soc.shiftPa), 8) }
        : { displacement: jumpDisplacement(inst.value, soc.soc.shiftPa), target: relativeTarget(inst, offset, soc.soc.shiftPa) };
    case "wfe":
      return {
        flags: hex(wfeFlags(inst), 8),
        form: wfeForm(wfeFlags(inst)) ?? null,
        eventName: soc.eventName(inst.event) ?? null,
        producer: soc.hasProducer(inst.event),
      };
    case "logic":
      return { operatorName: logicOperatorName(inst.operator) };
    case "readS":
      return { dstName: registerName(inst.dst), addrHighName: registerName(inst.addrHigh) };
    case "writeS":
      return { addrHighName: registerName(inst.addrHigh) };
    default:
      return {};
  }
}
