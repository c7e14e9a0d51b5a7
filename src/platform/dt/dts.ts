/**
 * The DTS reader: dtc 1.6's grammar (dtc-parser.y) by recursive descent over the lexer's tokens,
 * building dtc's live tree (live.ts) with the same actions, then dtc's checks and fixups
 * (checks.ts). The first problem stops the parse with a DtError at the offending token.
 *
 * Integer expressions are dtc's: unsigned 64-bit, C precedence, every operand evaluated (so a
 * division by zero is an error even in the branch `?:` or `&&` does not take), shifts by 64 or
 * more give 0. A cell must fit its /bits/ size, or be a sign-extended negative value.
 *
 * Not supported: /plugin/ overlays (dtc's fragment/__fixups__ generation), DTS v0.
 */
import { ByteBuf, decodeUtf8, readU32, resolveInclude } from "./bytes.js";
import { runDtsChecks, type Place } from "./checks.js";
import { Lexer, type Token, type TokenKind } from "./lexer.js";
import { MAX_NODE_DEPTH, addChild, addLabel, deleteNode, getProp, mergeNodes, newNode, newProp, nodeByPath, nodeByRef, toPublicNode, type Marker, type Node } from "./live.js";
import { DtError, type DtReserve, type DtTree, type SourcePos } from "./types.js";

export interface DtsOptions {
  /** The name positions and errors show (default `<dts>`); /include/ names resolve against its directory. */
  file?: string;
  /** Reads an /include/d file; `path` is already joined with the including file's directory. Throw if missing. */
  readInclude?: (path: string, fromFile: string) => string;
  /** Reads an /incbin/ file, resolved as for /include/. Throw if missing. */
  readBinary?: (path: string, fromFile: string) => Uint8Array;
}

const MAX_EXPR_DEPTH = 256;
const U64 = (1n << 64n) - 1n;

/**
 * Parses DTS source (the dtc language without the C preprocessor) into a tree.
 * @throws DtError at the first error, with its file, line and column.
 */
export function parseDts(text: string, opts: DtsOptions = {}): DtTree {
  return new DtsParser(text, opts).parse();
}

function describe(t: Token): string {
  switch (t.kind) {
    case "eof":
      return "end of input";
    case "punct":
      return `'${t.text}'`;
    case "name":
      return `name '${t.text}'`;
    case "label":
      return `label '${t.text}:'`;
    case "labelref":
      return `reference &${t.text}`;
    case "pathref":
      return `reference &{${t.text}}`;
    case "literal":
      return `number ${t.text}`;
    case "char":
      return `character literal ${t.text}`;
    case "byte":
      return `byte ${t.text}`;
    case "string":
      return `string ${t.text.length > 40 ? `${t.text.slice(0, 37)}..."` : t.text}`;
    default:
      return t.text;
  }
}

/** Binary operators, by dtc-parser.y precedence level (higher binds tighter). */
const BINARY: ReadonlyMap<string, number> = new Map([
  ["||", 1],
  ["&&", 2],
  ["|", 3],
  ["^", 4],
  ["&", 5],
  ["==", 6],
  ["!=", 6],
  ["<", 7],
  [">", 7],
  ["<=", 7],
  [">=", 7],
  ["<<", 8],
  [">>", 8],
  ["+", 9],
  ["-", 9],
  ["*", 10],
  ["/", 10],
  ["%", 10],
]);

const bool = (b: boolean): bigint => (b ? 1n : 0n);

class DtsParser {
  private readonly lex: Lexer;
  private readonly readBinary: DtsOptions["readBinary"];
  private tok: Token;
  /** One token of extra lookahead, to tell `name {` (a node) from `name =` (a property). */
  private peeked: Token | undefined;
  private nodeDepth = 0;
  private exprDepth = 0;

  constructor(text: string, opts: DtsOptions) {
    this.readBinary = opts.readBinary;
    this.lex = new Lexer(text, opts.file ?? "<dts>", opts.readInclude === undefined ? {} : { readInclude: opts.readInclude });
    this.tok = this.lex.next();
  }

  private fail(at: SourcePos, reason: string): never {
    throw new DtError({ file: at.file, line: at.line, column: at.column }, reason);
  }

  private take(): Token {
    const t = this.tok;
    this.tok = this.peeked ?? this.lex.next();
    this.peeked = undefined;
    return t;
  }

  private isPunct(text: string): boolean {
    return this.tok.kind === "punct" && this.tok.text === text;
  }

  private isKind(...kinds: TokenKind[]): boolean {
    return kinds.includes(this.tok.kind);
  }

  private syntax(expected: string): never {
    this.fail(this.tok.at, `syntax error: expected ${expected}, found ${describe(this.tok)}`);
  }

  private expectPunct(text: string, context = ""): Token {
    if (!this.isPunct(text)) this.syntax(`'${text}'${context}`);
    return this.take();
  }

  private expectName(context: string): Token {
    if (this.tok.kind !== "name") this.syntax(`a node or property name ${context}`);
    return this.take();
  }

  parse(): DtTree {
    this.headers();
    const memreserve = this.memreserves();
    const root = this.devicetree();
    const bootCpuid = guessBootCpuid(root);
    const where = (p: Place): string => (p.at === undefined ? "" : `at ${p.at.file}:${p.at.line}:${p.at.column}`);
    runDtsChecks(root, (place, reason) => this.fail(place.at ?? root.at ?? this.tok.at, reason), where);
    if (root.deleted) this.fail(root.at ?? this.tok.at, "the root node was deleted (by /delete-node/ or /omit-if-no-ref/)");
    return { root: toPublicNode(root), memreserve, bootCpuid };
  }

  /** headers: (/dts-v1/ ; [/plugin/ ;])+ */
  private headers(): void {
    if (this.tok.kind !== "v1") {
      this.fail(this.tok.at, `expected '/dts-v1/;' at the start, found ${describe(this.tok)} (only DTS version 1 is read)`);
    }
    while (this.tok.kind === "v1") {
      this.take();
      this.expectPunct(";", " after /dts-v1/");
      if (this.isKind("plugin")) this.fail(this.tok.at, "/plugin/ (device tree overlays) is not supported");
    }
  }

  /** memreserves: (label* /memreserve/ integer_prim integer_prim ;)* */
  private memreserves(): DtReserve[] {
    const out: DtReserve[] = [];
    while (this.isKind("label", "memreserve")) {
      while (this.tok.kind === "label") this.take();
      if (this.tok.kind !== "memreserve") this.syntax("/memreserve/ after the label");
      this.take();
      const address = this.integerPrim();
      const size = this.integerPrim();
      this.expectPunct(";", " after /memreserve/ address size");
      out.push({ address, size });
    }
    return out;
  }

  private refTarget(root: Node, ref: Token): Node {
    const target = nodeByRef(root, ref.text);
    if (target === undefined) this.fail(ref.at, ref.kind === "pathref" ? `unknown path &{${ref.text}}` : `unknown label &${ref.text}`);
    return target;
  }

  private expectRef(context: string): Token {
    if (!this.isKind("labelref", "pathref")) this.syntax(`&label or &{/path} ${context}`);
    return this.take();
  }

  /** devicetree: the root node, then more root nodes, &ref nodes and top-level deletions, in order. */
  private devicetree(): Node {
    if (this.isKind("labelref", "pathref")) this.fail(this.tok.at, `unknown ${describe(this.tok)}: the first node must be the root '/ { … };'`);
    if (!this.isPunct("/")) this.syntax("the root node '/ {'");
    const rootAt = this.take().at;
    const root = this.nodedef("", rootAt);
    while (this.tok.kind !== "eof") {
      const t = this.tok;
      if (this.isPunct("/")) {
        this.take();
        mergeNodes(root, this.nodedef("", t.at));
      } else if (t.kind === "label") {
        this.take();
        const ref = this.expectRef("after a label at the top level");
        const body = this.nodedef("", ref.at);
        const target = this.refTarget(root, ref);
        addLabel(target.labels, t.text, t.at);
        mergeNodes(target, body);
      } else if (t.kind === "labelref" || t.kind === "pathref") {
        this.take();
        const body = this.nodedef("", t.at);
        mergeNodes(this.refTarget(root, t), body);
      } else if (t.kind === "delnode" || t.kind === "omit") {
        this.take();
        const ref = this.expectRef(`after ${t.text} at the top level (inside a node it takes a name)`);
        this.expectPunct(";");
        const target = this.refTarget(root, ref);
        if (t.kind === "delnode") deleteNode(target);
        else target.omitIfUnused = true;
      } else {
        this.syntax("'/ {', '&label {', /delete-node/ or the end of the file");
      }
    }
    return root;
  }

  /** nodedef: '{' propdef* subnode* '}' ';' — a node named `name`, defined at `at`. */
  private nodedef(name: string, at: SourcePos): Node {
    this.expectPunct("{");
    if (++this.nodeDepth > MAX_NODE_DEPTH) this.fail(at, `nodes nested deeper than ${MAX_NODE_DEPTH} levels`);
    const node = newNode(name, { at });
    let seenSubnode = false;
    while (!this.isPunct("}")) {
      const labels: Token[] = [];
      let omit: Token | undefined;
      while (this.isKind("label", "omit")) {
        const t = this.take();
        if (t.kind === "label") labels.push(t);
        else omit = t;
      }
      const start = this.tok;
      if (start.kind === "delprop" || (start.kind === "name" && !this.followedByBrace())) {
        if (omit !== undefined) this.fail(omit.at, "/omit-if-no-ref/ applies to nodes, not to properties");
        if (seenSubnode) this.fail((labels[0] ?? start).at, "properties must precede subnodes");
        this.propdef(node, labels);
      } else if (start.kind === "delnode" || start.kind === "name") {
        this.subnode(node, labels, omit !== undefined);
        seenSubnode = true;
      } else {
        this.syntax(labels.length > 0 || omit !== undefined ? "a node or property name" : "a property, a node or '}'");
      }
    }
    this.take();
    this.expectPunct(";", " after '}'");
    this.nodeDepth--;
    return node;
  }

  /** Whether the name token now current is followed by '{' (a node) — peeks one token. */
  private followedByBrace(): boolean {
    return this.peek().kind === "punct" && this.peek().text === "{";
  }

  private peek(): Token {
    this.peeked ??= this.lex.next();
    return this.peeked;
  }

  private propdef(node: Node, labels: Token[]): void {
    const start = this.take();
    if (start.kind === "delprop") {
      const name = this.expectName("after /delete-property/");
      this.expectPunct(";", " after the deleted property's name");
      const p = newProp(name.text, new ByteBuf(0), [], { at: name.at });
      p.deleted = true;
      for (const l of [...labels].reverse()) addLabel(p.labels, l.text, l.at);
      node.props.push(p);
      return;
    }
    let data = new ByteBuf(0);
    let markers: Marker[] = [];
    if (this.isPunct("=")) {
      this.take();
      [data, markers] = this.propdata();
    }
    this.expectPunct(";", ` after property '${start.text}'`);
    const p = newProp(start.text, data, markers, { at: start.at });
    for (const l of [...labels].reverse()) addLabel(p.labels, l.text, l.at);
    node.props.push(p);
  }

  private subnode(parent: Node, labels: Token[], omit: boolean): void {
    const start = this.take();
    let child: Node;
    if (start.kind === "delnode") {
      const name = this.expectName("after /delete-node/");
      this.expectPunct(";", " after the deleted node's name");
      child = newNode(name.text, { at: name.at });
      child.deleted = true;
    } else {
      child = this.nodedef(start.text, start.at);
    }
    if (omit) child.omitIfUnused = true;
    for (const l of [...labels].reverse()) addLabel(child.labels, l.text, l.at);
    addChild(parent, child);
  }

  /** propdata: label* item label* (',' label* item label*)*, items being strings, <cells>, [bytes], &refs, /incbin/. */
  private propdata(): [ByteBuf, Marker[]] {
    const data = new ByteBuf();
    const markers: Marker[] = [];
    const labelsHere = (): void => {
      while (this.tok.kind === "label") {
        const l = this.take();
        markers.push({ kind: "label", offset: data.length, ref: l.text, at: l.at });
      }
    };
    for (;;) {
      labelsHere();
      const t = this.tok;
      if (t.kind === "string") {
        this.take();
        data.bytes(t.data!.toBytes());
        data.byte(0);
      } else if (t.kind === "bits" || this.isPunct("<")) {
        this.cells(data, markers);
      } else if (this.isPunct("[")) {
        this.take();
        this.bytestring(data, markers);
      } else if (t.kind === "labelref" || t.kind === "pathref") {
        this.take();
        markers.push({ kind: "path", offset: data.length, ref: t.text, at: t.at });
      } else if (t.kind === "incbin") {
        this.incbin(data);
      } else {
        this.syntax("a value (\"string\", <cells>, [bytes], &label or /incbin/)");
      }
      labelsHere();
      if (!this.isPunct(",")) return [data, markers];
      this.take();
    }
  }

  private bytestring(data: ByteBuf, markers: Marker[]): void {
    for (;;) {
      const t = this.tok;
      if (t.kind === "byte") {
        this.take();
        data.byte(Number(t.value));
      } else if (t.kind === "label") {
        this.take();
        markers.push({ kind: "label", offset: data.length, ref: t.text, at: t.at });
      } else if (this.isPunct("]")) {
        this.take();
        return;
      } else {
        this.syntax("two hex digits or ']' in a byte string");
      }
    }
  }

  /** arrayprefix '>': [/bits/ N] '<' (integer_prim | &ref | label)* '>' */
  private cells(data: ByteBuf, markers: Marker[]): void {
    let bits = 32;
    if (this.tok.kind === "bits") {
      this.take();
      const size = this.tok;
      if (size.kind !== "literal") this.syntax("the element size (8, 16, 32 or 64) after /bits/");
      this.take();
      if (![8n, 16n, 32n, 64n].includes(size.value!)) this.fail(size.at, `array elements must be 8, 16, 32 or 64 bits, not ${size.text}`);
      bits = Number(size.value);
    }
    this.expectPunct("<");
    for (;;) {
      const t = this.tok;
      if (this.isPunct(">")) {
        this.take();
        return;
      }
      if (t.kind === "label") {
        this.take();
        markers.push({ kind: "label", offset: data.length, ref: t.text, at: t.at });
      } else if (t.kind === "labelref" || t.kind === "pathref") {
        this.take();
        if (bits !== 32) this.fail(t.at, `references are only allowed in arrays of 32-bit elements, not /bits/ ${bits}`);
        markers.push({ kind: "phandle", offset: data.length, ref: t.text, at: t.at });
        data.u32(0xffff_ffff);
      } else {
        const v = this.integerPrim();
        if (bits < 64) {
          // dtc: above the mask, a value must be a sign extension (all ones).
          const mask = (1n << BigInt(bits)) - 1n;
          if (v > mask && (v | mask) !== U64) this.fail(t.at, `value 0x${v.toString(16)} out of range for a ${bits}-bit array element`);
        }
        data.uint(v, bits);
      }
    }
  }

  private incbin(data: ByteBuf): void {
    const at = this.take().at;
    this.expectPunct("(", " after /incbin/");
    const name = this.tok;
    if (name.kind !== "string") this.syntax("a file name in double quotes");
    this.take();
    let offset = 0n;
    let length = -1n;
    if (this.isPunct(",")) {
      this.take();
      offset = this.integerPrim();
      this.expectPunct(",", " between the offset and the length of /incbin/");
      length = this.integerPrim();
    }
    this.expectPunct(")", " after /incbin/'s arguments");
    const file = decodeUtf8(name.data!.toBytes());
    if (this.readBinary === undefined) this.fail(at, `/incbin/ "${file}": no readBinary option was given to read it with`);
    const path = resolveInclude(file, this.lex.currentFile);
    let bytes: Uint8Array;
    try {
      bytes = this.readBinary(path, this.lex.currentFile);
    } catch (e) {
      this.fail(at, `cannot read /incbin/ "${file}" (${path}): ${e instanceof Error ? e.message : String(e)}`);
    }
    // dtc seeks to the offset and reads up to `length` bytes, silently fewer at the end of the file.
    const from = offset > BigInt(bytes.length) ? bytes.length : Number(offset);
    const to = length < 0n || BigInt(from) + length > BigInt(bytes.length) ? bytes.length : from + Number(length);
    data.bytes(bytes.subarray(from, to));
  }

  /** integer_prim: a literal, a character literal or '(' expression ')'. */
  private integerPrim(): bigint {
    const t = this.tok;
    if (t.kind === "literal" || t.kind === "char") {
      this.take();
      return t.value!;
    }
    if (this.isPunct("(")) {
      this.take();
      const v = this.expr();
      this.expectPunct(")", " to close the expression");
      return v;
    }
    if (this.isPunct("-")) this.syntax("a number (negative values need parentheses: (-1))");
    this.syntax("a number, a character literal or '(' expression ')'");
  }

  /** integer_trinary: or ['?' expr ':' trinary]; every branch is evaluated, as in dtc. */
  private expr(): bigint {
    if (++this.exprDepth > MAX_EXPR_DEPTH) this.fail(this.tok.at, `expression nested deeper than ${MAX_EXPR_DEPTH} levels`);
    const cond = this.binary(1);
    let v = cond;
    if (this.isPunct("?")) {
      this.take();
      const a = this.expr();
      this.expectPunct(":", " in the ?: expression");
      const b = this.expr();
      v = cond !== 0n ? a : b;
    }
    this.exprDepth--;
    return v;
  }

  /** Left-associative binary operators of precedence `min` and above (precedence climbing). */
  private binary(min: number): bigint {
    let left = this.unary();
    for (;;) {
      const op = this.tok;
      const prec = op.kind === "punct" ? BINARY.get(op.text) : undefined;
      if (prec === undefined || prec < min) return left;
      this.take();
      const right = this.binary(prec + 1);
      left = this.apply(op, left, right);
    }
  }

  private apply(op: Token, a: bigint, b: bigint): bigint {
    switch (op.text) {
      case "||":
        return bool(a !== 0n || b !== 0n);
      case "&&":
        return bool(a !== 0n && b !== 0n);
      case "|":
        return a | b;
      case "^":
        return a ^ b;
      case "&":
        return a & b;
      case "==":
        return bool(a === b);
      case "!=":
        return bool(a !== b);
      case "<":
        return bool(a < b);
      case ">":
        return bool(a > b);
      case "<=":
        return bool(a <= b);
      case ">=":
        return bool(a >= b);
      case "<<":
        return b < 64n ? (a << b) & U64 : 0n;
      case ">>":
        return b < 64n ? a >> b : 0n;
      case "+":
        return (a + b) & U64;
      case "-":
        return (a - b) & U64;
      case "*":
        return (a * b) & U64;
      default:
        if (b === 0n) this.fail(op.at, "division by zero");
        return op.text === "/" ? a / b : a % b;
    }
  }

  /** integer_unary: ('-' | '~' | '!')* integer_prim, applied innermost first. */
  private unary(): bigint {
    const ops: string[] = [];
    while (this.isPunct("-") || this.isPunct("~") || this.isPunct("!")) ops.push(this.take().text);
    let v = this.integerPrim();
    for (const op of ops.reverse()) v = op === "-" ? -v & U64 : op === "~" ? v ^ U64 : bool(v === 0n);
    return v;
  }
}

/**
 * dtc's guess_boot_cpuid(): the `reg` of the first child of /cpus (deleted or not, as dtc takes
 * the head of the list) when it is a single cell, else 0. Taken before the checks run.
 */
function guessBootCpuid(root: Node): number {
  const cpus = nodeByPath(root, "/cpus");
  const first = cpus?.children[0];
  const reg = first === undefined ? undefined : getProp(first, "reg");
  return reg !== undefined && reg.data.length === 4 ? readU32(reg.data.toBytes(), 0) : 0;
}
