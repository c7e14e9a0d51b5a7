/**
 * Device trees: DTS (the dtc language, without the C preprocessor) and DTB (flattened, versions
 * 16 and 17) read into one in-memory tree and written back as dtc writes them. docs/device-tree.md
 * describes the language supported, the error format and the differences from dtc.
 */
export { DtError } from "./types.js";
export type { DtErrorWhere, DtNode, DtProperty, DtReserve, DtTree, SourcePos } from "./types.js";
export { parseDts } from "./dts.js";
export type { DtsOptions } from "./dts.js";
export { parseDtb, writeDtb } from "./dtb.js";
export { formatDts, formatValue, guessBootCpuid, treesEqual } from "./format.js";
export { toDeviceNode } from "./of.js";
