/**
 * A small JSON Schema (draft 2020-12) checker for the keywords `vplat schema` emits, written
 * from the specification (json-schema.org/draft/2020-12/json-schema-validation and -core), so
 * the tests can check the generated schema against documents without a dependency.
 * Returns the problems found (empty: valid).
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { readonly [key: string]: unknown };

const KNOWN = new Set([
  "$schema",
  "title",
  "description",
  "default",
  "examples",
  "type",
  "enum",
  "const",
  "minimum",
  "maximum",
  "minLength",
  "pattern",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "maxItems",
  "oneOf",
  "anyOf",
  "propertyNames",
]);

function typeOf(v: Json): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function typeMatches(v: Json, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === "number" && actual === "integer");
}

export function check(schema: Schema, v: Json, path = "$"): string[] {
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) return [`${path}: the checker does not know keyword ${k}`];
  const out: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => typeMatches(v, t))) return [`${path}: type ${typeOf(v)} is not ${types.join("|")}`];
  }
  if (schema.enum !== undefined && !(schema.enum as Json[]).some((e) => e === v)) out.push(`${path}: ${JSON.stringify(v)} not in enum`);
  if (schema.const !== undefined && schema.const !== v) out.push(`${path}: ${JSON.stringify(v)} is not ${JSON.stringify(schema.const)}`);
  if (typeof v === "number") {
    if (typeof schema.minimum === "number" && v < schema.minimum) out.push(`${path}: ${v} < minimum ${schema.minimum}`);
    if (typeof schema.maximum === "number" && v > schema.maximum) out.push(`${path}: ${v} > maximum ${schema.maximum}`);
  }
  if (typeof v === "string") {
    if (typeof schema.minLength === "number" && [...v].length < schema.minLength) out.push(`${path}: shorter than ${schema.minLength}`);
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(v)) out.push(`${path}: ${JSON.stringify(v)} does not match ${schema.pattern}`);
  }
  if (Array.isArray(v)) {
    if (typeof schema.maxItems === "number" && v.length > schema.maxItems) out.push(`${path}: more than ${schema.maxItems} items`);
    if (schema.items !== undefined) v.forEach((item, i) => out.push(...check(schema.items as Schema, item, `${path}[${i}]`)));
  }
  if (v !== null && typeof v === "object" && !Array.isArray(v)) out.push(...checkObject(schema, v, path));
  if (schema.anyOf !== undefined && !(schema.anyOf as Schema[]).some((s) => check(s, v, path).length === 0)) out.push(`${path}: matches none of anyOf`);
  if (schema.oneOf !== undefined) {
    const n = (schema.oneOf as Schema[]).filter((s) => check(s, v, path).length === 0).length;
    if (n !== 1) out.push(`${path}: matches ${n} of oneOf, not exactly 1`);
  }
  return out;
}

function checkObject(schema: Schema, v: { [key: string]: Json }, path: string): string[] {
  const out: string[] = [];
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  for (const r of (schema.required ?? []) as string[]) if (!(r in v)) out.push(`${path}: missing ${r}`);
  for (const [k, val] of Object.entries(v)) {
    if (schema.propertyNames !== undefined) out.push(...check(schema.propertyNames as Schema, k, `${path}.${k} (name)`));
    if (k in props) out.push(...check(props[k]!, val, `${path}.${k}`));
    else if (schema.additionalProperties === false) out.push(`${path}: unknown property ${k}`);
    else if (typeof schema.additionalProperties === "object" && schema.additionalProperties !== null) {
      out.push(...check(schema.additionalProperties as Schema, val, `${path}.${k}`));
    }
  }
  return out;
}
