/**
 * The DTB reader and writer against the layout of the Devicetree Specification v0.4 chapter 5
 * (header fields §5.2, reservation map §5.3, structure block tokens §5.4, strings §5.5) and
 * dtc's flattree.c (layout order, string table reuse). Blobs for the reader are assembled here
 * word by word, independently of writeDtb().
 */
import { describe, expect, it } from "vitest";
import { parseDtb, writeDtb, type DtTree } from "../../../src/platform/dt/index.js";
import { cells, childNames, dtError, prop, propNames } from "./helpers.js";

const BEGIN_NODE = 1;
const END_NODE = 2;
const PROP = 3;
const NOP = 4;
const END = 9;

/** Word- and byte-level assembly of a structure block. */
class Struct {
  readonly bytes: number[] = [];
  word(...ws: number[]): this {
    for (const w of ws) this.bytes.push(w >>> 24, (w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff);
    return this;
  }
  begin(name: string): this {
    this.word(BEGIN_NODE);
    for (const c of name) this.bytes.push(c.charCodeAt(0));
    this.bytes.push(0);
    while (this.bytes.length % 4 !== 0) this.bytes.push(0);
    return this;
  }
  prop(nameoff: number, value: number[]): this {
    this.word(PROP, value.length, nameoff);
    this.bytes.push(...value);
    while (this.bytes.length % 4 !== 0) this.bytes.push(0);
    return this;
  }
  end(): this {
    return this.word(END_NODE);
  }
}

interface BlobParts {
  readonly struct: Struct;
  readonly strings?: string;
  readonly rsv?: readonly (readonly [bigint, bigint])[];
  readonly version?: number;
  readonly boot?: number;
}

/** A blob laid out header, reservation map at 0x28, structure block, strings (as dtc does). */
function blob(p: BlobParts): Uint8Array {
  const version = p.version ?? 17;
  const rsv: number[] = [];
  for (const [a, s] of [...(p.rsv ?? []), [0n, 0n] as const]) {
    for (const v of [a, s]) for (let sh = 56n; sh >= 0n; sh -= 8n) rsv.push(Number((v >> sh) & 0xffn));
  }
  const strings = [...(p.strings ?? "")].map((c) => c.charCodeAt(0));
  const offStruct = 0x28 + rsv.length;
  const offStrings = offStruct + p.struct.bytes.length;
  const total = offStrings + strings.length;
  const header = new Struct().word(0xd00dfeed, total, offStruct, offStrings, 0x28, version, 16, p.boot ?? 0, strings.length);
  header.word(version >= 17 ? p.struct.bytes.length : 0);
  return Uint8Array.from([...header.bytes, ...rsv, ...p.struct.bytes, ...strings]);
}

function setU32(b: Uint8Array, at: number, v: number): Uint8Array {
  const out = b.slice();
  new DataView(out.buffer).setUint32(at, v);
  return out;
}

const emptyRoot = () => new Struct().begin("").end().word(END);
const tree = (t: Partial<DtTree> & Pick<DtTree, "root">): DtTree => ({ memreserve: [], bootCpuid: 0, ...t });

describe("writeDtb lays blobs out as dtc does", () => {
  it("writes the empty tree as the 72-byte v17 blob: header, one terminator entry, BEGIN_NODE \"\" END_NODE END", () => {
    const expected = new Struct()
      .word(0xd00dfeed, 0x48, 0x38, 0x48, 0x28, 17, 16, 0, 0, 0x10) // header: strings empty, struct 16 bytes
      .word(0, 0, 0, 0) // reservation map terminator
      .word(BEGIN_NODE, 0, END_NODE, END);
    expect(writeDtb(tree({ root: { name: "", labels: [], properties: [], children: [] } }))).toEqual(Uint8Array.from(expected.bytes));
  });

  it("places every block at the offsets the header gives (hand-computed example)", () => {
    const t = tree({
      memreserve: [{ address: 0x1000n, size: 0x2000n }],
      bootCpuid: 3,
      root: {
        name: "",
        labels: [],
        properties: [{ name: "#address-cells", value: cells(1), labels: [] }],
        children: [{ name: "a@1", labels: [], properties: [{ name: "reg", value: cells(1), labels: [] }], children: [] }],
      },
    });
    const expected = new Struct()
      .word(0xd00dfeed, 0x97, 0x48, 0x84, 0x28, 17, 16, 3, 0x13, 0x3c)
      .word(0, 0x1000, 0, 0x2000, 0, 0, 0, 0)
      .word(BEGIN_NODE, 0) // 0x48
      .word(PROP, 4, 0, 1) // 0x50: #address-cells at strings offset 0
      .word(BEGIN_NODE, 0x61403100) // 0x60: "a@1\0"
      .word(PROP, 4, 15, 1) // 0x68: reg after "#address-cells\0"
      .word(END_NODE, END_NODE, END); // 0x78..0x84
    const strings = [..."#address-cells\0reg\0"].map((c) => c.charCodeAt(0));
    expect(writeDtb(t)).toEqual(Uint8Array.from([...expected.bytes, ...strings]));
  });

  it("writes version 16 with its 36-byte header padded with zeroes to the map at 0x28", () => {
    const b = writeDtb(tree({ root: { name: "", labels: [], properties: [], children: [] } }), { version: 16 });
    const dv = new DataView(b.buffer);
    expect([dv.getUint32(0x14), dv.getUint32(0x18), dv.getUint32(0x10), dv.getUint32(0x24)]).toEqual([16, 16, 0x28, 0]);
    expect(b.length).toBe(0x48);
  });

  it("reuses a name already in the strings block, also as the tail of a longer one (stringtable_insert)", () => {
    const names = ["#address-cells", "#size-cells", "cells", "size-cells", "s", "#address-cells"];
    const b = writeDtb(tree({ root: { name: "", labels: [], properties: names.slice(0, 5).map((name) => ({ name, value: new Uint8Array(0), labels: [] })), children: [{ name: "c", labels: [], properties: [{ name: names[5]!, value: new Uint8Array(0), labels: [] }], children: [] }] } }));
    const dv = new DataView(b.buffer);
    const offStrings = dv.getUint32(0x0c);
    expect(String.fromCharCode(...b.subarray(offStrings))).toBe("#address-cells\0#size-cells\0");
    // Each empty property is PROP, len 0, nameoff: the nameoffs sit 8 bytes into each 12-byte record.
    const offStruct = dv.getUint32(0x08);
    const rootProps = [0, 1, 2, 3, 4].map((i) => dv.getUint32(offStruct + 8 + 12 * i + 8));
    expect(rootProps).toEqual([0, 15, 9, 16, 13]);
  });

  it("refuses names a DTB cannot hold", () => {
    expect(dtError(() => writeDtb(tree({ root: { name: "", labels: [], properties: [{ name: "a\0b", value: new Uint8Array(0), labels: [] }], children: [] } }))).message).toBe(
      '<tree>: error: property name "a\0b" at / has a character a DTB cannot hold (NUL or non-ASCII)',
    );
    expect(dtError(() => writeDtb(tree({ root: { name: "x", labels: [], properties: [], children: [] } }))).reason).toBe('the root node must be named "", not "x"');
  });
});

describe("parseDtb reads what the layout says", () => {
  const sample = () =>
    blob({
      struct: new Struct().begin("").prop(0, [0, 0, 0, 2]).begin("cpus").begin("cpu@0").prop(15, [0, 0, 0, 0]).end().end().end().word(END),
      strings: "#address-cells\0reg\0",
      rsv: [[0x4000_0000n, 0x10_0000n]],
      boot: 0,
    });

  it("reads the reservation map, boot CPU, nodes and property values", () => {
    const t = parseDtb(sample());
    expect(t.memreserve).toEqual([{ address: 0x4000_0000n, size: 0x10_0000n }]);
    expect(prop(t, "/", "#address-cells")).toEqual(cells(2));
    expect(prop(t, "/cpus/cpu@0", "reg")).toEqual(cells(0));
    expect(t.root.labels).toEqual([]);
  });

  it("reads version 16 (no size_dt_struct: the walk ends at FDT_END)", () => {
    const t = parseDtb(blob({ version: 16, struct: new Struct().begin("").begin("n").end().end().word(END), boot: 5 }));
    expect(childNames(t, "/")).toEqual(["n"]);
    expect(t.bootCpuid).toBe(5);
  });

  it("reads later versions whose last_comp_version is 16 or 17", () => {
    expect(parseDtb(setU32(blob({ struct: emptyRoot() }), 0x14, 18)).root.children).toEqual([]);
  });

  it("skips FDT_NOP tokens wherever a token may be", () => {
    const s = new Struct().word(NOP).begin("").word(NOP).prop(0, [1]).word(NOP).begin("n").word(NOP).end().word(NOP).end().word(NOP, END);
    const t = parseDtb(blob({ struct: s, strings: "p\0" }));
    expect(prop(t, "/", "p")).toEqual(Uint8Array.of(1));
    expect(childNames(t, "/")).toEqual(["n"]);
  });

  it("ignores bytes past totalsize", () => {
    const b = sample();
    expect(parseDtb(Uint8Array.from([...b, 0xde, 0xad])).memreserve).toHaveLength(1);
  });

  it("drops a name property equal to the node's base name, as dtc does for any input", () => {
    const t = parseDtb(blob({ struct: new Struct().begin("").begin("gce@1").prop(0, [0x67, 0x63, 0x65, 0]).prop(5, []).end().end().word(END), strings: "name\0x\0" }));
    expect(propNames(t, "/gce@1")).toEqual(["x"]);
  });
});

describe("parseDtb errors give the byte offset of the problem", () => {
  const good = () => blob({ struct: emptyRoot() });
  const at = (b: Uint8Array) => dtError(() => parseDtb(b, { file: "board.dtb" }));

  it("checks the header fields", () => {
    expect(at(Uint8Array.of(1, 2)).message).toBe("board.dtb: offset 0x0: error: a DTB is at least 36 bytes, this one has 2");
    expect(at(setU32(good(), 0, 0x12345678)).message).toBe("board.dtb: offset 0x0: error: bad magic 0x12345678 (a DTB starts with 0xd00dfeed)");
    expect(at(setU32(good(), 0x14, 15)).message).toBe("board.dtb: offset 0x14: error: version 15 is not supported (vplat reads versions 16 and 17)");
    expect(at(setU32(good(), 0x18, 18)).message).toBe("board.dtb: offset 0x18: error: last_comp_version 18: the blob needs a reader of version 18 or later");
    expect(at(setU32(good(), 0x04, 0x100)).message).toBe("board.dtb: offset 0x4: error: totalsize 0x100 exceeds the 0x48 bytes given");
    expect(at(setU32(good(), 0x04, 0x20)).message).toBe("board.dtb: offset 0x4: error: totalsize 0x20 is smaller than the 40-byte header");
    expect(at(setU32(good(), 0x10, 0x2c)).message).toBe("board.dtb: offset 0x10: error: off_mem_rsvmap 0x2c is not 8-byte aligned");
    expect(at(setU32(good(), 0x08, 0x3a)).message).toBe("board.dtb: offset 0x8: error: off_dt_struct 0x3a is not 4-byte aligned");
    expect(at(setU32(good(), 0x08, 0x10)).message).toBe("board.dtb: offset 0x8: error: off_dt_struct 0x10 points into the header");
    expect(at(setU32(good(), 0x20, 8)).message).toBe("board.dtb: offset 0xc: error: block at off_dt_strings 0x48 (size 0x8) runs past totalsize 0x48");
    expect(at(setU32(good(), 0x24, 0x14)).message).toBe("board.dtb: offset 0x24: error: block at off_dt_struct 0x38 (size 0x14) runs past totalsize 0x48");
  });

  it("requires the reservation map's (0, 0) terminator inside the blob", () => {
    expect(at(setU32(good(), 0x10, 0x40)).message).toBe("board.dtb: offset 0x40: error: the memory reservation map has no (0, 0) terminator before totalsize");
  });

  it("checks the structure block token by token", () => {
    const s = (st: Struct, strings = "p\0") => at(blob({ struct: st, strings }));
    expect(s(new Struct().end().word(END)).message).toBe("board.dtb: offset 0x38: error: the structure block starts with token 0x2, not FDT_BEGIN_NODE");
    expect(s(new Struct().begin("").word(0x77).end().word(END)).message).toBe("board.dtb: offset 0x40: error: unknown token 0x00000077");
    expect(s(new Struct().begin("").word(END)).message).toBe("board.dtb: offset 0x40: error: FDT_END inside a node (1 FDT_END_NODE missing)");
    expect(s(new Struct().begin("").prop(9, []).end().word(END)).message).toBe("board.dtb: offset 0x48: error: name offset 0x9 is outside the 0x2-byte strings block");
    expect(s(new Struct().begin("").prop(0, []).end().word(END), "pq").message).toBe("board.dtb: offset 0x48: error: the name at strings offset 0x0 has no NUL before the end of the strings block");
    expect(s(new Struct().begin("").word(PROP, 0x100, 0).end().word(END)).message).toBe("board.dtb: offset 0x40: error: the property value (0x100 bytes) runs past the end of the structure block");
    expect(s(new Struct().begin("").begin("n").end().prop(0, []).end().word(END)).message).toBe("board.dtb: offset 0x4c: error: FDT_PROP after a subnode (properties must come before subnodes)");
    expect(s(new Struct().begin("root").end().word(END)).message).toBe('board.dtb: offset 0x38: error: the root node is named "root"; in version 16 and later it has an empty name');
    expect(s(new Struct().begin("").end().word(NOP)).message).toBe("board.dtb: offset 0x48: error: the FDT_END token runs past the end of the structure block (0x48)");
    expect(s(new Struct().begin("").end().begin("").end().word(END)).message).toBe("board.dtb: offset 0x44: error: token 0x1 after the root node, expected FDT_END");
    expect(s(new Struct().word(BEGIN_NODE, 0x61616161)).message).toBe("board.dtb: offset 0x38: error: the node name has no NUL before the end of the structure block");
    expect(s(new Struct().begin("").begin("").end().end().word(END)).message).toBe("board.dtb: offset 0x40: error: a node with an empty name (only the root has one)");
    expect(s(new Struct().begin("").prop(1, []).end().word(END)).message).toBe("board.dtb: offset 0x48: error: the name at strings offset 0x1 is empty");
  });

  it("runs dtc's structural checks with offsets: duplicates, name characters, phandles", () => {
    const s = (st: Struct, strings = "p\0phandle\0") => at(blob({ struct: st, strings })).message;
    expect(s(new Struct().begin("").begin("n").end().begin("n").end().end().word(END))).toBe('board.dtb: offset 0x4c: error: duplicate node name "n" in /');
    expect(s(new Struct().begin("").prop(0, []).prop(0, []).end().word(END))).toBe('board.dtb: offset 0x4c: error: duplicate property "p" in / (first defined at offset 0x40)');
    expect(s(new Struct().begin("").begin("a b").end().end().word(END))).toBe("board.dtb: offset 0x40: error: bad character ' ' in node name \"a b\"");
    expect(s(new Struct().begin("").begin("n").prop(2, [0, 0, 0, 0]).end().end().word(END))).toBe('board.dtb: offset 0x48: error: bad phandle value 0x0 in property "phandle" of /n');
  });

  it("refuses absurd nesting", () => {
    const st = new Struct().begin("");
    for (let i = 0; i < 600; i++) st.begin("n");
    expect(at(blob({ struct: st })).reason).toBe("nodes nested deeper than 512 levels");
  });
});
