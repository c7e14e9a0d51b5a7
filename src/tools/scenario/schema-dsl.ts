/**
 * A small declarative schema language: one description of a document from which come both the
 * validator (with the path, position, expectation and finding of every problem) and a JSON
 * Schema (draft 2020-12) for editors. Each node knows its TypeScript type, so the validated
 * value is typed without a second declaration.
 *
 * Defaults are written in the *input* form (a duration default is `"1s"`, as a user would write
 * it) and go through the same conversion as a given value, so a default can never disagree with
 * its own schema, and the JSON Schema's `default` keywords are valid documents.
 */

import { parseDuration } from "../../sim/time.js";

/** A value as written: what YAML (or a default) gives, with where it was written. */
export type Source =
  | { readonly t: "map"; readonly pos: Pos | null; readonly entries: readonly MapEntry[] }
  | { readonly t: "seq"; readonly pos: Pos | null; readonly items: readonly Source[] }
  | { readonly t: "scalar"; readonly pos: Pos | null; readonly value: string | number | boolean | null; readonly text: string; readonly block?: BlockText };

export interface MapEntry {
  readonly key: string;
  readonly keyPos: Pos | null;
  readonly value: Source;
}

/** 1-based line and column in a named file. */
export interface Pos {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** Where the lines of a YAML block scalar (`|`) start, so text inside it can be pointed at. */
export interface BlockText {
  /** Line of the block's first content line. */
  readonly firstLine: number;
  /** Columns of indentation removed from every line. */
  readonly indent: number;
}

/** One problem: `file:line:col: path: expected X, found Y[; hint]`. */
export interface Diagnostic {
  readonly pos: Pos | null;
  readonly path: string;
  readonly expected: string;
  readonly found: string;
  readonly hint?: string;
  readonly message: string;
}

export function diagnostic(pos: Pos | null, path: string, expected: string, found: string, hint?: string): Diagnostic {
  const where = pos === null ? "" : `${pos.file}:${pos.line}:${pos.column}: `;
  const message = `${where}${path === "" ? "" : `${path}: `}expected ${expected}, found ${found}${hint === undefined ? "" : `; ${hint}`}`;
  return hint === undefined ? { pos, path, expected, found, message } : { pos, path, expected, found, hint, message };
}

/** Whether a field is always in the output (it has a default or is required) or may be absent. */
type Presence = "default" | "required" | "optional";

interface Common {
  readonly description: string;
  /** Said in the description when the default depends on other fields (no `default` keyword). */
  readonly defaultNote?: string;
  readonly examples?: readonly unknown[];
}

interface NodeBase<P extends Presence> extends Common {
  readonly presence: P;
  /** The default in input form. */
  readonly default?: unknown;
}

export interface IntegerNode<P extends Presence = Presence> extends NodeBase<P> {
  readonly kind: "integer";
  readonly min: number;
  readonly max: number;
  /** Also accept a "0x…" string. */
  readonly hex?: boolean;
  readonly __type?: number;
}
export interface BooleanNode<P extends Presence = Presence> extends NodeBase<P> {
  readonly kind: "boolean";
  readonly __type?: boolean;
}
export interface EnumNode<V extends string | number = string | number, P extends Presence = Presence> extends NodeBase<P> {
  readonly kind: "enum";
  readonly values: readonly V[];
  readonly __type?: V;
}
export interface DurationNode<P extends Presence = Presence> extends NodeBase<P> {
  readonly kind: "duration";
  readonly min: number;
  readonly max: number;
  readonly __type?: number;
}
export interface FrequencyNode<P extends Presence = Presence> extends NodeBase<P> {
  readonly kind: "frequency";
  readonly min: number;
  readonly max: number;
  readonly __type?: number;
}
export interface StringNode<P extends Presence = Presence> extends NodeBase<P> {
  readonly kind: "string";
  /** What the string is, for messages ("a file path"). */
  readonly what: string;
  readonly __type?: string;
}
export interface ListNode<I extends AnyNode = AnyNode, P extends Presence = Presence> extends NodeBase<P> {
  readonly kind: "list";
  readonly items: I;
  readonly maxItems: number;
  readonly __type?: Array<TypeOf<I>>;
}
export interface ObjectNode<F extends Fields = Fields, P extends Presence = Presence> extends NodeBase<P> {
  readonly kind: "object";
  readonly fields: F;
  /** What the mapping is, for messages ("the HPET"). */
  readonly title: string;
  readonly __type?: InferFields<F>;
}
export interface MapNode<V extends AnyNode = AnyNode, P extends Presence = Presence> extends NodeBase<P> {
  readonly kind: "map";
  readonly keys: readonly string[];
  /** What the keys are, for messages when there are too many to list ("a switch name"). */
  readonly keysWhat: string;
  readonly values: V;
  readonly __type?: Record<string, TypeOf<V>>;
}
export interface UnionNode<O extends readonly AnyNode[] = readonly AnyNode[], P extends Presence = Presence> extends NodeBase<P> {
  readonly kind: "union";
  readonly options: O;
  readonly __type?: TypeOf<O[number]>;
}
export interface VariantsNode<V extends Variants = Variants, P extends Presence = Presence> extends NodeBase<P> {
  readonly kind: "variants";
  /** The field naming the variant; the output names it in `variant`. */
  readonly tag: string;
  readonly variants: V;
  /** A bare string may name a variant (all its fields defaulted). */
  readonly shorthand: boolean;
  readonly __type?: InferVariants<V>;
}

/** One form of a variants node: chosen by its tag value, or (`has`) by the presence of a field. */
export interface Variant<O extends ObjectNode = ObjectNode> {
  readonly node: O;
  readonly has?: string;
}
interface Variants {
  readonly [name: string]: Variant;
}

export type AnyNode =
  | IntegerNode
  | BooleanNode
  | EnumNode
  | DurationNode
  | FrequencyNode
  | StringNode
  | ListNode
  | ObjectNode
  | MapNode
  | UnionNode
  | VariantsNode;

interface Fields {
  readonly [name: string]: AnyNode;
}

/** The TypeScript type a node validates to. */
export type TypeOf<N> = N extends { readonly __type?: infer T } ? Exclude<T, undefined> : never;

type Simplify<T> = { [K in keyof T]: T[K] } & unknown;
type InferFields<F extends Fields> = string extends keyof F ? Record<string, unknown> : InferKnownFields<F>;
type InferKnownFields<F extends Fields> = Simplify<
  { -readonly [K in keyof F as F[K]["presence"] extends "optional" ? never : K]: TypeOf<F[K]> } & {
    -readonly [K in keyof F as F[K]["presence"] extends "optional" ? K : never]?: TypeOf<F[K]>;
  }
>;
type InferVariants<V extends Variants> = string extends keyof V ? Record<string, unknown> : InferKnownVariants<V>;
type InferKnownVariants<V extends Variants> = { [K in keyof V]: Simplify<{ readonly [T in "variant"]: K } & TypeOf<V[K]["node"]>> }[keyof V];

// ---------------------------------------------------------------------------------------------
// Constructors. `default` makes a field always present; `required` makes it mandatory; neither
// makes it optional (absent from the output when not given).

type Opts = Common & { readonly default?: unknown; readonly required?: boolean };
type PresenceOf<O> = O extends { readonly default: unknown } ? "default" : O extends { readonly required: true } ? "required" : "optional";

function presence(o: Opts): Presence {
  if (o.default !== undefined) return "default";
  return o.required === true ? "required" : "optional";
}

/** The common part of a node, from its options. */
function base<O extends Opts>(o: O): NodeBase<PresenceOf<O>> {
  return {
    description: o.description,
    presence: presence(o) as PresenceOf<O>,
    ...(o.default === undefined ? {} : { default: o.default }),
    ...(o.defaultNote === undefined ? {} : { defaultNote: o.defaultNote }),
    ...(o.examples === undefined ? {} : { examples: o.examples }),
  };
}

export function integer<O extends Opts & { readonly min: number; readonly max: number; readonly hex?: boolean }>(o: O): IntegerNode<PresenceOf<O>> {
  return { kind: "integer", ...base(o), min: o.min, max: o.max, ...(o.hex === undefined ? {} : { hex: o.hex }) };
}

export function boolean<O extends Opts>(o: O): BooleanNode<PresenceOf<O>> {
  return { kind: "boolean", ...base(o) };
}

export function oneOf<const V extends string | number, O extends Opts>(values: readonly V[], o: O): EnumNode<V, PresenceOf<O>> {
  return { kind: "enum", values, ...base(o) };
}

/** A duration with a unit (`"250ms"`, `"1.5s"`), in integer nanoseconds; `min`/`max` in ns. */
export function duration<O extends Opts & { readonly min?: number; readonly max?: number }>(o: O): DurationNode<PresenceOf<O>> {
  return { kind: "duration", ...base(o), min: o.min ?? 0, max: o.max ?? MAX_DURATION_NS };
}

/** A frequency in Hz: an integer, or a string with a unit (`"14.318MHz"`). */
export function frequency<O extends Opts & { readonly min: number; readonly max: number }>(o: O): FrequencyNode<PresenceOf<O>> {
  return { kind: "frequency", ...base(o), min: o.min, max: o.max };
}

/** A non-empty string; `what` says what it is (e.g. "a file path"). */
export function text<O extends Opts & { readonly what: string }>(o: O): StringNode<PresenceOf<O>> {
  return { kind: "string", ...base(o), what: o.what };
}

type Collection<O> = O extends { readonly required: true } ? "required" : "default";

/** A list; absent, it is empty. */
export function list<I extends AnyNode, O extends Opts & { readonly maxItems?: number }>(items: I, o: O): ListNode<I, Collection<O>> {
  const node = { kind: "list" as const, items, ...base({ ...o, default: o.default ?? (o.required === true ? undefined : []) }), maxItems: o.maxItems ?? 1000 };
  return node as ListNode<I, Collection<O>>;
}

/** A mapping with the given fields and no others. An absent object is an empty one. */
export function object<F extends Fields, O extends Common & { readonly title: string }>(fields: F, o: O): ObjectNode<F, "default"> {
  return { kind: "object", fields, ...base(o), presence: "default", title: o.title };
}

/** A mapping whose keys come from `keys`, each holding a `values`. */
export function map<V extends AnyNode, O extends Opts & { readonly keys: readonly string[]; readonly keysWhat: string }>(values: V, o: O): MapNode<V, Collection<O>> {
  const node = { kind: "map" as const, values, ...base({ ...o, default: o.default ?? (o.required === true ? undefined : {}) }), keys: o.keys, keysWhat: o.keysWhat };
  return node as MapNode<V, Collection<O>>;
}

/** One of several forms; the first that accepts the value wins. */
export function union<const Os extends readonly AnyNode[], O extends Opts>(options: Os, o: O): UnionNode<Os, PresenceOf<O>> {
  return { kind: "union", options, ...base(o) };
}

/** Forms of an object told apart by a tag field (or by a field only that form has). */
export function variants<V extends Variants, O extends Opts & { readonly tag: string; readonly shorthand?: boolean }>(v: V, o: O): VariantsNode<V, PresenceOf<O>> {
  return { kind: "variants", variants: v, ...base(o), tag: o.tag, shorthand: o.shorthand ?? false };
}

/** The longest duration a `number` of nanoseconds holds exactly: 2^53 ns ≈ 104 days. */
const MAX_DURATION_NS = Number.MAX_SAFE_INTEGER;

// ---------------------------------------------------------------------------------------------
// Validation

/** Records where each given value was, by path, for checks that span fields. */
export class Positions {
  private readonly map = new Map<string, Pos>();
  private readonly keys = new Map<string, Pos>();

  set(path: string, pos: Pos | null): void {
    if (pos !== null) this.map.set(path, pos);
  }

  setKey(path: string, pos: Pos | null): void {
    if (pos !== null) this.keys.set(path, pos);
  }

  /** Where the key of `path` was written (for a problem with a name rather than a value). */
  keyOf(path: string): Pos | null {
    return this.keys.get(path) ?? this.of(path);
  }

  /** Whether the document gave `path` (rather than a default). */
  given(path: string): boolean {
    return this.map.has(path);
  }

  /** Where `path` was written, or its nearest written ancestor. */
  of(path: string): Pos | null {
    for (let p = path; ; p = parentPath(p)) {
      const pos = this.map.get(p);
      if (pos !== undefined) return pos;
      if (p === "") return null;
    }
  }
}

function parentPath(path: string): string {
  const m = /^(.*?)(?:\.[^.[\]]+|\[\d+\])$/.exec(path);
  return m === null ? "" : m[1]!;
}

export function childPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  return parent === "" ? key : `${parent}.${key}`;
}

class Invalid extends Error {}

interface Ctx {
  readonly diagnostics: Diagnostic[];
  readonly positions: Positions;
}

/**
 * Validates `src` against `node` and returns the typed value; every problem is appended to
 * `diagnostics` (the returned value is then incomplete and must not be used).
 */
export function validate<N extends AnyNode>(node: N, src: Source, path: string, diagnostics: Diagnostic[], positions: Positions): TypeOf<N> {
  const ctx: Ctx = { diagnostics, positions };
  try {
    return check(node, src, path, ctx) as TypeOf<N>;
  } catch (err) {
    if (err instanceof Invalid) return undefined as TypeOf<N>;
    throw err;
  }
}

function fail(ctx: Ctx, src: Source, path: string, expected: string, hint?: string): never {
  ctx.diagnostics.push(diagnostic(src.pos, path || "scenario", expected, describeSource(src), hint));
  throw new Invalid();
}

/** How a value reads in a message: `40`, `"abc"`, `true`, `nothing`, `a mapping`, `a list`. */
export function describeSource(src: Source): string {
  if (src.t === "map") return "a mapping";
  if (src.t === "seq") return "a list";
  if (src.value === null) return "nothing";
  if (typeof src.value === "string") return JSON.stringify(src.value.length > 60 ? `${src.value.slice(0, 57)}...` : src.value);
  return src.text;
}

function check(node: AnyNode, src: Source, path: string, ctx: Ctx): unknown {
  ctx.positions.set(path, src.pos);
  switch (node.kind) {
    case "integer":
      return checkInteger(node, src, path, ctx);
    case "boolean":
      if (src.t === "scalar" && typeof src.value === "boolean") return src.value;
      return fail(ctx, src, path, expectation(node));
    case "enum":
      if (src.t === "scalar" && (node.values as readonly unknown[]).includes(src.value)) return src.value;
      return fail(ctx, src, path, expectation(node), src.t === "scalar" && typeof src.value === "string" ? suggest(src.value, node.values.map(String)) : undefined);
    case "duration":
      return checkDuration(node, src, path, ctx);
    case "frequency":
      return checkFrequency(node, src, path, ctx);
    case "string":
      if (src.t === "scalar" && typeof src.value === "string" && src.value.trim() !== "") return src.value;
      return fail(ctx, src, path, expectation(node));
    case "list":
      return checkList(node, src, path, ctx);
    case "object":
      return checkObject(node, src, path, ctx);
    case "map":
      return checkMap(node, src, path, ctx);
    case "union":
      return checkUnion(node, src, path, ctx);
    case "variants":
      return checkVariants(node, src, path, ctx);
  }
}

function checkInteger(node: IntegerNode, src: Source, path: string, ctx: Ctx): number {
  let v: number | undefined;
  if (src.t === "scalar" && typeof src.value === "number") v = src.value;
  else if (node.hex === true && src.t === "scalar" && typeof src.value === "string" && /^0[xX][0-9a-fA-F_]+$/.test(src.value.trim())) {
    v = Number.parseInt(src.value.trim().replace(/_/g, ""), 16);
  }
  if (v === undefined || !Number.isSafeInteger(v) || v < node.min || v > node.max) return fail(ctx, src, path, expectation(node));
  return v;
}

/**
 * Parses a duration that has a unit (sim/time's parseDuration, which alone would also read a
 * bare number as nanoseconds: in a scenario `duration: 1` is a mistake, not 1 ns).
 */
export function parseDurationWithUnit(text: string): number | undefined {
  return /[a-zµ]\s*$/.test(text) ? parseDuration(text) : undefined;
}

/** A duration in the largest unit that divides it exactly: `6000000` → `6ms`, `1500000` → `1500us`. */
export function formatDuration(ns: number): string {
  for (const [unit, k] of [["h", 3600e9], ["min", 60e9], ["s", 1e9], ["ms", 1e6], ["us", 1e3]] as const) {
    if (ns >= k && ns % k === 0) return `${ns / k}${unit}`;
  }
  return `${ns}ns`;
}

function checkDuration(node: DurationNode, src: Source, path: string, ctx: Ctx): number {
  const v = src.t === "scalar" && typeof src.value === "string" ? parseDurationWithUnit(src.value) : undefined;
  if (v === undefined || v < node.min || v > node.max) {
    const hint = src.t === "scalar" && typeof src.value === "number" ? `write the unit, e.g. "${src.value}ms"` : undefined;
    return fail(ctx, src, path, expectation(node), hint);
  }
  return v;
}

const FREQ_RE = /^\s*(\d+(?:\.\d+)?)\s*(Hz|kHz|MHz|GHz)\s*$/;
const UNIT_HZ: Readonly<Record<string, number>> = { Hz: 1, kHz: 1e3, MHz: 1e6, GHz: 1e9 };

function checkFrequency(node: FrequencyNode, src: Source, path: string, ctx: Ctx): number {
  let v: number | undefined;
  if (src.t === "scalar" && typeof src.value === "number") v = src.value;
  else if (src.t === "scalar" && typeof src.value === "string") {
    const m = FREQ_RE.exec(src.value);
    if (m !== null) v = Math.round(Number(m[1]) * UNIT_HZ[m[2]!]!);
  }
  if (v === undefined || !Number.isSafeInteger(v) || v < node.min || v > node.max) return fail(ctx, src, path, expectation(node));
  return v;
}

function checkList(node: ListNode, src: Source, path: string, ctx: Ctx): unknown[] {
  if (src.t === "scalar" && src.value === null) return [];
  if (src.t !== "seq" || src.items.length > node.maxItems) return fail(ctx, src, path, expectation(node));
  return collect(src.items.map((item, i) => () => check(node.items, item, childPath(path, i), ctx)));
}

/** Runs every check, so one bad item does not hide the next; rethrows if any failed. */
function collect<T>(checks: ReadonlyArray<() => T>): T[] {
  const out: T[] = [];
  let failed = false;
  for (const c of checks) {
    try {
      out.push(c());
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      failed = true;
    }
  }
  if (failed) throw new Invalid();
  return out;
}

/** The entries of a mapping; nothing written (`kernel:`) is an empty mapping. */
function entriesOf(src: Source, path: string, ctx: Ctx, expected: string): readonly MapEntry[] {
  if (src.t === "scalar" && src.value === null) return [];
  if (src.t !== "map") return fail(ctx, src, path, expected);
  return src.entries;
}

function checkObject(node: ObjectNode, src: Source, path: string, ctx: Ctx, skip: ReadonlySet<string> = new Set()): Record<string, unknown> {
  const entries = entriesOf(src, path, ctx, expectation(node));
  const names = Object.keys(node.fields);
  const checks: Array<() => void> = [];
  const out: Record<string, unknown> = {};
  for (const e of entries) {
    if (skip.has(e.key)) continue;
    if (!Object.hasOwn(node.fields, e.key)) {
      checks.push(() => unknownField(ctx, e, path, node.title, names));
    }
  }
  for (const [name, field] of Object.entries(node.fields)) {
    if (skip.has(name)) continue;
    const given = entries.find((e) => e.key === name);
    const fieldPath = childPath(path, name);
    if (given !== undefined) {
      checks.push(() => void (out[name] = check(field, given.value, fieldPath, ctx)));
    } else if (field.presence === "required") {
      checks.push(() => {
        ctx.diagnostics.push(diagnostic(src.pos, fieldPath, `${expectation(field)} (the field is required)`, "nothing"));
        throw new Invalid();
      });
    } else if (field.default !== undefined || field.kind === "object") {
      checks.push(() => void (out[name] = fromDefault(field, fieldPath, ctx)));
    }
  }
  collect(checks);
  return out;
}

function unknownField(ctx: Ctx, e: MapEntry, path: string, title: string, names: readonly string[]): never {
  const hint = suggest(e.key, names);
  ctx.diagnostics.push(diagnostic(e.keyPos, childPath(path, e.key), `a field of ${title} (${names.join(", ")})`, `unknown field '${e.key}'`, hint));
  throw new Invalid();
}

/** A default, validated as if it had been written (an invalid default is a bug in the schema). */
function fromDefault(node: AnyNode, path: string, ctx: Ctx): unknown {
  const before = ctx.diagnostics.length;
  const scratch = new Positions();
  try {
    return check(node, toSource(node.default ?? null, null), path, { diagnostics: ctx.diagnostics, positions: scratch });
  } catch (err) {
    if (err instanceof Invalid) throw new Error(`schema bug: the default of ${path} is invalid: ${ctx.diagnostics.slice(before).map((d) => d.message).join("; ")}`, { cause: err });
    throw err;
  }
}

/** A plain value (a default) as a Source without positions. */
export function toSource(value: unknown, pos: Pos | null): Source {
  if (Array.isArray(value)) return { t: "seq", pos, items: value.map((v) => toSource(v, pos)) };
  if (value !== null && typeof value === "object") {
    return { t: "map", pos, entries: Object.entries(value).map(([key, v]) => ({ key, keyPos: pos, value: toSource(v, pos) })) };
  }
  const scalar = typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? value : null;
  return { t: "scalar", pos, value: scalar, text: String(scalar) };
}

function checkMap(node: MapNode, src: Source, path: string, ctx: Ctx): Record<string, unknown> {
  const entries = entriesOf(src, path, ctx, expectation(node));
  const out: Record<string, unknown> = {};
  collect(
    entries.map((e) => () => {
      const p = childPath(path, e.key);
      ctx.positions.setKey(p, e.keyPos);
      if (!node.keys.includes(e.key)) {
        ctx.diagnostics.push(diagnostic(e.keyPos, p, node.keys.length <= 8 ? `one of ${node.keys.join(", ")}` : node.keysWhat, `'${e.key}'`, suggest(e.key, node.keys)));
        throw new Invalid();
      }
      out[e.key] = check(node.values, e.value, p, ctx);
    }),
  );
  return out;
}

function checkUnion(node: UnionNode, src: Source, path: string, ctx: Ctx): unknown {
  for (const option of node.options) {
    const scratch: Diagnostic[] = [];
    try {
      return check(option, src, path, { diagnostics: scratch, positions: ctx.positions });
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
    }
  }
  return fail(ctx, src, path, expectation(node));
}

function checkVariants(node: VariantsNode, src: Source, path: string, ctx: Ctx): Record<string, unknown> {
  const names = Object.keys(node.variants);
  const tagged = names.filter((n) => node.variants[n]!.has === undefined);
  if (src.t === "scalar" && typeof src.value === "string" && node.shorthand) {
    if (!tagged.includes(src.value)) return fail(ctx, src, path, expectation(node), suggest(src.value, tagged));
    return { variant: src.value, ...checkObject(node.variants[src.value]!.node, toSource(null, src.pos), path, ctx) };
  }
  const entries = entriesOf(src, path, ctx, expectation(node));
  const keyed = names.find((n) => {
    const has = node.variants[n]!.has;
    return has !== undefined && entries.some((e) => e.key === has);
  });
  const tagEntry = entries.find((e) => e.key === node.tag);
  let chosen: string;
  if (keyed !== undefined) {
    if (tagEntry !== undefined) {
      const has = node.variants[keyed]!.has!;
      ctx.diagnostics.push(diagnostic(tagEntry.keyPos, childPath(path, node.tag), `either '${node.tag}' or '${has}'`, "both"));
      throw new Invalid();
    }
    chosen = keyed;
  } else if (tagEntry !== undefined) {
    const v = tagEntry.value;
    const tagPath = childPath(path, node.tag);
    ctx.positions.set(tagPath, v.pos);
    if (v.t !== "scalar" || typeof v.value !== "string" || !tagged.includes(v.value)) {
      return fail(ctx, v, tagPath, `one of ${tagged.map((n) => JSON.stringify(n)).join(", ")}`, v.t === "scalar" && typeof v.value === "string" ? suggest(v.value, tagged) : undefined);
    }
    chosen = v.value;
  } else if (typeof node.default === "string" && tagged.includes(node.default)) {
    chosen = node.default;
  } else {
    return fail(ctx, src, childPath(path, node.tag), `the field '${node.tag}' (${tagged.join(", ")})`);
  }
  return { variant: chosen, ...checkObject(node.variants[chosen]!.node, src, path, ctx, new Set([node.tag])) };
}

/** "did you mean 'x'?" for a close name: same letters ignoring case, or at most a third of them wrong. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  if (best === undefined || bestDistance > Math.max(1, Math.floor(word.length / 3))) return undefined;
  return `did you mean '${best}'?`;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** What a node accepts, in words, for messages. */
export function expectation(node: AnyNode): string {
  switch (node.kind) {
    case "integer":
      return node.max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${node.min}` : node.hex === true ? `an integer ${node.min}..0x${node.max.toString(16)} (decimal or "0x…")` : `an integer ${node.min}..${node.max}`;
    case "boolean":
      return "true or false";
    case "enum":
      return node.values.length === 1 ? JSON.stringify(node.values[0]) : `one of ${node.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "duration":
      return `a duration with a unit (ns, us, ms, s, min, h)${durationRange(node)}`;
    case "frequency":
      return `a frequency ${node.min}..${node.max} Hz (a number, or a string such as "14.318MHz")`;
    case "string":
      return node.what;
    case "list":
      return `a list (each: ${expectation(node.items)})`;
    case "object":
      return `a mapping (${node.title})`;
    case "map":
      return node.keys.length <= 8 ? `a mapping of ${node.keys.join(", ")} to ${expectation(node.values)}` : `a mapping from ${node.keysWhat} to ${expectation(node.values)}`;
    case "union":
      return node.options.map(expectation).join(" or ");
    case "variants": {
      const tagged = Object.keys(node.variants).filter((n) => node.variants[n]!.has === undefined);
      const keyed = Object.values(node.variants).flatMap((v) => (v.has === undefined ? [] : [`{${v.has}: …}`]));
      const mapping = `a mapping (with '${node.tag}'${keyed.length === 0 ? "" : `, or ${keyed.join(" or ")}`})`;
      return node.shorthand ? `one of ${tagged.map((t) => JSON.stringify(t)).join(", ")} or ${mapping}` : mapping;
    }
  }
}

function durationRange(node: DurationNode): string {
  const hasMin = node.min > 0;
  const hasMax = node.max < MAX_DURATION_NS;
  if (hasMin && hasMax) return ` from ${formatDuration(node.min)} to ${formatDuration(node.max)}`;
  if (hasMin) return ` of at least ${formatDuration(node.min)}`;
  if (hasMax) return ` of at most ${formatDuration(node.max)}`;
  return "";
}

// ---------------------------------------------------------------------------------------------
// JSON Schema (draft 2020-12)

export type JsonSchema = { readonly [key: string]: unknown };

const DURATION_PATTERN = "^\\s*\\d+(\\.\\d+)?\\s*(ns|us|µs|ms|s|min|h)\\s*$";
const FREQUENCY_PATTERN = "^\\s*\\d+(\\.\\d+)?\\s*(Hz|kHz|MHz|GHz)\\s*$";

/** The JSON Schema of a node (without the document header). */
export function jsonSchema(node: AnyNode): JsonSchema {
  const note = node.defaultNote === undefined ? "" : ` Default: ${node.defaultNote}`;
  const meta: Record<string, unknown> = { description: `${node.description}${note}` };
  if (node.default !== undefined) meta.default = node.default;
  if (node.examples !== undefined) meta.examples = node.examples;
  return { ...meta, ...shape(node) };
}

function shape(node: AnyNode): JsonSchema {
  switch (node.kind) {
    case "integer": {
      const int = { type: "integer", minimum: node.min, maximum: node.max };
      return node.hex === true ? { anyOf: [int, { type: "string", pattern: "^0[xX][0-9a-fA-F_]+$" }] } : int;
    }
    case "boolean":
      return { type: "boolean" };
    case "enum":
      return node.values.length === 1 ? { const: node.values[0] } : { enum: node.values };
    case "duration":
      return { type: "string", pattern: DURATION_PATTERN };
    case "frequency":
      return { anyOf: [{ type: "integer", minimum: node.min, maximum: node.max }, { type: "string", pattern: FREQUENCY_PATTERN }] };
    case "string":
      return { type: "string", minLength: 1 };
    case "list":
      return { type: ["array", "null"], items: jsonSchema(node.items), maxItems: node.maxItems };
    case "object":
      return objectSchema(node);
    case "map":
      return { type: ["object", "null"], propertyNames: { enum: node.keys }, additionalProperties: jsonSchema(node.values) };
    case "union":
      return { anyOf: node.options.map(jsonSchema) };
    case "variants":
      return variantsSchema(node);
  }
}

function objectSchema(node: ObjectNode, tag?: { name: string; value: string; optional: boolean }): JsonSchema {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  if (tag !== undefined) {
    properties[tag.name] = { const: tag.value };
    if (!tag.optional) required.push(tag.name);
  }
  for (const [name, field] of Object.entries(node.fields)) {
    properties[name] = jsonSchema(field);
    if (field.presence === "required") required.push(name);
  }
  return {
    type: tag === undefined ? ["object", "null"] : "object",
    ...(tag === undefined ? {} : { title: node.title }),
    properties,
    ...(required.length === 0 ? {} : { required }),
    additionalProperties: false,
  };
}

function variantsSchema(node: VariantsNode): JsonSchema {
  const forms: JsonSchema[] = [];
  const tagged = Object.keys(node.variants).filter((n) => node.variants[n]!.has === undefined);
  if (node.shorthand) forms.push({ type: "string", enum: tagged, description: "A variant with all its fields defaulted." });
  for (const [name, v] of Object.entries(node.variants)) {
    const schema = v.has === undefined ? objectSchema(v.node, { name: node.tag, value: name, optional: node.default === name }) : objectSchema(v.node, undefined);
    forms.push(v.has === undefined ? { description: v.node.description, ...schema } : { description: v.node.description, ...schema, type: "object", required: [v.has] });
  }
  return { oneOf: forms };
}
