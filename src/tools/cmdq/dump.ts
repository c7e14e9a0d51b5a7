/**
 * Reading command buffers the way engineers have them: raw little-endian 64-bit words (a
 * memory image), or the hex dumps kernels print.
 *
 * Hex dump lines hold 64-bit words (16 hex digits, `0x` and `_` allowed: `0x40000000_00000001`)
 * or 32-bit halves (8 hex digits). A line may start with an address (`0000001c:`, as
 * `print_hex_dump` writes it) and with a printk timestamp (`[   12.345678]`); commas separate
 * like spaces; `#`, `;` and `//` start comments. Halves pair up in order, across lines, so one
 * or two (or four) halves per line all work. A memory dump lists the low half first; a printk of
 * (arg_a, arg_b) lists the high half first: unless told, the order that decodes more words as
 * known instructions wins, low-first on a tie.
 */
import { createDecodeScratch, decodeInto } from "../../hw/mailbox/mtk-gce-isa.js";
import type { SourcePosition } from "./asm.js";

export type InputFormat = "raw" | "hex";
export type HalfOrder = "low-first" | "high-first";

export interface DumpOptions {
  /** `auto` (default): text is a hex dump, anything else raw words. */
  readonly format?: InputFormat | "auto";
  /** How to pair 32-bit halves; `auto` (default) picks by decoding. */
  readonly halves?: HalfOrder | "auto";
}

export interface Dump {
  /** (lo, hi) u32 pairs in memory order. */
  readonly words: Uint32Array;
  readonly format: InputFormat;
  /** How 32-bit halves were paired, when the dump had any. */
  readonly halves?: HalfOrder;
}

/** The input is not a command buffer; `position` is set for hex dumps. */
export class DumpError extends Error {
  override readonly name = "DumpError";

  constructor(
    message: string,
    readonly position?: SourcePosition,
  ) {
    super(position === undefined ? message : `line ${position.line}, column ${position.column}: ${message}`);
  }
}

/** True when every byte is printable ASCII or whitespace: a hex dump, not a memory image. */
export function isText(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (!(b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b <= 0x7e))) return false;
  }
  return true;
}

/** Raw little-endian 64-bit words → (lo, hi) u32 pairs. */
export function bytesToWords(bytes: Uint8Array): Uint32Array {
  if (bytes.length % 8 !== 0) {
    throw new DumpError(`raw input is ${bytes.length} bytes, not a whole number of 8-byte instructions`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const words = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < words.length; i++) words[i] = view.getUint32(4 * i, true);
  return words;
}

/** (lo, hi) u32 pairs → raw little-endian bytes. */
export function wordsToBytes(words: Uint32Array): Uint8Array {
  const bytes = new Uint8Array(words.length * 4);
  const view = new DataView(bytes.buffer);
  words.forEach((w, i) => view.setUint32(4 * i, w, true));
  return bytes;
}

/** Reads a command buffer from a file's bytes. Throws `DumpError` when it is not one. */
export function parseDump(bytes: Uint8Array, options: DumpOptions = {}): Dump {
  const format = options.format ?? "auto";
  if (format === "raw" || (format === "auto" && !isText(bytes))) return { words: bytesToWords(bytes), format: "raw" };
  return parseHexDump(new TextDecoder().decode(bytes), options);
}

type Item = { readonly kind: "word"; readonly lo: number; readonly hi: number } | { readonly kind: "pair"; readonly a: number; readonly b: number };

const TIMESTAMP = /^\s*\[\s*\d+\.\d+\]/;
const TOKEN = /[^\s,]+/g;
const HEX = /^(0x)?([0-9a-f_]+)$/i;
const ADDRESS = /^(0x)?[0-9a-f]+:$/i;

function stripComment(line: string): string {
  const cut = line.search(/#|;|\/\//);
  return cut < 0 ? line : line.slice(0, cut);
}

/** Reads a hex dump (see the file comment). Throws `DumpError` naming the line and column. */
export function parseHexDump(text: string, options: DumpOptions = {}): Dump {
  const items: Item[] = [];
  let pending: { value: number; position: SourcePosition } | undefined;
  text.split("\n").forEach((raw, i) => {
    const stamp = TIMESTAMP.exec(raw);
    const body = stripComment(stamp === null ? raw : " ".repeat(stamp[0].length) + raw.slice(stamp[0].length));
    let first = true;
    for (const m of body.matchAll(TOKEN)) {
      const position = { line: i + 1, column: m.index + 1 };
      const token = m[0];
      if (first && ADDRESS.test(token)) {
        first = false;
        continue;
      }
      first = false;
      const value = hexToken(token, position);
      if (value.kind === "word") {
        if (pending !== undefined) throw new DumpError("a 64-bit word between the two 32-bit halves of another", position);
        items.push(value);
      } else if (pending === undefined) {
        pending = { value: value.half, position };
      } else {
        items.push({ kind: "pair", a: pending.value, b: value.half });
        pending = undefined;
      }
    }
  });
  if (pending !== undefined) throw new DumpError("a 32-bit half without its other half at the end of the dump", pending.position);
  return assemblePairs(items, options.halves ?? "auto");
}

/** The digits of a dump token and whether they are a half or a word; undefined when it is neither. */
function classify(token: string): { size: "half" | "word"; digits: string } | undefined {
  const m = HEX.exec(token);
  if (m === null) return undefined;
  const digits = m[2]!.replace(/_/g, "");
  // With 0x the width is the value's; without, only zero-padded 8 or 16 digits are unambiguous.
  const prefixed = m[1] !== undefined;
  if (prefixed ? digits.length >= 1 && digits.length <= 8 : digits.length === 8) return { size: "half", digits };
  if (prefixed ? digits.length > 8 && digits.length <= 16 : digits.length === 16) return { size: "word", digits };
  return undefined;
}

function hexToken(token: string, position: SourcePosition): { kind: "word"; lo: number; hi: number } | { kind: "half"; half: number } {
  const c = classify(token);
  if (c === undefined) {
    throw new DumpError(`expected a 32-bit half (8 hex digits) or a 64-bit word (16 hex digits), found '${token}'`, position);
  }
  if (c.size === "half") return { kind: "half", half: parseInt(c.digits, 16) };
  const padded = c.digits.padStart(16, "0");
  return { kind: "word", lo: parseInt(padded.slice(8), 16), hi: parseInt(padded.slice(0, 8), 16) };
}

/** True when the first thing in the text is a dump address or a hex word: a dump, not assembly. */
export function looksLikeHexDump(text: string): boolean {
  for (const raw of text.split("\n")) {
    const stamp = TIMESTAMP.exec(raw);
    const first = stripComment(stamp === null ? raw : raw.slice(stamp[0].length)).match(TOKEN)?.[0];
    if (first !== undefined) return ADDRESS.test(first) || classify(first) !== undefined;
  }
  return false;
}

/** Number of pairs that decode to a known instruction when read in `order`. */
function knownCount(items: readonly Item[], order: HalfOrder): number {
  const scratch = createDecodeScratch();
  let n = 0;
  for (const item of items) {
    if (item.kind !== "pair") continue;
    const [lo, hi] = order === "low-first" ? [item.a, item.b] : [item.b, item.a];
    if (decodeInto(scratch, lo, hi).kind !== "unknown") n++;
  }
  return n;
}

function assemblePairs(items: readonly Item[], halves: HalfOrder | "auto"): Dump {
  const hasPairs = items.some((item) => item.kind === "pair");
  const order: HalfOrder =
    halves !== "auto" ? halves : knownCount(items, "high-first") > knownCount(items, "low-first") ? "high-first" : "low-first";
  const words = new Uint32Array(items.length * 2);
  items.forEach((item, i) => {
    if (item.kind === "word") [words[2 * i], words[2 * i + 1]] = [item.lo, item.hi];
    else if (order === "low-first") [words[2 * i], words[2 * i + 1]] = [item.a, item.b];
    else [words[2 * i], words[2 * i + 1]] = [item.b, item.a];
  });
  return hasPairs ? { words, format: "hex", halves: order } : { words, format: "hex" };
}
