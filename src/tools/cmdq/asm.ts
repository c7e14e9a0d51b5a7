/**
 * GCE assembly text (docs/cmdq-asm.md) → command buffer words.
 *
 * One instruction per line; labels end with `:`; `;`, `#` and `//` start comments. Two passes:
 * the first tokenizes every line and places the labels, the second encodes with every label
 * known. A bad line never stops the others: all problems come back together in one `AsmError`,
 * each with its line, column, what was expected and what was found.
 */
import {
  CMDQ_EVENT_COUNT,
  CMDQ_INST_SIZE,
  CMDQ_LOGIC,
  CMDQ_WFE_RESERVED,
  encodeInto,
  wfeFromFlags,
  type Instruction,
  type LogicOperator,
} from "../../hw/mailbox/mtk-gce-isa.js";
import { DEFAULT_SOC, socLookup, type SocLookup, type SocName } from "../../hw/mailbox/mtk-gce-soc.js";
import {
  LOGIC_MNEMONICS,
  WFE_MNEMONICS,
  hex,
  parseEventName,
  parseGpr,
  parseRegister,
} from "./syntax.js";

export interface AsmOptions {
  /** The SoC whose names (events, subsys, client windows) and shift_pa apply. Default mt8173. */
  readonly soc?: SocName;
}

/** Where something is in the source: 1-based line and column. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

export interface AsmDiagnostic extends SourcePosition {
  /** What the assembler expected at this position. */
  readonly expected: string;
  /** What it found there (`end of line` at the end). */
  readonly found: string;
  /** How to fix it, when there is more to say than what was expected. */
  readonly hint?: string;
  /** `line L, column C: expected …, found …` (plus the hint). */
  readonly message: string;
}

/** The source did not assemble. `diagnostics` lists every bad line, in source order. */
export class AsmError extends Error {
  override readonly name = "AsmError";

  constructor(readonly diagnostics: readonly AsmDiagnostic[]) {
    super(diagnostics.map((d) => d.message).join("\n"));
  }

  /** The first problem's position and expectation. */
  get line(): number {
    return this.diagnostics[0]?.line ?? 0;
  }

  get column(): number {
    return this.diagnostics[0]?.column ?? 0;
  }

  get expected(): string {
    return this.diagnostics[0]?.expected ?? "";
  }
}

/** An assembled buffer, and where each instruction came from. */
export interface Program {
  /** (lo, hi) u32 pairs in memory order. */
  readonly words: Uint32Array;
  /** Source position of the mnemonic of each instruction. */
  readonly positions: readonly SourcePosition[];
}

interface Token {
  readonly kind: "ident" | "number" | "punct";
  readonly text: string;
  readonly column: number;
}

/** A problem on one line; collected into an AsmError. */
class LineError extends Error {
  constructor(
    readonly column: number,
    readonly expected: string,
    readonly found: string,
    readonly hint?: string,
  ) {
    super(`expected ${expected}, found ${found}`);
  }
}

// Character classes for the tokenizer, by char code (regex tests per character are slow).
const enum Char {
  Other,
  Space,
  Comment,
  IdentStart,
  Digit,
  Punct,
}

const CHAR_CLASS = (() => {
  const table = new Uint8Array(128);
  const mark = (chars: string, c: Char) => {
    for (const ch of chars) table[ch.charCodeAt(0)] = c;
  };
  mark(" \t\r", Char.Space);
  mark(";#", Char.Comment);
  mark("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.", Char.IdentStart);
  mark("0123456789", Char.Digit);
  mark(",+-[]:", Char.Punct);
  return table;
})();

const charClass = (code: number): Char => (code < 128 ? (CHAR_CLASS[code] as Char) : Char.Other);
const isWordChar = (code: number) => {
  const c = charClass(code);
  return c === Char.IdentStart || c === Char.Digit;
};

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    const c = charClass(code);
    if (c === Char.Comment || (code === 0x2f && text.charCodeAt(i + 1) === 0x2f)) break;
    if (c === Char.Space) {
      i++;
      continue;
    }
    const start = i;
    if (c === Char.IdentStart || c === Char.Digit) {
      // Numbers take letters too (0x1f, 0b10, and 12ab is reported as a bad number, not split).
      i++;
      while (i < text.length && isWordChar(text.charCodeAt(i))) i++;
      tokens.push({ kind: c === Char.Digit ? "number" : "ident", text: text.slice(start, i), column: start + 1 });
    } else if (c === Char.Punct) {
      i++;
      tokens.push({ kind: "punct", text: text[start]!, column: start + 1 });
    } else {
      throw new LineError(start + 1, "an instruction, a label or a comment", `'${text[start]!}'`);
    }
  }
  return tokens;
}

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** `0x` + 1..16 hex digits (`_` between them) as a 64-bit word; `.inst` is on every line of a fuzzed disassembly, so no regexes. */
function hexWord(text: string): { lo: number; hi: number } | undefined {
  if (text.charCodeAt(0) !== 0x30 || (text.charCodeAt(1) | 0x20) !== 0x78) return undefined;
  let digits = 0;
  let lo = 0;
  let hi = 0;
  for (let i = 2; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x5f) continue;
    const d = hexDigit(code);
    if (d < 0 || ++digits > 16) return undefined;
    hi = ((hi << 4) | (lo >>> 28)) >>> 0;
    lo = ((lo << 4) | d) >>> 0;
  }
  return digits === 0 ? undefined : { lo, hi };
}

const DIGITS = { 16: /^[0-9a-f]+$/, 10: /^[0-9]+$/, 2: /^[01]+$/ } as const;

/** The value of a number token: decimal, 0x hex or 0b binary, `_` allowed between digits. */
function numberValue(text: string): number | undefined {
  const t = (text.includes("_") ? text.replace(/_/g, "") : text).toLowerCase();
  const radix = t.startsWith("0x") ? 16 : t.startsWith("0b") ? 2 : 10;
  const digits = radix === 10 ? t : t.slice(2);
  if (!DIGITS[radix].test(digits)) return undefined;
  const value = parseInt(digits, radix);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Reads one line's tokens left to right; every `expect…` failure names what was expected. */
class Cursor {
  constructor(
    private readonly tokens: readonly Token[],
    private pos: number,
    /** The line's text, for the column of "end of line". */
    private readonly text: string,
  ) {}

  peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  next(): Token | undefined {
    return this.tokens[this.pos++];
  }

  fail(expected: string, hint?: string): never {
    const t = this.peek();
    const column = t?.column ?? this.text.replace(/\s*((;|#|\/\/).*)?$/, "").length + 1;
    throw new LineError(column, expected, t === undefined ? "end of line" : `'${t.text}'`, hint);
  }

  /** Fails at the token just consumed (for a token of the right kind but a bad value). */
  failAt(token: Token, expected: string, hint?: string): never {
    throw new LineError(token.column, expected, `'${token.text}'`, hint);
  }

  isPunct(p: string): boolean {
    const t = this.peek();
    return t?.kind === "punct" && t.text === p;
  }

  punct(p: string, expected = `'${p}'`): void {
    if (!this.isPunct(p)) this.fail(expected);
    this.pos++;
  }

  ident(expected: string): Token {
    if (this.peek()?.kind !== "ident") this.fail(expected);
    return this.next()!;
  }

  number(expected: string, max: number): number {
    const t = this.peek();
    if (t?.kind !== "number") this.fail(expected);
    this.pos++;
    const value = numberValue(t.text);
    if (value === undefined || value > max) this.failAt(t, expected);
    return value;
  }

  end(): void {
    if (this.peek() !== undefined) this.fail("end of line");
  }
}

interface Statement {
  readonly line: number;
  readonly mnemonic: Token;
  readonly handler: Handler;
  readonly cursor: Cursor;
}

/** What an instruction handler sees besides its operands. */
interface Context {
  readonly soc: SocLookup;
  readonly labels: ReadonlyMap<string, number>;
  /** Byte offset of the instruction being assembled. */
  readonly offset: number;
}

type Handler = (c: Cursor, ctx: Context) => Instruction;

const U32 = 0xffff_ffff;
const U16 = 0xffff;
const VALUE = "a 32-bit value (0..0xffffffff)";
const REGISTER = "a register (SPR0..SPR3, R0..R15 or REG<n>)";
const GPR = "a GPR (R0..R15)";

function register(c: Cursor, expected = REGISTER): number {
  const t = c.ident(expected);
  const id = parseRegister(t.text);
  if (id === undefined) c.failAt(t, expected);
  return id;
}

function gpr(c: Cursor): number {
  const t = c.ident(GPR);
  const n = parseGpr(t.text);
  if (n === undefined) c.failAt(t, GPR);
  return n;
}

function masked(c: Cursor): boolean {
  if (!c.isPunct(",")) return false;
  c.next();
  const t = c.ident("'masked'");
  if (t.text.toLowerCase() !== "masked") c.failAt(t, "'masked'");
  return true;
}

function event(c: Cursor, soc: SocLookup): number {
  const expected = `an event name of ${soc.soc.name} or a number 0..${CMDQ_EVENT_COUNT - 1}`;
  const t = c.peek();
  if (t?.kind === "number") return c.number(expected, CMDQ_EVENT_COUNT - 1);
  const name = c.ident(expected);
  const id = parseEventName(soc, name.text);
  if (id === undefined) c.failAt(name, expected);
  return id;
}

interface Address {
  readonly subsys: number;
  readonly offset: number;
}

function knownSubsys(soc: SocLookup): string {
  return soc.soc.subsys.map((s) => `${s.base.toString(16).padStart(4, "0")}xxxx`).join(", ");
}

/** A WRITE/POLL address: `NAME [+ offset]` (client window, SUBSYS_xxxxXXXX, subsys<n>) or a physical address. */
function address(c: Cursor, soc: SocLookup, maxSubsys: number): Address {
  const expected = "an address: subsys + offset, a client window name, or a physical address";
  const t = c.peek();
  if (t?.kind === "number") return physical(c, soc);
  const name = c.ident(expected);
  const base = addressBase(name.text, soc, maxSubsys);
  if (base === undefined) c.failAt(name, expected);
  let offset = 0;
  let offsetToken = name;
  if (c.isPunct("+")) {
    c.next();
    offsetToken = c.peek() ?? name;
    offset = c.number(`an offset 0..${hex(base.limit - 1, 4)}`, base.limit - 1);
  }
  return evenOffset(c, offsetToken, { subsys: base.subsys, offset: base.offset + offset });
}

function addressBase(text: string, soc: SocLookup, maxSubsys: number): { subsys: number; offset: number; limit: number } | undefined {
  const region = soc.region(text.toUpperCase());
  if (region !== undefined) return { subsys: region.subsys, offset: region.offset, limit: region.size };
  const macro = /^SUBSYS_([0-9a-f]{4})XXXX$/i.exec(text);
  if (macro !== null) {
    const id = soc.subsysId(parseInt(macro[1]!, 16));
    return id === undefined || id > maxSubsys ? undefined : { subsys: id, offset: 0, limit: 0x10000 };
  }
  const numbered = /^subsys(\d{1,3})$/i.exec(text);
  if (numbered !== null && Number(numbered[1]) <= maxSubsys) return { subsys: Number(numbered[1]), offset: 0, limit: 0x10000 };
  return undefined;
}

function physical(c: Cursor, soc: SocLookup): Address {
  const t = c.peek()!;
  const pa = c.number(VALUE, U32);
  const subsys = soc.subsysId(pa >>> 16);
  if (subsys === undefined) {
    c.failAt(t, `an address in a subsys of ${soc.soc.name} (${knownSubsys(soc)})`, "or write subsys<n> + offset");
  }
  return evenOffset(c, t, { subsys, offset: pa & U16 });
}

function evenOffset(c: Cursor, at: Token, a: Address): Address {
  // Offset bit 0 is CMDQ_WRITE_ENABLE_MASK, not an address bit (spec §1.2).
  if (a.offset % 2 !== 0) c.failAt(at, "an even offset", "bit 0 is the use-mask flag; append ', masked' instead");
  return a;
}

/** `[HIGH + LOW]`: the 5-bit sop register holding address bits 31..16, plus the 16-bit low part. */
function sAddress(c: Cursor): { addrHigh: number; addrLow: number } {
  c.punct("[");
  const expected = "a high-address register for the 5-bit sop (SPR0..SPR3 or REG0..REG31)";
  const at = c.peek();
  const addrHigh = register(c, expected);
  if (addrHigh > 31) c.failAt(at!, expected);
  c.punct("+");
  const addrLow = c.number("a 16-bit low address (0..0xffff)", U16);
  c.punct("]");
  return { addrHigh, addrLow };
}

function operand(c: Cursor): { isReg: boolean; value: number } {
  if (c.peek()?.kind === "number") return { isReg: false, value: c.number("a 16-bit immediate (0..0xffff)", U16) };
  return { isReg: true, value: register(c, `${REGISTER} or a 16-bit immediate`) };
}

function logic(operator: LogicOperator): Handler {
  return (c) => {
    const dst = register(c);
    c.punct(",");
    // cmdq_pkt_assign: ASSIGN with one 32-bit immediate (spec §1.2 "ASSIGN form").
    if (operator === CMDQ_LOGIC.ASSIGN && c.peek()?.kind === "number") {
      const value = c.number(VALUE, U32);
      if (!c.isPunct(",")) {
        c.end();
        return { kind: "logic", operator, dst, leftIsReg: false, left: value >>> 16, rightIsReg: false, right: value & U16 };
      }
      if (value > U16) c.fail("end of line (a 32-bit assign takes one operand)");
      c.punct(",");
      const right = operand(c);
      c.end();
      return { kind: "logic", operator, dst, leftIsReg: false, left: value, rightIsReg: right.isReg, right: right.value };
    }
    const left = operand(c);
    c.punct(",");
    const right = operand(c);
    c.end();
    return { kind: "logic", operator, dst, leftIsReg: left.isReg, left: left.value, rightIsReg: right.isReg, right: right.value };
  };
}

function wfeWithFlags(flags: number): Handler {
  return (c, ctx) => {
    const ev = event(c, ctx.soc);
    c.end();
    return wfeFromFlags(ev, flags);
  };
}

function jumpValue(c: Cursor, at: Token, displacement: number, shiftPa: number): number {
  const unit = 2 ** shiftPa;
  if (displacement % unit !== 0) c.failAt(at, `a displacement that is a multiple of ${unit} (shift_pa ${shiftPa})`);
  const value = displacement / unit;
  if (value < -(2 ** 31) || value >= 2 ** 31) c.failAt(at, "a displacement within the signed 32-bit jump field");
  return value >>> 0;
}

const jump: Handler = (c: Cursor, ctx: Context) => {
  const expected = "a label or a signed byte displacement (+8, -16)";
  const t = c.peek();
  const shiftPa = ctx.soc.soc.shiftPa;
  if (t?.kind === "ident") {
    c.next();
    const target = ctx.labels.get(t.text);
    if (target === undefined) c.failAt(t, "a label defined in this file");
    c.end();
    return { kind: "jump", absolute: false, value: jumpValue(c, t, target - ctx.offset, shiftPa) };
  }
  if (!c.isPunct("+") && !c.isPunct("-")) c.fail(expected, "use jump_abs for an absolute address");
  const sign = c.next()!.text === "-" ? -1 : 1;
  const at = c.peek();
  const magnitude = c.number(expected, 2 ** 34);
  c.end();
  return { kind: "jump", absolute: false, value: jumpValue(c, at!, sign * magnitude, shiftPa) };
};

const jumpAbs: Handler = (c, ctx) => {
  const shiftPa = ctx.soc.soc.shiftPa;
  const t = c.peek();
  const pa = c.number(`a physical address (0..${hex(2 ** (32 + shiftPa) - 1, 8)})`, 2 ** (32 + shiftPa) - 1);
  if (pa % 2 ** shiftPa !== 0) c.failAt(t!, `an address aligned to ${2 ** shiftPa} bytes (shift_pa ${shiftPa})`);
  c.end();
  return { kind: "jump", absolute: true, value: pa / 2 ** shiftPa };
};

const writeOrPoll =
  (kind: "write" | "poll"): Handler =>
  (c, ctx) => {
    if (kind === "poll" && c.isPunct("[")) {
      c.next();
      const reg = gpr(c);
      c.punct("]");
      c.punct(",");
      const value = c.number(VALUE, U32);
      const isMasked = masked(c);
      c.end();
      return { kind: "pollGpr", gpr: reg, value, masked: isMasked };
    }
    // POLL's subsys byte has dst_t in bit 7, so it reaches subsys 0..127 only.
    const a = address(c, ctx.soc, kind === "poll" ? 0x7f : 0xff);
    c.punct(",");
    const value = c.number(VALUE, U32);
    const isMasked = masked(c);
    c.end();
    return { kind, subsys: a.subsys, offset: a.offset, value, masked: isMasked };
  };

const writeS =
  (isMasked: boolean): Handler =>
  (c) => {
    const { addrHigh, addrLow } = sAddress(c);
    c.punct(",");
    const src =
      c.peek()?.kind === "number"
        ? { isReg: false, value: c.number(VALUE, U32) }
        : { isReg: true, value: register(c, `${REGISTER} or ${VALUE}`) };
    c.end();
    return { kind: "writeS", masked: isMasked, addrHigh, addrLow, srcIsReg: src.isReg, src: src.value };
  };

const HANDLERS: Readonly<Record<string, Handler>> = {
  mask: (c) => {
    const mask = c.number(VALUE, U32);
    c.end();
    return { kind: "mask", mask };
  },
  move: (c) => {
    const reg = gpr(c);
    c.punct(",");
    const value = c.number(VALUE, U32);
    c.end();
    return { kind: "move", gpr: reg, value };
  },
  write: writeOrPoll("write"),
  poll: writeOrPoll("poll"),
  jump,
  jump_abs: jumpAbs,
  ...Object.fromEntries(
    Object.entries(WFE_MNEMONICS)
      .filter(([name]) => name !== "wfe")
      .map(([name, flags]) => [name, wfeWithFlags(flags)]),
  ),
  wfe: (c, ctx) => {
    const ev = event(c, ctx.soc);
    if (!c.isPunct(",")) {
      c.end();
      return wfeFromFlags(ev, WFE_MNEMONICS.wfe);
    }
    c.next();
    const t = c.peek();
    const flags = c.number("a WFE flag word (0..0xffffffff)", U32);
    if ((flags & CMDQ_WFE_RESERVED) !== 0) c.failAt(t!, "a WFE flag word without bits 12..14 or 28..30 (spec §1.3)");
    c.end();
    return wfeFromFlags(ev, flags);
  },
  eoc: (c) => {
    if (c.peek() === undefined) return { kind: "eoc", irq: true };
    const t = c.ident("'noirq' or end of line");
    if (t.text.toLowerCase() !== "noirq") c.failAt(t, "'noirq' or end of line");
    c.end();
    return { kind: "eoc", irq: false };
  },
  read_s: (c) => {
    const dst = register(c);
    c.punct(",");
    const { addrHigh, addrLow } = sAddress(c);
    c.end();
    return { kind: "readS", dst, addrHigh, addrLow };
  },
  write_s: writeS(false),
  write_s_mask: writeS(true),
  ...Object.fromEntries(Object.entries(LOGIC_MNEMONICS).map(([mnemonic, name]) => [mnemonic, logic(CMDQ_LOGIC[name])])),
  ".inst": (c: Cursor) => {
    const expected = "a 64-bit word in hex (0xHHHHHHHH_LLLLLLLL)";
    const t = c.peek();
    if (t?.kind !== "number") c.fail(expected);
    c.next();
    const word = hexWord(t.text);
    if (word === undefined) c.failAt(t, expected);
    c.end();
    return { kind: "unknown", lo: word.lo, hi: word.hi, reason: "unknown opcode" };
  },
};

const MNEMONIC_LIST = Object.keys(HANDLERS).join(", ");

interface Parsed {
  readonly statements: Statement[];
  readonly labels: Map<string, number>;
  readonly diagnostics: AsmDiagnostic[];
}

function diagnostic(line: number, err: LineError): AsmDiagnostic {
  const d = { line, column: err.column, expected: err.expected, found: err.found };
  const text = `line ${line}, column ${err.column}: expected ${err.expected}, found ${err.found}`;
  return err.hint === undefined ? { ...d, message: text } : { ...d, hint: err.hint, message: `${text} (${err.hint})` };
}

/** Pass 1: tokens, labels and statements of every line. */
function parseLines(source: string): Parsed {
  const statements: Statement[] = [];
  const labels = new Map<string, number>();
  const diagnostics: AsmDiagnostic[] = [];
  source.split("\n").forEach((text, i) => {
    const line = i + 1;
    try {
      const tokens = tokenize(text);
      let k = 0;
      while (tokens[k]?.kind === "ident" && tokens[k + 1]?.text === ":") {
        const label = tokens[k]!;
        if (labels.has(label.text)) throw new LineError(label.column, "a new label name", `'${label.text}' (defined before)`);
        labels.set(label.text, statements.length * CMDQ_INST_SIZE);
        k += 2;
      }
      const mnemonic = tokens[k];
      if (mnemonic === undefined) return;
      const handler = mnemonic.kind === "ident" ? HANDLERS[mnemonic.text.toLowerCase()] : undefined;
      if (handler === undefined) {
        throw new LineError(mnemonic.column, `a mnemonic (${MNEMONIC_LIST}) or a label`, `'${mnemonic.text}'`);
      }
      statements.push({ line, mnemonic, handler, cursor: new Cursor(tokens, k + 1, text) });
    } catch (err) {
      if (!(err instanceof LineError)) throw err;
      diagnostics.push(diagnostic(line, err));
    }
  });
  return { statements, labels, diagnostics };
}

/**
 * Assembles GCE assembly text. Throws `AsmError` (every bad line, with line, column and what
 * was expected) when the text does not assemble; nothing else.
 */
export function assembleProgram(source: string, options: AsmOptions = {}): Program {
  const soc = socLookup(options.soc ?? DEFAULT_SOC);
  const { statements, labels, diagnostics } = parseLines(source);
  const words = new Uint32Array(statements.length * 2);
  statements.forEach((s, index) => {
    try {
      encodeInto(words, index, s.handler(s.cursor, { soc, labels, offset: index * CMDQ_INST_SIZE }));
    } catch (err) {
      if (!(err instanceof LineError)) throw err;
      diagnostics.push(diagnostic(s.line, err));
    }
  });
  if (diagnostics.length > 0) throw new AsmError(diagnostics.sort((a, b) => a.line - b.line));
  return { words, positions: statements.map((s) => ({ line: s.line, column: s.mnemonic.column })) };
}

/** Assembles GCE assembly text to (lo, hi) u32 pairs; throws `AsmError` on bad input. */
export function assemble(source: string, options: AsmOptions = {}): Uint32Array {
  return assembleProgram(source, options).words;
}
