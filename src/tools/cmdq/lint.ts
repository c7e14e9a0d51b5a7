/**
 * Static checks on a GCE command buffer: the mistakes that make a packet never complete,
 * wedge a thread, or write where nothing listens. Each finding has a rule, a severity, the
 * instruction it is about and a one-line explanation; docs/cmdq-asm.md lists the rules.
 *
 * The checks read one packet as the helper builds it (spec §1.6, §1.7): straight-line code
 * ending in EOC + JUMP, where every jump is unconditional.
 */
import {
  CMDQ_INST_SIZE,
  jumpAddress,
  jumpDisplacement,
  type Instruction,
  type JumpInstruction,
  type WfeInstruction,
} from "../../hw/mailbox/mtk-gce-isa.js";
import { DEFAULT_SOC, socLookup, type SocLookup, type SocName } from "../../hw/mailbox/mtk-gce-soc.js";
import { assembleProgram, type SourcePosition } from "./asm.js";
import { decodeAll } from "./disasm.js";
import { formatAddress, formatEvent, hex, wordHex } from "./syntax.js";

export type Severity = "error" | "warning";

/** Every check, its severity and what it looks for (the table docs/cmdq-asm.md shows). */
export const LINT_RULES = {
  "no-eoc": { severity: "error", summary: "no EOC with IRQ_EN: the packet never signals completion" },
  "not-finalized": { severity: "warning", summary: "the packet does not end with EOC + JUMP (cmdq_pkt_finalize)" },
  "after-final-jump": { severity: "error", summary: "instructions after the EOC + JUMP that ends the packet" },
  "jump-target": { severity: "error", summary: "a jump lands outside the buffer or off an 8-byte boundary" },
  "event-no-producer": { severity: "warning", summary: "a wait on an event no hardware of the SoC raises and nothing here sets" },
  "wait-without-clear": { severity: "warning", summary: "wait_no_clear on an event not cleared before: a stale event passes at once" },
  "clear-without-wait": { severity: "warning", summary: "clear_event on an event never waited for afterwards" },
  "unknown-subsys": { severity: "error", summary: "a WRITE/POLL through a subsys the SoC does not have" },
  "mask-unused": { severity: "warning", summary: "a MASK not followed by the masked WRITE/POLL/WRITE_S_MASK that uses it" },
  "mask-missing": { severity: "warning", summary: "a masked WRITE/POLL/WRITE_S_MASK without a MASK right before it" },
  "loop-no-yield": { severity: "error", summary: "a backward jump whose loop has no waiting WFE or POLL: the thread spins forever" },
  "unknown-instruction": { severity: "error", summary: "a word that is not an instruction the spec defines" },
} as const satisfies Record<string, { severity: Severity; summary: string }>;

export type LintRule = keyof typeof LINT_RULES;

export interface LintFinding {
  readonly rule: LintRule;
  readonly severity: Severity;
  /** Index of the instruction the finding is about. */
  readonly index: number;
  /** Its byte offset in the buffer. */
  readonly offset: number;
  readonly message: string;
  /** Where the instruction is in the source, when linting assembly text. */
  readonly position?: SourcePosition;
}

export interface LintOptions {
  /** The SoC whose events and subsys tables apply. Default mt8173. */
  readonly soc?: SocName;
  /** Physical address of the buffer, to check absolute jumps against it. */
  readonly base?: number;
}

interface Ctx {
  readonly insts: readonly Instruction[];
  readonly soc: SocLookup;
  readonly base: number | undefined;
  readonly report: (rule: LintRule, index: number, message: string) => void;
}

/** A byte offset in the buffer as `+0x0040` / `-0x0008`. */
const signed = (bytes: number) => `${bytes < 0 ? "-" : "+"}${hex(Math.abs(bytes), 4)}`;
const at = (index: number) => signed(index * CMDQ_INST_SIZE);

function isClear(w: WfeInstruction): boolean {
  return !w.wait && w.update && w.updateValue === 0;
}

function setsEvent(w: WfeInstruction): boolean {
  return w.update && w.updateValue !== 0;
}

/** A masked access: the instructions a MASK exists for. */
function usesMask(inst: Instruction): boolean {
  switch (inst.kind) {
    case "write":
    case "poll":
    case "pollGpr":
    case "writeS":
      return inst.masked;
    default:
      return false;
  }
}

function checkEoc({ insts, report }: Ctx): void {
  const last = Math.max(0, insts.length - 1);
  if (!insts.some((i) => i.kind === "eoc")) {
    report("no-eoc", last, "no EOC: the thread never raises its DONE interrupt, so the packet never completes (spec §1.2, §2.6)");
    return;
  }
  if (!insts.some((i) => i.kind === "eoc" && i.irq)) {
    report("no-eoc", last, "every EOC has IRQ_EN clear: the packet never signals completion (spec §1.2)");
    return;
  }
  const n = insts.length;
  if (insts[n - 1]?.kind !== "jump" || insts[n - 2]?.kind !== "eoc") {
    report(
      "not-finalized",
      last,
      "the packet does not end with EOC + JUMP: chaining the next packet overwrites its last instruction (spec §1.6, §2.4)",
    );
  }
}

function checkAfterFinalJump({ insts, report }: Ctx): void {
  const end = insts.findIndex((inst, i) => inst.kind === "eoc" && insts[i + 1]?.kind === "jump");
  if (end < 0 || end + 2 >= insts.length) return;
  const extra = insts.length - end - 2;
  report(
    "after-final-jump",
    end + 2,
    `${extra} instruction(s) after the EOC + JUMP at ${at(end)}: the packet ends there, and chaining overwrites that JUMP (spec §1.6)`,
  );
}

/** Byte offset in the buffer a jump lands on, or undefined for an absolute jump without a base. */
function jumpTarget(inst: JumpInstruction, index: number, ctx: Ctx): number | undefined {
  const shiftPa = ctx.soc.soc.shiftPa;
  if (!inst.absolute) return index * CMDQ_INST_SIZE + jumpDisplacement(inst.value, shiftPa);
  return ctx.base === undefined ? undefined : jumpAddress(inst.value, shiftPa) - ctx.base;
}

function checkJumps(ctx: Ctx): void {
  const size = ctx.insts.length * CMDQ_INST_SIZE;
  const shiftPa = ctx.soc.soc.shiftPa;
  ctx.insts.forEach((inst, i) => {
    if (inst.kind !== "jump") return;
    if (inst.absolute && jumpAddress(inst.value, shiftPa) % CMDQ_INST_SIZE !== 0) {
      const pa = hex(jumpAddress(inst.value, shiftPa), 8);
      ctx.report("jump-target", i, `jumps to ${pa}, which is not 8-byte aligned: instructions are 8 bytes (spec §1.1)`);
      return;
    }
    const target = jumpTarget(inst, i, ctx);
    if (target === undefined) return;
    if (target % CMDQ_INST_SIZE !== 0) {
      ctx.report("jump-target", i, `jumps to ${signed(target)}, which is not 8-byte aligned (spec §1.1)`);
    } else if ((target < 0 || target > size) && !(inst.absolute && i === ctx.insts.length - 1)) {
      // An absolute final JUMP is the controller's chaining patch to the next packet (§2.4).
      ctx.report("jump-target", i, `jumps to ${signed(target)}, outside the buffer (+0x0000..${signed(size)})`);
    }
  });
}

function checkEvents({ insts, soc, report }: Ctx): void {
  const wfes = insts.map((inst, i) => ({ inst, i })).filter((x): x is { inst: WfeInstruction; i: number } => x.inst.kind === "wfe");
  const setHere = new Set(wfes.filter((w) => setsEvent(w.inst)).map((w) => w.inst.event));
  for (const { inst, i } of wfes) {
    const name = formatEvent(soc, inst.event);
    if (inst.wait && inst.waitValue !== 0 && !soc.hasProducer(inst.event) && !setHere.has(inst.event)) {
      report(
        "event-no-producer",
        i,
        `waits for event ${name}, which no hardware block of ${soc.soc.name} raises and nothing here sets: it may wait forever (spec §4)`,
      );
    }
    if (inst.wait && !inst.update && !wfes.some((w) => w.i < i && w.inst.event === inst.event && isClear(w.inst))) {
      report(
        "wait-without-clear",
        i,
        `waits for ${name} without clearing it, and no clear_event ${name} comes first: a stale event passes at once (spec §1.3, §5.1)`,
      );
    }
    if (isClear(inst) && !wfes.some((w) => w.i > i && w.inst.event === inst.event && w.inst.wait)) {
      report("clear-without-wait", i, `clears ${name} but nothing waits for it afterwards: did you mean wfe ${name}? (spec §1.3)`);
    }
  }
}

function checkSubsys({ insts, soc, report }: Ctx): void {
  const known = soc.soc.subsys.map((s) => `${s.id}: ${s.base.toString(16).padStart(4, "0")}xxxx`).join(", ");
  insts.forEach((inst, i) => {
    if ((inst.kind === "write" || inst.kind === "poll") && soc.subsysBase(inst.subsys) === undefined) {
      report(
        "unknown-subsys",
        i,
        `${inst.kind.toUpperCase()} to ${formatAddress(soc, inst.subsys, inst.offset)}: ${soc.soc.name} has no subsys ${inst.subsys} (it has ${known}), so the GCE cannot reach it (spec §4)`,
      );
    }
  });
}

/** The nearest instruction at or after (step 1) / before (step -1) `from`, skipping MOVEs (poll_addr puts one between MASK and POLL). */
function neighbour(insts: readonly Instruction[], from: number, step: 1 | -1): Instruction | undefined {
  let i = from;
  while (insts[i]?.kind === "move") i += step;
  return insts[i];
}

function checkMasks({ insts, report }: Ctx): void {
  insts.forEach((inst, i) => {
    if (inst.kind === "mask") {
      const next = neighbour(insts, i + 1, 1);
      if (next === undefined || !usesMask(next)) {
        report("mask-unused", i, "MASK not followed by a masked WRITE/POLL/WRITE_S_MASK: it is unused, or applies later by surprise (spec §1.2)");
      }
    } else if (usesMask(inst) && neighbour(insts, i - 1, -1)?.kind !== "mask") {
      report("mask-missing", i, "masked access without a MASK right before it: it uses whatever mask was loaded earlier (spec §1.2)");
    }
  });
}

function yields(inst: Instruction): boolean {
  return (inst.kind === "wfe" && inst.wait) || inst.kind === "poll" || inst.kind === "pollGpr";
}

function checkLoops(ctx: Ctx): void {
  ctx.insts.forEach((inst, i) => {
    if (inst.kind !== "jump") return;
    const target = jumpTarget(inst, i, ctx);
    if (target === undefined || target < 0 || target > i * CMDQ_INST_SIZE || target % CMDQ_INST_SIZE !== 0) return;
    const first = target / CMDQ_INST_SIZE;
    if (!ctx.insts.slice(first, i + 1).some(yields)) {
      ctx.report("loop-no-yield", i, `the loop ${at(first)}..${at(i)} has no waiting WFE or POLL: the thread spins forever`);
    }
  });
}

function checkUnknown({ insts, report }: Ctx): void {
  insts.forEach((inst, i) => {
    if (inst.kind === "unknown") report("unknown-instruction", i, `${wordHex(inst.lo, inst.hi)} is not a GCE instruction: ${inst.reason} (spec §1.2)`);
  });
}

const CHECKS = [checkUnknown, checkEoc, checkAfterFinalJump, checkJumps, checkEvents, checkSubsys, checkMasks, checkLoops];

/**
 * Lints a buffer of (lo, hi) u32 pairs. `positions[i]`, when given, is where instruction i
 * came from in the source. Findings are sorted by instruction, then by rule order.
 */
export function lintWords(words: Uint32Array, options: LintOptions = {}, positions?: readonly SourcePosition[]): LintFinding[] {
  const insts = decodeAll(words);
  const findings: LintFinding[] = [];
  const ctx: Ctx = {
    insts,
    soc: socLookup(options.soc ?? DEFAULT_SOC),
    base: options.base,
    report(rule, index, message) {
      const base = { rule, severity: LINT_RULES[rule].severity, index, offset: index * CMDQ_INST_SIZE, message };
      const position = positions?.[index];
      findings.push(position === undefined ? base : { ...base, position });
    },
  };
  for (const check of CHECKS) check(ctx);
  const order = Object.keys(LINT_RULES);
  return findings.sort((a, b) => a.index - b.index || order.indexOf(a.rule) - order.indexOf(b.rule));
}

/**
 * Lints assembly text or a buffer. Assembly text that does not assemble throws `AsmError`,
 * as `assemble` does.
 */
export function lint(input: string | Uint32Array, options: LintOptions = {}): LintFinding[] {
  if (typeof input !== "string") return lintWords(input, options);
  const program = assembleProgram(input, options.soc === undefined ? {} : { soc: options.soc });
  return lintWords(program.words, options, program.positions);
}
