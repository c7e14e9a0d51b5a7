/**
 * Boards from device trees: the board a tree describes is picked by its root `compatible`, as a
 * kernel picks its machine:
 *
 * | root compatible | board |
 * |---|---|
 * | `mediatek,mt8173` | Mt8173 (the GCE, display pipeline and DRM client) |
 * | `mediatek,mt8183`, `mediatek,mt8195` | MtkGceBoard (the GCEs and their clients, bound and reported) |
 * | `vplat,x86-pc` | X86Pc (CPUs, LAPICs, IOAPIC, HPET; the CE4100 binding) |
 *
 * `bootDts` / `bootDtb` are what `vplat run --dts FILE` / `--dtb FILE` call: the caller reads the
 * file (and the /include/d ones, through `readInclude`), so the library itself reads no files.
 */
import { formatBindLine, type BindReport } from "./cmdq-binding.js";
import { BoardError, boardTreeFromDtb, boardTreeFromDts, rootCompatible, type BoardTree, type ReadInclude } from "./board-tree.js";
import { Mt8173, type Mt8173Props } from "./mt8173.js";
import { MtkGceBoard, mtkGceBoardSoc, type MtkGceBoardProps } from "./mtk-gce-board.js";
import { X86Pc, type X86PcProps } from "./x86-pc.js";

/** A board built from a tree, by kind. */
export type DeviceTreeBoard =
  | { readonly kind: "mt8173"; readonly board: Mt8173 }
  | { readonly kind: "mediatek-gce"; readonly board: MtkGceBoard }
  | { readonly kind: "x86-pc"; readonly board: X86Pc };

/** Options of each kind of board (the tree replaces the built-in DTS, so no `tree`/`dtsOverlay`). */
export interface DeviceTreeBootOptions {
  readonly mt8173?: Omit<Mt8173Props, "tree" | "dtsOverlay">;
  readonly mediatek?: MtkGceBoardProps;
  readonly x86?: Omit<X86PcProps, "tree" | "dtsOverlay">;
  /** Boot at once (default true); false leaves the board built, e.g. to attach trace sinks first. */
  readonly boot?: boolean;
}

/** The root compatibles of the boards vplat runs, for messages. */
const KNOWN = "mediatek,mt8173 (mt8173), mediatek,mt8183 or mediatek,mt8195 (MediaTek GCE board), vplat,x86-pc (x86-pc)";

/**
 * The board `tree` describes, built (and booted unless `opts.boot` is false). Throws BoardError
 * for a root compatible no board runs, or a tree that lacks what its board needs.
 */
export function bootDeviceTree(tree: BoardTree, opts: DeviceTreeBootOptions = {}): DeviceTreeBoard {
  const compat = rootCompatible(tree);
  const boot = opts.boot ?? true;
  if (compat.includes("mediatek,mt8173")) {
    const board = new Mt8173({ ...opts.mt8173, tree });
    return { kind: "mt8173", board: boot ? board.boot() : board };
  }
  if (mtkGceBoardSoc(tree) !== undefined) {
    const board = new MtkGceBoard(tree, opts.mediatek);
    return { kind: "mediatek-gce", board: boot ? board.boot() : board };
  }
  if (compat.includes("vplat,x86-pc")) {
    const board = new X86Pc({ ...opts.x86, tree });
    return { kind: "x86-pc", board: boot ? board.boot() : board };
  }
  const found = compat.length === 0 ? "the root node has no compatible" : `the root compatible is ${compat.map((c) => `"${c}"`).join(", ")}`;
  throw new BoardError(`${tree.file}: no vplat board for this tree: ${found}; vplat runs ${KNOWN}`);
}

/** Parses DTS text (`file` names it in errors; `readInclude` reads /include/d files) and boots its board. */
export function bootDts(text: string, file: string, readInclude?: ReadInclude, opts: DeviceTreeBootOptions = {}): DeviceTreeBoard {
  return bootDeviceTree(boardTreeFromDts(text, { file, ...(readInclude === undefined ? {} : { readInclude }) }), opts);
}

/** Reads a DTB and boots its board. */
export function bootDtb(bytes: Uint8Array, file: string, opts: DeviceTreeBootOptions = {}): DeviceTreeBoard {
  return bootDeviceTree(boardTreeFromDtb(bytes, { file }), opts);
}

/**
 * What the board bound, one line each: the MediaTek boards' binding report, or what the x86
 * kernel read from the tree (CPUs, LAPIC, IOAPICs, HPET). Call after boot.
 */
export function boundLines(b: DeviceTreeBoard): string[] {
  if (b.kind === "x86-pc") {
    const d = b.board.report().devicetree;
    return [
      `cpus: ${d.apicIds.length} (APIC ids ${d.apicIds.join(", ")})`,
      `local APIC: 0x${d.lapicAddress.toString(16)}`,
      ...d.ioapics.map((io) => `IOAPIC ${io.id}: 0x${io.address.toString(16)}, GSI ${io.gsiBase}-${io.gsiEnd}`),
      d.hpetAddress === null ? "HPET: none" : `HPET: 0x${d.hpetAddress.toString(16)}`,
    ];
  }
  const r: BindReport = b.board.bindReport();
  return r.lines.map(formatBindLine);
}
