/**
 * The flattened device tree (Devicetree Specification v0.4 chapter 5; dtc's libfdt/fdt.h and
 * flattree.c), versions 16 and 17.
 *
 * Layout written, as dtc's dt_to_blob(): the header (40 bytes for v17, 36 for v16, then zeroes to
 * 8-byte alignment), the memory reservation map at 0x28 ending with a (0, 0) entry, the structure
 * block, then the strings block. Property names go into the strings block as dtc's
 * stringtable_insert() does: a name is reused wherever the block already holds it followed by a
 * NUL, including as the tail of a longer name ("cells" inside "#address-cells").
 *
 * Reading checks every offset, size, alignment and nesting rule and reports the byte offset of
 * the first violation, then runs the structural checks dtc runs on any input (duplicate and badly
 * formed names, phandle values); like dtc, it drops a `name` property that repeats the node name.
 */
import { ByteBuf, latin1, readU32, readU64 } from "./bytes.js";
import { runStructureChecks } from "./checks.js";
import { MAX_NODE_DEPTH, addChild, newNode, newProp, toPublicNode, type Node } from "./live.js";
import { DtError, type DtNode, type DtReserve, type DtTree } from "./types.js";

export const FDT_MAGIC = 0xd00d_feed;
export const FDT_BEGIN_NODE = 0x1;
export const FDT_END_NODE = 0x2;
export const FDT_PROP = 0x3;
export const FDT_NOP = 0x4;
export const FDT_END = 0x9;

/** Header field offsets (fdt.h struct fdt_header). */
const HDR = {
  magic: 0x00,
  totalsize: 0x04,
  off_dt_struct: 0x08,
  off_dt_strings: 0x0c,
  off_mem_rsvmap: 0x10,
  version: 0x14,
  last_comp_version: 0x18,
  boot_cpuid_phys: 0x1c,
  size_dt_strings: 0x20,
  size_dt_struct: 0x24,
} as const;

const V16_HEADER_SIZE = 36; // FDT_V3_SIZE: no size_dt_struct
const V17_HEADER_SIZE = 40; // FDT_V17_SIZE
const RSVMAP_OFFSET = 40; // ALIGN(header size, 8) for both versions
const LAST_COMP_VERSION = 16;

class DtbReader {
  constructor(
    readonly b: Uint8Array,
    private readonly file: string,
  ) {}

  fail(offset: number, reason: string): never {
    throw new DtError({ file: this.file, offset }, reason);
  }

  /** A big-endian word of the structure block, which ends at `end`. */
  u32(at: number, what: string, end: number): number {
    if (at + 4 > end) this.fail(at, `${what} runs past the end of the structure block (0x${end.toString(16)})`);
    return readU32(this.b, at);
  }
}

interface Header {
  totalsize: number;
  version: number;
  offStruct: number;
  structEnd: number;
  offStrings: number;
  sizeStrings: number;
  offRsvmap: number;
  bootCpuid: number;
}

function readHeader(r: DtbReader, b: Uint8Array): Header {
  if (b.length < 4) r.fail(0, `a DTB is at least ${V16_HEADER_SIZE} bytes, this one has ${b.length}`);
  const magic = readU32(b, HDR.magic);
  if (magic !== FDT_MAGIC) r.fail(HDR.magic, `bad magic 0x${magic.toString(16).padStart(8, "0")} (a DTB starts with 0xd00dfeed)`);
  if (b.length < V16_HEADER_SIZE) r.fail(b.length, `the header needs ${V16_HEADER_SIZE} bytes, the blob has ${b.length}`);
  const version = readU32(b, HDR.version);
  const lastComp = readU32(b, HDR.last_comp_version);
  if (version < 16) r.fail(HDR.version, `version ${version} is not supported (vplat reads versions 16 and 17)`);
  if (lastComp > 17) r.fail(HDR.last_comp_version, `last_comp_version ${lastComp}: the blob needs a reader of version ${lastComp} or later`);
  const hdrSize = version >= 17 ? V17_HEADER_SIZE : V16_HEADER_SIZE;
  const totalsize = readU32(b, HDR.totalsize);
  if (totalsize < hdrSize) r.fail(HDR.totalsize, `totalsize 0x${totalsize.toString(16)} is smaller than the ${hdrSize}-byte header`);
  if (totalsize > b.length) r.fail(HDR.totalsize, `totalsize 0x${totalsize.toString(16)} exceeds the 0x${b.length.toString(16)} bytes given`);
  const h = {
    totalsize,
    version,
    offStruct: readU32(b, HDR.off_dt_struct),
    offStrings: readU32(b, HDR.off_dt_strings),
    sizeStrings: readU32(b, HDR.size_dt_strings),
    offRsvmap: readU32(b, HDR.off_mem_rsvmap),
    bootCpuid: readU32(b, HDR.boot_cpuid_phys),
    structEnd: totalsize,
  };
  // Spec §5.1: the reservation map is 8-byte aligned, the structure block 4-byte aligned.
  checkBlock(r, HDR.off_mem_rsvmap, "off_mem_rsvmap", h.offRsvmap, 0, hdrSize, totalsize, 8);
  checkBlock(r, HDR.off_dt_struct, "off_dt_struct", h.offStruct, 0, hdrSize, totalsize, 4);
  checkBlock(r, HDR.off_dt_strings, "off_dt_strings", h.offStrings, h.sizeStrings, hdrSize, totalsize, 1);
  if (version >= 17) {
    const sizeStruct = readU32(b, HDR.size_dt_struct);
    checkBlock(r, HDR.size_dt_struct, "off_dt_struct", h.offStruct, sizeStruct, hdrSize, totalsize, 4);
    h.structEnd = h.offStruct + sizeStruct;
  }
  return h;
}

function checkBlock(r: DtbReader, field: number, name: string, off: number, size: number, hdrSize: number, total: number, align: number): void {
  if (off < hdrSize) r.fail(field, `${name} 0x${off.toString(16)} points into the header`);
  if (off % align !== 0) r.fail(field, `${name} 0x${off.toString(16)} is not ${align}-byte aligned`);
  if (off + size > total) r.fail(field, `block at ${name} 0x${off.toString(16)} (size 0x${size.toString(16)}) runs past totalsize 0x${total.toString(16)}`);
}

function readReservations(r: DtbReader, h: Header): DtReserve[] {
  const out: DtReserve[] = [];
  for (let at = h.offRsvmap; ; at += 16) {
    if (at + 16 > h.totalsize) r.fail(at, "the memory reservation map has no (0, 0) terminator before totalsize");
    const address = readU64(r.b, at);
    const size = readU64(r.b, at + 8);
    if (address === 0n && size === 0n) return out;
    out.push({ address, size });
  }
}

/** Offsets of the NUL ending each string of the strings block, computed once (a linear scan). */
class StringsBlock {
  private readonly nulAt: Int32Array;

  constructor(
    private readonly b: Uint8Array,
    private readonly off: number,
    private readonly size: number,
  ) {
    this.nulAt = new Int32Array(size);
    let next = -1;
    for (let i = size - 1; i >= 0; i--) {
      if (b[off + i] === 0) next = i;
      this.nulAt[i] = next;
    }
  }

  /** The string at `nameoff`, or a reason it cannot be read. */
  get(nameoff: number): string | { error: string } {
    if (nameoff >= this.size) return { error: `name offset 0x${nameoff.toString(16)} is outside the 0x${this.size.toString(16)}-byte strings block` };
    const end = this.nulAt[nameoff]!;
    if (end < 0) return { error: `the name at strings offset 0x${nameoff.toString(16)} has no NUL before the end of the strings block` };
    return latin1(this.b.subarray(this.off + nameoff, this.off + end));
  }
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Walks the structure block: BEGIN_NODE / PROP / END_NODE / NOP / END tokens, 4-byte aligned. */
function readStruct(r: DtbReader, b: Uint8Array, h: Header): Node {
  const strings = new StringsBlock(b, h.offStrings, h.sizeStrings);
  const end = h.structEnd;
  let at = h.offStruct;
  const stack: { node: Node; seenChild: boolean }[] = [];
  let root: Node | undefined;
  const token = (): number => {
    for (;;) {
      const t = r.u32(at, stack.length === 0 && root !== undefined ? "the FDT_END token" : "a token", end);
      if (t !== FDT_NOP) return t;
      at += 4;
    }
  };
  if (token() !== FDT_BEGIN_NODE) r.fail(at, `the structure block starts with token 0x${readU32(b, at).toString(16)}, not FDT_BEGIN_NODE`);
  for (;;) {
    const t = token();
    const tokAt = at;
    if (t === FDT_BEGIN_NODE) {
      const nul = b.subarray(0, end).indexOf(0, at + 4);
      if (nul < 0) r.fail(tokAt, "the node name has no NUL before the end of the structure block");
      const name = latin1(b.subarray(at + 4, nul));
      at = align4(nul + 1);
      if (stack.length >= MAX_NODE_DEPTH) r.fail(tokAt, `nodes nested deeper than ${MAX_NODE_DEPTH} levels`);
      const node = newNode(name, { offset: tokAt });
      const parent = stack[stack.length - 1];
      // dtc lets an empty name through and then cannot write it as DTS; no DTS can produce one.
      if (parent !== undefined && name === "") r.fail(tokAt, "a node with an empty name (only the root has one)");
      if (parent === undefined) {
        if (root !== undefined) r.fail(tokAt, "a second root node after the first one's FDT_END_NODE");
        if (name !== "") r.fail(tokAt, `the root node is named "${name}"; in version 16 and later it has an empty name`);
        root = node;
      } else {
        parent.seenChild = true;
        addChild(parent.node, node);
      }
      stack.push({ node, seenChild: false });
    } else if (t === FDT_PROP) {
      const top = stack[stack.length - 1];
      if (top === undefined) r.fail(tokAt, "FDT_PROP outside any node");
      if (top.seenChild) r.fail(tokAt, "FDT_PROP after a subnode (properties must come before subnodes)");
      const len = r.u32(at + 4, "the property header", end);
      const nameoff = r.u32(at + 8, "the property header", end);
      if (at + 12 + len > end) r.fail(tokAt, `the property value (0x${len.toString(16)} bytes) runs past the end of the structure block`);
      const name = strings.get(nameoff);
      if (typeof name !== "string") r.fail(at + 8, name.error);
      if (name === "") r.fail(at + 8, `the name at strings offset 0x${nameoff.toString(16)} is empty`);
      const data = new ByteBuf(Math.max(len, 1));
      data.bytes(b.subarray(at + 12, at + 12 + len));
      top.node.props.push(newProp(name, data, [], { offset: tokAt }));
      at = align4(at + 12 + len);
    } else if (t === FDT_END_NODE) {
      if (stack.pop() === undefined) r.fail(tokAt, "FDT_END_NODE without a node to end");
      at += 4;
      if (stack.length === 0) break;
    } else if (t === FDT_END) {
      r.fail(tokAt, `FDT_END inside a node (${stack.length} FDT_END_NODE missing)`);
    } else {
      r.fail(tokAt, `unknown token 0x${t.toString(16).padStart(8, "0")}`);
    }
  }
  if (token() !== FDT_END) r.fail(at, `token 0x${readU32(b, at).toString(16)} after the root node, expected FDT_END`);
  return root!;
}

/**
 * Reads a flattened device tree (DTB), version 16 or 17 (or later when last_comp_version allows).
 * Bytes past the header's totalsize are ignored.
 * @throws DtError with the byte offset of the first problem.
 */
export function parseDtb(bytes: Uint8Array, opts: { file?: string } = {}): DtTree {
  const file = opts.file ?? "<dtb>";
  const r = new DtbReader(bytes, file);
  const h = readHeader(r, bytes);
  const memreserve = readReservations(r, h);
  const root = readStruct(r, bytes, h);
  runStructureChecks(root, (place, reason) => r.fail(place.offset ?? h.offStruct, reason), (p) => (p.offset === undefined ? "" : `at offset 0x${p.offset.toString(16)}`));
  return { root: toPublicNode(root), memreserve, bootCpuid: h.bootCpuid };
}

/** dtc's string table: a name is found wherever the block holds it followed by a NUL. */
class StringTable {
  readonly buf = new ByteBuf();
  private readonly at = new Map<string, number>();

  offsetOf(name: string): number {
    const known = this.at.get(name);
    if (known !== undefined) return known;
    const off = this.buf.length;
    for (let i = 0; i < name.length; i++) this.buf.byte(name.charCodeAt(i));
    this.buf.byte(0);
    // Every tail of the new name (down to the empty string at its NUL) can now be found here,
    // unless an earlier place already holds it: stringtable_insert() returns the first match.
    for (let k = 0; k <= name.length; k++) {
      const tail = name.slice(k);
      if (!this.at.has(tail)) this.at.set(tail, off + k);
    }
    return off;
  }
}

function checkName(name: string, what: string, path: string): void {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0 || c > 0x7e) throw new DtError({ file: "<tree>" }, `${what} "${name}" at ${path} has a character a DTB cannot hold (NUL or non-ASCII)`);
  }
}

function emitNode(node: DtNode, path: string, dt: ByteBuf, strings: StringTable): void {
  checkName(node.name, "node name", path);
  dt.u32(FDT_BEGIN_NODE);
  for (let i = 0; i < node.name.length; i++) dt.byte(node.name.charCodeAt(i));
  dt.byte(0);
  dt.align(4);
  for (const p of node.properties) {
    checkName(p.name, "property name", path);
    dt.u32(FDT_PROP);
    dt.u32(p.value.length);
    dt.u32(strings.offsetOf(p.name));
    dt.bytes(p.value);
    dt.align(4);
  }
  for (const c of node.children) emitNode(c, path === "/" ? `/${c.name}` : `${path}/${c.name}`, dt, strings);
  dt.u32(FDT_END_NODE);
}

/**
 * Writes `tree` as a flattened device tree laid out byte for byte as `dtc -O dtb` does (version
 * 17 by default, or 16). No semantic checks are made: what the tree holds is written.
 * @throws DtError when a name holds NUL or non-ASCII characters, or the root is not named "".
 */
export function writeDtb(tree: DtTree, opts: { version?: 16 | 17 } = {}): Uint8Array {
  const version = opts.version ?? 17;
  if (tree.root.name !== "") throw new DtError({ file: "<tree>" }, `the root node must be named "", not "${tree.root.name}"`);
  const dt = new ByteBuf(1024);
  const strings = new StringTable();
  emitNode(tree.root, "/", dt, strings);
  dt.u32(FDT_END);
  const rsv = new ByteBuf(16 * (tree.memreserve.length + 1));
  for (const e of [...tree.memreserve, { address: 0n, size: 0n }]) {
    rsv.uint(BigInt.asUintN(64, e.address), 64);
    rsv.uint(BigInt.asUintN(64, e.size), 64);
  }
  const offStruct = RSVMAP_OFFSET + rsv.length;
  const offStrings = offStruct + dt.length;
  const total = offStrings + strings.buf.length;
  const out = new ByteBuf(total);
  out.u32(FDT_MAGIC);
  out.u32(total);
  out.u32(offStruct);
  out.u32(offStrings);
  out.u32(RSVMAP_OFFSET);
  out.u32(version);
  out.u32(LAST_COMP_VERSION);
  out.u32(tree.bootCpuid >>> 0);
  out.u32(strings.buf.length);
  if (version === 17) out.u32(dt.length);
  out.align(8);
  out.bytes(rsv.toBytes());
  out.bytes(dt.toBytes());
  out.bytes(strings.buf.toBytes());
  return out.toBytes();
}
