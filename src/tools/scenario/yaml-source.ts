/**
 * YAML text → the schema language's `Source` tree, with the line and column of every value and
 * key (the `yaml` package's parseDocument with a LineCounter). Syntax errors, duplicate keys,
 * several documents and unknown tags come back as diagnostics with their positions.
 */
import { LineCounter, Scalar, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from "yaml";
import { diagnostic, type Diagnostic, type MapEntry, type Pos, type Source } from "./schema-dsl.js";

export interface ParsedYaml {
  /** The document's contents; an empty file is `null` (all defaults). */
  readonly root: Source;
  readonly diagnostics: readonly Diagnostic[];
}

export function parseYaml(text: string, file: string): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): Pos => {
    const { line, col } = lines.linePos(offset);
    return { file, line, column: col };
  };
  const diagnostics: Diagnostic[] = [...doc.errors, ...doc.warnings].map((e) => diagnostic(at(e.pos[0]), "", "well-formed YAML", plainMessage(e.message)));
  if (diagnostics.length > 0) return { root: { t: "scalar", pos: null, value: null, text: "" }, diagnostics };
  const convert = new Converter(doc, text, at, lines);
  const root = doc.contents === null ? { t: "scalar" as const, pos: at(0), value: null, text: "" } : convert.node(doc.contents);
  return { root, diagnostics: convert.diagnostics };
}

/** The parser's message without its own "at line L, column C" suffix (the diagnostic has the position). */
function plainMessage(message: string): string {
  return message.replace(/ at line \d+, column \d+:?[\s\S]*$/, "");
}

class Converter {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    private readonly doc: Document,
    private readonly text: string,
    private readonly at: (offset: number) => Pos,
    private readonly lines: LineCounter,
  ) {}

  private pos(node: YamlNode): Pos | null {
    return node.range === undefined || node.range === null ? null : this.at(node.range[0]);
  }

  node(node: unknown): Source {
    if (isAlias(node)) return this.node(node.resolve(this.doc));
    if (isMap(node)) {
      const entries: MapEntry[] = [];
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key : null;
        if (key === null || (typeof key.value !== "string" && typeof key.value !== "number")) {
          const where = isScalar(pair.key) || isMap(pair.key) || isSeq(pair.key) ? this.pos(pair.key) : this.pos(node);
          this.diagnostics.push(diagnostic(where, "", "a field name", "a key that is not a plain name"));
          continue;
        }
        entries.push({ key: String(key.value), keyPos: this.pos(key), value: pair.value === null ? this.empty(key) : this.node(pair.value) });
      }
      return { t: "map", pos: this.pos(node), entries };
    }
    if (isSeq(node)) return { t: "seq", pos: this.pos(node), items: node.items.map((item) => this.node(item)) };
    if (isScalar(node)) return this.scalar(node);
    return { t: "scalar", pos: null, value: null, text: "" };
  }

  /** `key:` with nothing after it: a null at the key's position. */
  private empty(key: Scalar): Source {
    return { t: "scalar", pos: this.pos(key), value: null, text: "" };
  }

  private scalar(node: Scalar): Source {
    const v = node.value;
    const value = typeof v === "string" || typeof v === "number" || typeof v === "boolean" || v === null ? v : String(v);
    const text = node.source ?? String(v);
    const pos = this.pos(node);
    if (node.type === Scalar.BLOCK_LITERAL && node.range !== undefined && node.range !== null && typeof value === "string") {
      return { t: "scalar", pos, value, text, block: this.blockText(node.range[0]) };
    }
    return { t: "scalar", pos, value, text };
  }

  /** A literal block's first content line and indentation, from the source after its `|` header. */
  private blockText(headerOffset: number): { firstLine: number; indent: number } {
    const headerLine = this.lines.linePos(headerOffset).line;
    const rest = this.text.slice(this.lines.lineStarts[headerLine] ?? this.text.length);
    const firstText = rest.split("\n").find((l) => l.trim() !== "") ?? "";
    return { firstLine: headerLine + 1, indent: firstText.length - firstText.trimStart().length };
  }
}
