/**
 * GCE command-buffer tools as a library: `assemble` (text → words), `disassemble` (words →
 * text), `lint` (checks), and the dump readers. A buffer is a `Uint32Array` of (lo, hi) pairs
 * in memory order: instruction i is `words[2i]` (bits 0..31) and `words[2i+1]` (bits 32..63).
 * Syntax and checks: docs/cmdq-asm.md.
 */
export { AsmError, assemble, assembleProgram } from "./asm.js";
export type { AsmDiagnostic, AsmOptions, Program, SourcePosition } from "./asm.js";
export { decodeAll, disassemble, formatInstruction, lineRecord } from "./disasm.js";
export type { DisasmLine, DisasmOptions, DisasmWarning, Disassembly, FormatContext } from "./disasm.js";
export { LINT_RULES, lint, lintWords } from "./lint.js";
export type { LintFinding, LintOptions, LintRule, Severity } from "./lint.js";
export { DumpError, bytesToWords, isText, looksLikeHexDump, parseDump, parseHexDump, wordsToBytes } from "./dump.js";
export type { Dump, DumpOptions, HalfOrder, InputFormat } from "./dump.js";
export { decode, encode, type Instruction } from "../../hw/mailbox/mtk-gce-isa.js";
export { DEFAULT_SOC, SOC_NAMES, isSocName, type SocName } from "../../hw/mailbox/mtk-gce-soc.js";
export { wordHex } from "./syntax.js";

/** 64-bit words as bigints → (lo, hi) u32 pairs (for tests that spell words as `0x…n`). */
export function fromU64(values: readonly bigint[]): Uint32Array {
  const words = new Uint32Array(values.length * 2);
  values.forEach((v, i) => {
    words[2 * i] = Number(BigInt.asUintN(32, v));
    words[2 * i + 1] = Number(BigInt.asUintN(32, v >> 32n));
  });
  return words;
}

/** (lo, hi) u32 pairs → 64-bit words as bigints. */
export function toU64(words: Uint32Array): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i + 1 < words.length; i += 2) out.push((BigInt(words[i + 1]!) << 32n) | BigInt(words[i]!));
  return out;
}
