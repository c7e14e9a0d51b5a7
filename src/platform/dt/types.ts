/**
 * The in-memory device tree both readers produce and both writers consume, and the one error type
 * every reader throws.
 *
 * A tree is what dtc's live tree is after its checks and fixups (dtc livetree.c, checks.c): label
 * and path references resolved into bytes, automatic `phandle` properties added, deleted nodes
 * and properties gone. Property values are the raw big-endian bytes a DTB holds.
 */

/** A place in a DTS file; line and column are 1-based (a tab counts as one column). */
export interface SourcePos {
  file: string;
  line: number;
  column: number;
}

export interface DtProperty {
  name: string;
  /** The value as stored in a DTB: cells big-endian, strings NUL-terminated. */
  value: Uint8Array;
  /** Labels on the property (`l: reg = …`), in dtc's order; always empty from a DTB. */
  labels: string[];
  /** Where the value was last assigned (DTS only; absent for properties dtc adds, e.g. `phandle`). */
  at?: SourcePos;
}

export interface DtNode {
  /** The name with its unit address (`mailbox@10212000`); "" for the root. */
  name: string;
  labels: string[];
  properties: DtProperty[];
  children: DtNode[];
  /** Where the node was first defined (DTS only). */
  at?: SourcePos;
}

/** One /memreserve/ entry (Devicetree Specification v0.4 §5.3). */
export interface DtReserve {
  address: bigint;
  size: bigint;
}

export interface DtTree {
  root: DtNode;
  memreserve: DtReserve[];
  /** The header's boot_cpuid_phys; from DTS, dtc's guess (the `reg` of the first child of /cpus). */
  bootCpuid: number;
}

/** Where a DtError points: a DTS position, a DTB byte offset, or only the file. */
export type DtErrorWhere = { readonly file: string; readonly line?: number; readonly column?: number; readonly offset?: number };

/**
 * A DTS or DTB input that cannot be read. The message names the place first, as compilers do:
 * `board.dts:12:7: error: unknown label &gce0` or `board.dtb: offset 0x48: error: …`.
 */
export class DtError extends Error {
  override readonly name = "DtError";
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly offset?: number;
  /** The message without the place. */
  readonly reason: string;

  constructor(where: DtErrorWhere, reason: string) {
    super(`${placeOf(where)}: error: ${reason}`);
    this.file = where.file;
    if (where.line !== undefined) this.line = where.line;
    if (where.column !== undefined) this.column = where.column;
    if (where.offset !== undefined) this.offset = where.offset;
    this.reason = reason;
  }
}

function placeOf(w: DtErrorWhere): string {
  if (w.line !== undefined) return `${w.file}:${w.line}:${w.column ?? 1}`;
  if (w.offset !== undefined) return `${w.file}: offset 0x${w.offset.toString(16)}`;
  return w.file;
}
