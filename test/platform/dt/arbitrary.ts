/**
 * fast-check generators of device trees that dtc would accept: names from dtc's character sets
 * (checks.c NODECHARS / PROPCHARS), unique among siblings, labels unique in the tree, values of
 * every shape (strings that need escapes, cells, odd byte runs).
 */
import fc from "fast-check";
import { guessBootCpuid, type DtNode, type DtProperty, type DtTree } from "../../../src/platform/dt/index.js";

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const NODE_CHARS = `${LOWER}ABCXYZ0123456789,._+-`;
const PROP_CHARS = `${LOWER}ABCXYZ0123456789,._+*#?-`;
/** Property names a real tree gives special meaning to; generated separately or not at all. */
const RESERVED = new Set(["name", "phandle", "linux,phandle"]);

const chars = (set: string, min: number, max: number) => fc.string({ unit: fc.constantFrom(...set), minLength: min, maxLength: max });

export const nodeName = fc.tuple(chars(NODE_CHARS, 1, 8), fc.option(chars(NODE_CHARS, 1, 6), { nil: undefined })).map(([base, unit]) => (unit === undefined ? base : `${base}@${unit}`));

export const propName = fc.oneof(
  { weight: 20, arbitrary: chars(PROP_CHARS, 1, 12).filter((n) => !RESERVED.has(n)) },
  // Names a DTS line could mistake for cpp directives; formatDts must still write them readably.
  { weight: 1, arbitrary: fc.constantFrom("#include", "#if", "#define", "#endif") },
);

const be32 = (vs: number[]): Uint8Array => {
  const out = new Uint8Array(vs.length * 4);
  vs.forEach((v, i) => new DataView(out.buffer).setUint32(4 * i, v));
  return out;
};

/** Printable text plus the escapes dtc writes (\a \b \t \n \v \f \r, quote, backslash). */
const textUnit = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.constantFrom(7, 8, 9, 10, 11, 12, 13, 0x22, 0x5c));

export const value: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc.uint8Array({ maxLength: 24 }),
  fc.array(fc.array(textUnit, { minLength: 0, maxLength: 10 }), { minLength: 1, maxLength: 3 }).map((ss) => Uint8Array.from(ss.flatMap((s) => [...s, 0]))),
  fc.array(fc.integer({ min: 0, max: 0xffff_ffff }), { maxLength: 6 }).map(be32),
);

const labelStem = fc.tuple(fc.constantFrom(..."abcxyzLMN_"), chars(`${LOWER}0123456789_`, 0, 5)).map(([a, b]) => a + b);

const property: fc.Arbitrary<DtProperty> = fc.record({ name: propName, value, labels: fc.array(labelStem, { maxLength: 2 }) });

const { node } = fc.letrec<{ node: DtNode }>((tie) => ({
  node: fc.record({
    name: nodeName,
    labels: fc.array(labelStem, { maxLength: 2 }),
    properties: fc.uniqueArray(property, { selector: (p) => p.name, maxLength: 5 }),
    children: fc.oneof({ depthSize: "small" }, fc.constant<DtNode[]>([]), fc.uniqueArray(tie("node"), { selector: (n) => n.name, maxLength: 4 })),
  }),
}));

/** Labels made unique across the tree by a counter suffix (dtc refuses duplicates). */
function uniqueLabels(root: DtNode): void {
  let n = 0;
  const fix = (labels: string[]): string[] => [...new Set(labels)].map((l) => `${l}_${n++}`);
  const walk = (x: DtNode): void => {
    x.labels = fix(x.labels);
    for (const p of x.properties) p.labels = fix(p.labels);
    x.children.forEach(walk);
  };
  walk(root);
}

function withoutLabels(x: DtNode): DtNode {
  return { name: x.name, labels: [], properties: x.properties.map((p) => ({ ...p, labels: [] })), children: x.children.map(withoutLabels) };
}

const reservation = fc
  .record({ address: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), size: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) })
  .filter((r) => r.address !== 0n || r.size !== 0n); // (0, 0) ends the map

/** Trees as a DTS can say them: labels, and the boot CPU dtc guesses. */
export const dtsTree: fc.Arbitrary<DtTree> = fc
  .record({ root: node, memreserve: fc.array(reservation, { maxLength: 3 }) })
  .map(({ root, memreserve }) => {
    const r = { ...structuredClone(root), name: "" };
    uniqueLabels(r);
    return { root: r, memreserve, bootCpuid: guessBootCpuid(r) };
  });

/** Trees as a DTB holds them: no labels, any boot CPU. */
export const dtbTree: fc.Arbitrary<DtTree> = fc
  .record({ root: node, memreserve: fc.array(reservation, { maxLength: 3 }), bootCpuid: fc.integer({ min: 0, max: 0xffff_ffff }) })
  .map(({ root, memreserve, bootCpuid }) => ({ root: { ...withoutLabels(root), name: "" }, memreserve, bootCpuid }));
