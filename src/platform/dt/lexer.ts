/**
 * The DTS lexer: dtc's dtc-lexer.l (dtc 1.6), rule for rule, including its start conditions.
 * The lexer, not the parser, switches them, so the token stream does not depend on the parse:
 *
 * - INITIAL until `/dts-v1/` (integer literals exist only after it: DTS v0 is gone);
 * - V1, the default, where integers are literals;
 * - PROPNODENAME after `{`, `;`, `/delete-node/`, `/delete-property/` and `/omit-if-no-ref/`: a run
 *   of [a-zA-Z0-9,._+*#?@-] is a node or property name (so `#address-cells` and `0x10` are names);
 * - BYTESTRING after `[`: pairs of hex digits.
 *
 * flex takes the longest match; where two rules could match here, the order of the tests below
 * gives the same answer (a label `name:` is always longer than the name it starts with).
 * `/include/ "file"` is handled here, in any state, as dtc does, and so are cpp line markers
 * (`# 12 "board.dts"`), so the output of `cpp` can be read. Anything that only the C preprocessor
 * understands (`#include`, `#define`, macro names such as GIC_SPI) is an error that says so.
 *
 * Deliberate differences from dtc: a `//` comment may end the file without a newline (dtc's rule
 * needs one), and a word of letters right after a number (`0x10g`) is reported as a bad literal
 * instead of a syntax error at its first letter.
 */
import { ByteBuf, decodeUtf8, resolveInclude, utf8Of } from "./bytes.js";
import { DtError, type SourcePos } from "./types.js";

export type TokenKind =
  | "v1"
  | "plugin"
  | "memreserve"
  | "bits"
  | "delprop"
  | "delnode"
  | "omit"
  | "incbin"
  | "label"
  | "labelref"
  | "pathref"
  | "name"
  | "literal"
  | "char"
  | "byte"
  | "string"
  | "punct"
  | "eof";

export interface Token {
  readonly kind: TokenKind;
  /** The label, reference or name without its punctuation; the punctuation itself; or the source text. */
  readonly text: string;
  readonly at: SourcePos;
  /** literal, char and byte tokens. */
  readonly value?: bigint;
  /** string tokens: the bytes after escape processing, without the final NUL. */
  readonly data?: ByteBuf;
}

type Mode = "INITIAL" | "V1" | "PROPNODENAME" | "BYTESTRING";

interface Frame {
  readonly text: string;
  /** The path the text was read from (include resolution uses it). */
  readonly file: string;
  /** The name positions show; a cpp line marker changes it. */
  shown: string;
  pos: number;
  line: number;
  col: number;
  /** Offset of the first character of the current line. */
  lineStart: number;
}

export interface LexerOptions {
  readonly readInclude?: (path: string, fromFile: string) => string;
}

const MAX_INCLUDE_DEPTH = 64;

const KEYWORDS: readonly (readonly [string, TokenKind, Mode | null])[] = [
  ["/dts-v1/", "v1", "V1"],
  ["/plugin/", "plugin", null],
  ["/memreserve/", "memreserve", "V1"],
  ["/bits/", "bits", "V1"],
  ["/delete-property/", "delprop", "PROPNODENAME"],
  ["/delete-node/", "delnode", "PROPNODENAME"],
  ["/omit-if-no-ref/", "omit", "PROPNODENAME"],
];

const RE_INCLUDE = /\/include\/[ \t\n\v\f\r]*"((?:[^\\"]|\\[^\n])*)"/y;
const RE_LINEMARKER = /#(?:line)?[ \t]+([0-9]+)[ \t]+"((?:[^\\"]|\\[^\n])*)"(?:[ \t]+[0-9]+)?/y;
const RE_CPP_DIRECTIVE = /#[ \t]*(include|define|undef|ifdef|ifndef|if|elif|else|endif|error|warning|pragma)(?![A-Za-z0-9,._+*#?@-])/y;

/** Whether a property name would read as a cpp directive at the start of a line (`#include`). */
export function looksLikeCppDirective(name: string): boolean {
  return matchAt(RE_CPP_DIRECTIVE, name, 0) !== null;
}
const RE_LABEL = /([a-zA-Z_][a-zA-Z0-9_]*):/y;
const RE_LABELREF = /&([a-zA-Z_][a-zA-Z0-9_]*)/y;
const RE_PATHREF = /&\{(\/[a-zA-Z0-9,._+*#?@/-]*)\}/y;
const RE_LITERAL = /(?:0[xX][0-9a-fA-F]+|[0-9]+)(?:ULL|UL|LL|U|L)?/y;
const RE_BYTE = /[0-9a-fA-F]{2}/y;
const RE_NAME = /\\?([a-zA-Z0-9,._+*#?@-]+)/y;
const RE_IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const TWO_CHAR_OPS = new Set(["<<", ">>", "<=", ">=", "==", "!=", "&&", "||"]);
const WHITESPACE = " \t\n\v\f\r";

export const CPP_HINT =
  "vplat does not run the C preprocessor: run `cpp -nostdinc -undef -x assembler-with-cpp` on the file first, or write the value instead of the macro";

function matchAt(re: RegExp, text: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(text);
}

export class Lexer {
  private mode: Mode = "INITIAL";
  private readonly frames: Frame[];
  private readonly readInclude: ((path: string, fromFile: string) => string) | undefined;

  constructor(text: string, file: string, opts: LexerOptions) {
    this.frames = [{ text, file, shown: file, pos: 0, line: 1, col: 1, lineStart: 0 }];
    this.readInclude = opts.readInclude;
  }

  /** The file being read now (the innermost include), for resolving /incbin/ names. */
  get currentFile(): string {
    return this.frame.file;
  }

  private get frame(): Frame {
    return this.frames[this.frames.length - 1]!;
  }

  private here(): SourcePos {
    const f = this.frame;
    // After cpp's `# 0 "file"` marker dtc counts from line 0; positions here stay 1-based.
    return { file: f.shown, line: Math.max(1, f.line), column: f.col };
  }

  private fail(at: SourcePos, reason: string): never {
    throw new DtError({ file: at.file, line: at.line, column: at.column }, reason);
  }

  /** Consumes `n` characters, counting lines and columns as dtc's srcpos_update() does. */
  private advance(n: number): void {
    const f = this.frame;
    const end = f.pos + n;
    for (let i = f.pos; i < end; i++) {
      if (f.text.charCodeAt(i) === 10) {
        f.line++;
        f.col = 1;
        f.lineStart = i + 1;
      } else {
        f.col++;
      }
    }
    f.pos = end;
  }

  private token(kind: TokenKind, text: string, at: SourcePos, length: number, extra?: { value?: bigint; data?: ByteBuf }): Token {
    this.advance(length);
    return { kind, text, at, ...extra };
  }

  /** The next token; `eof` at the end of the top-level file. */
  next(): Token {
    for (;;) {
      const f = this.frame;
      if (f.pos >= f.text.length) {
        if (this.frames.length === 1) return { kind: "eof", text: "end of input", at: this.here() };
        this.frames.pop();
        continue;
      }
      const tok = this.lexOne(f);
      if (tok !== null) return tok;
    }
  }

  /** One rule's worth of input: a token, or null after whitespace, a comment, an include or a line marker. */
  private lexOne(f: Frame): Token | null {
    const { text, pos } = f;
    const c = text[pos]!;
    if (WHITESPACE.includes(c)) {
      this.advance(1);
      return null;
    }
    const at = this.here();
    if (c === "#" && this.preprocessorLine(f, at)) return null;
    if (c === "/") {
      const t = this.slash(f, at);
      if (t !== undefined) return t;
    }
    if (c === '"') return this.stringToken(f, at);
    if (c === "'") return this.charToken(f, at);
    const label = matchAt(RE_LABEL, text, pos);
    if (label !== null) return this.token("label", label[1]!, at, label[0].length);
    if (c === "&") {
      const ref = matchAt(RE_LABELREF, text, pos) ?? matchAt(RE_PATHREF, text, pos);
      if (ref !== null) return this.token(ref[0][1] === "{" ? "pathref" : "labelref", ref[1]!, at, ref[0].length);
    }
    const special = this.modeToken(f, at);
    if (special !== null) return special;
    const two = text.slice(pos, pos + 2);
    if (TWO_CHAR_OPS.has(two)) return this.token("punct", two, at, 2);
    if (c === "[") this.mode = "BYTESTRING";
    if (c === "{" || c === ";") this.mode = "PROPNODENAME";
    const cp = text.codePointAt(pos)!;
    return this.token("punct", String.fromCodePoint(cp), at, cp > 0xffff ? 2 : 1);
  }

  /** Rules that exist only in some start conditions. */
  private modeToken(f: Frame, at: SourcePos): Token | null {
    const { text, pos } = f;
    switch (this.mode) {
      case "BYTESTRING": {
        const b = matchAt(RE_BYTE, text, pos);
        if (b !== null) return this.token("byte", b[0], at, 2, { value: BigInt(`0x${b[0]}`) });
        if (text[pos] === "]") {
          this.mode = "V1";
          return this.token("punct", "]", at, 1);
        }
        return null;
      }
      case "PROPNODENAME": {
        const n = matchAt(RE_NAME, text, pos);
        if (n === null) return null;
        this.mode = "V1";
        return this.token("name", n[1]!, at, n[0].length);
      }
      case "V1": {
        const lit = matchAt(RE_LITERAL, text, pos);
        if (lit !== null) return this.literal(f, at, lit[0]);
        return this.identifier(f, at);
      }
      case "INITIAL":
        return this.identifier(f, at);
    }
  }

  /** A word of letters where dtc has none: a macro the C preprocessor was meant to replace. */
  private identifier(f: Frame, at: SourcePos): null {
    const id = matchAt(RE_IDENT, f.text, f.pos);
    if (id === null) return null;
    this.fail(at, `unknown identifier '${id[0]}': ${CPP_HINT} (and a string needs double quotes)`);
  }

  /** Keywords, comments and /include/ (all start with `/`); undefined when it is a plain `/`. */
  private slash(f: Frame, at: SourcePos): Token | null | undefined {
    const { text, pos } = f;
    if (text.startsWith("/*", pos)) {
      const end = text.indexOf("*/", pos + 2);
      if (end < 0) this.fail(at, "unterminated comment: '/*' without '*/'");
      this.advance(end + 2 - pos);
      return null;
    }
    if (text.startsWith("//", pos)) {
      const nl = text.indexOf("\n", pos);
      this.advance((nl < 0 ? text.length : nl + 1) - pos);
      return null;
    }
    if (text.startsWith("/include/", pos)) {
      this.include(f, at);
      return null;
    }
    for (const [kw, kind, mode] of KEYWORDS) {
      if (!text.startsWith(kw, pos)) continue;
      if (mode !== null) this.mode = mode;
      return this.token(kind, kw, at, kw.length);
    }
    // flex: "/incbin/" has no start condition, so it is not recognised in the exclusive states.
    if ((this.mode === "INITIAL" || this.mode === "V1") && text.startsWith("/incbin/", pos)) {
      return this.token("incbin", "/incbin/", at, 8);
    }
    return undefined;
  }

  /** A cpp line marker (dtc applies it) or a cpp directive (we explain). True when consumed. */
  private preprocessorLine(f: Frame, at: SourcePos): boolean {
    const { text, pos } = f;
    if (pos === f.lineStart) {
      const m = matchAt(RE_LINEMARKER, text, pos);
      if (m !== null) {
        const name = new ByteBuf();
        unescapeInto(text, pos + m[0].indexOf('"') + 1, pos + m[0].lastIndexOf('"'), name, at, this.fail.bind(this));
        const bytes = name.toBytes();
        if (bytes.includes(0)) this.fail(at, "NUL in the file name of a line marker");
        this.advance(m[0].length);
        // dtc: srcpos_set_line(file, line - 1), the marker names the line that follows it.
        f.shown = decodeUtf8(bytes);
        f.line = Number(m[1]) - 1;
        return true;
      }
    }
    if (onlyBlanksBefore(text, f.lineStart, pos)) {
      const d = matchAt(RE_CPP_DIRECTIVE, text, pos);
      if (d !== null) this.fail(at, `'#${d[1]}' is a C preprocessor directive: ${CPP_HINT} (dtc's own /include/ "file" needs no preprocessor)`);
    }
    return false;
  }

  private include(f: Frame, at: SourcePos): void {
    const m = matchAt(RE_INCLUDE, f.text, f.pos);
    if (m === null) this.fail(at, '/include/ must be followed by a file name in double quotes');
    const name = m[1]!;
    const path = resolveInclude(name, f.file);
    if (this.frames.some((fr) => fr.file === path)) {
      this.fail(at, `include cycle: ${[...this.frames.map((fr) => fr.file), path].join(" -> ")}`);
    }
    if (this.frames.length > MAX_INCLUDE_DEPTH) this.fail(at, `includes nested deeper than ${MAX_INCLUDE_DEPTH} files`);
    if (this.readInclude === undefined) this.fail(at, `/include/ "${name}": no readInclude option was given to read it with`);
    let text: string;
    try {
      text = this.readInclude(path, f.file);
    } catch (e) {
      this.fail(at, `cannot read /include/ "${name}" (${path}): ${e instanceof Error ? e.message : String(e)}`);
    }
    this.advance(m[0].length);
    this.frames.push({ text, file: path, shown: path, pos: 0, line: 1, col: 1, lineStart: 0 });
  }

  private stringToken(f: Frame, at: SourcePos): Token {
    const { text, pos } = f;
    // dtc's STRING: \"([^\\"]|\\.)*\" — a raw line break may be inside, but not after a backslash.
    let j = pos + 1;
    while (j < text.length && text[j] !== '"') {
      if (text[j] === "\\") {
        if (j + 1 >= text.length || text[j + 1] === "\n") this.fail(at, "unterminated string (a backslash cannot escape a line break)");
        j += 2;
      } else j++;
    }
    if (j >= text.length) this.fail(at, "unterminated string: no closing '\"'");
    const data = new ByteBuf();
    unescapeInto(text, pos + 1, j, data, at, this.fail.bind(this));
    return this.token("string", text.slice(pos, j + 1), at, j + 1 - pos, { data });
  }

  private charToken(f: Frame, at: SourcePos): Token {
    const { text, pos } = f;
    // CHAR_LITERAL '([^']|\\')*' with flex's longest match: a quote preceded by a backslash may
    // be part of the literal, so the literal ends at the last quote reachable that way.
    let close = -1;
    for (let j = pos + 1; j < text.length; j++) {
      if (text[j] !== "'") continue;
      close = j;
      if (j - 1 < pos + 1 || text[j - 1] !== "\\") break;
    }
    if (close < 0) this.fail(at, "unterminated character literal: no closing \"'\"");
    const data = new ByteBuf();
    unescapeInto(text, pos + 1, close, data, at, this.fail.bind(this));
    if (data.length === 0) this.fail(at, "empty character literal");
    if (data.length > 1) this.fail(at, `character literal has ${data.length} characters (bytes) instead of 1`);
    return this.token("char", text.slice(pos, close + 1), at, close + 1 - pos, { value: BigInt(data.toBytes()[0]!) });
  }

  /** An integer literal: strtoull(…, 0) (so a leading 0 means octal), then only U/L may follow. */
  private literal(f: Frame, at: SourcePos, lit: string): Token {
    const after = matchAt(RE_IDENT, f.text, f.pos + lit.length);
    if (after !== null && f.text[f.pos + lit.length + after[0].length] !== ":") {
      this.fail(at, `bad integer literal '${lit}${after[0]}'`);
    }
    const digits = lit.replace(/[UL]+$/, "");
    let value: bigint;
    if (/^0[xX]/.test(digits)) value = BigInt(digits);
    else if (digits.length > 1 && digits[0] === "0") {
      if (!/^[0-7]+$/.test(digits)) this.fail(at, `bad integer literal '${lit}' (a leading 0 means octal)`);
      value = BigInt(`0o${digits.slice(1)}`);
    } else value = BigInt(digits);
    if (value > 0xffff_ffff_ffff_ffffn) this.fail(at, `integer literal '${lit}' out of range (more than 64 bits)`);
    return this.token("literal", lit, at, lit.length, { value });
  }
}

/** Whether text[from, to) holds only spaces and tabs (scanning back, so a run of `#` costs O(1) each). */
function onlyBlanksBefore(text: string, from: number, to: number): boolean {
  for (let i = to - 1; i >= from; i--) if (text[i] !== " " && text[i] !== "\t") return false;
  return true;
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13 };

/**
 * dtc's data_copy_escape_string() on text[start, end): characters as UTF-8, escapes as single
 * bytes. As in dtc, an escape may look at the closing delimiter at `end` (so `'\'` is a quote),
 * `\NNN` takes up to three octal digits and `\x` reads a two-character window with strtol().
 */
function unescapeInto(text: string, start: number, end: number, out: ByteBuf, at: SourcePos, fail: (at: SourcePos, reason: string) => never): void {
  let i = start;
  while (i < end) {
    const cp = text.codePointAt(i)!;
    if (cp !== 0x5c) {
      utf8Of(cp, out);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    i++;
    const e = text[i] ?? "";
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out.byte(simple);
      i++;
    } else if (e >= "0" && e <= "7") {
      const m = /^[0-7]{1,3}/.exec(text.slice(i, i + 3))!;
      out.byte(parseInt(m[0], 8));
      i += m[0].length;
    } else if (e === "x") {
      const [value, used] = strtolHexWindow(text.slice(i + 1, i + 3));
      if (used === 0) fail(at, "\\x used with no following hex digits");
      out.byte(value);
      i += 1 + used;
    } else {
      const ecp = text.codePointAt(i) ?? 0;
      utf8Of(ecp, out);
      i += ecp > 0xffff ? 2 : 1;
    }
  }
}

/** strtol(window, &end, 16) on at most two characters: [value & 0xff, characters used] (0 used: no digits). */
function strtolHexWindow(w: string): [number, number] {
  let i = 0;
  while (i < w.length && WHITESPACE.includes(w[i]!)) i++;
  let sign = 1;
  if (w[i] === "+" || w[i] === "-") sign = w[i++] === "-" ? -1 : 1;
  const start = i;
  while (i < w.length && /[0-9a-fA-F]/.test(w[i]!)) i++;
  if (i === start) return [0, 0];
  return [(sign * parseInt(w.slice(start, i), 16)) & 0xff, i];
}
