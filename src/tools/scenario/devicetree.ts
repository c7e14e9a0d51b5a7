/**
 * Boards from a device tree (`board: {dts: FILE}`, `vplat run --dts FILE`): the one place the
 * scenario tools meet the device-tree reader (src/platform/dt) and `bootDeviceTree`
 * (src/platform/boards/from-device-tree.ts), which picks the board by the tree's root
 * `compatible` and builds it from the tree as the built-in boards are from boards/*.dts.
 */
import { DtError } from "../../platform/dt/index.js";
import { BoardError, boardTreeFromDtb, boardTreeFromDts, type BoardTree } from "../../platform/boards/board-tree.js";
import { bootDeviceTree, type DeviceTreeBootOptions } from "../../platform/boards/from-device-tree.js";
import type { Mt8173 } from "../../platform/boards/mt8173.js";
import type { MtkGceBoard } from "../../platform/boards/mtk-gce-board.js";
import type { X86Pc } from "../../platform/boards/x86-pc.js";
import type { SocName } from "../../hw/mailbox/mtk-gce-soc.js";
import type { BoardKind } from "./model.js";

export type DeviceTreeForm = "dts" | "dtb";

/** A tree that names a board vplat can build. */
export interface DeviceTreeBoard {
  readonly kind: BoardKind;
  /** The GCE SoC of a MediaTek tree (its events and registers name the CMDQ program's), else null. */
  readonly soc: SocName | null;
  /**
   * A fresh copy of the tree for each board built from it (the kernel marks the nodes it
   * binds, so two runs must not share one), parsed again from the bytes already read.
   */
  tree(): BoardTree;
}

/** Why a tree cannot be used: what was expected and what was found (naming the file), and where in it when known. */
export interface DeviceTreeProblem {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly expected: string;
  readonly found: string;
}

/** Reads a file's bytes; rejects when it cannot. */
export type ReadBytes = (path: string) => Promise<Uint8Array>;

/**
 * Reads the tree at `path` (its bytes given; `readBytes` for the files a DTS /include/s) and
 * returns the board it describes, or the problem.
 */
export async function openDeviceTree(form: DeviceTreeForm, path: string, bytes: Uint8Array, readBytes: ReadBytes): Promise<DeviceTreeBoard | DeviceTreeProblem> {
  let parse: () => BoardTree;
  let tree: BoardTree;
  try {
    parse = form === "dtb" ? () => boardTreeFromDtb(bytes, { file: path }) : await dtsParser(path, bytes, readBytes);
    tree = parse();
  } catch (err) {
    if (err instanceof DtError) return { file: err.file, ...(err.line === undefined ? {} : { line: err.line, column: err.column ?? 1 }), expected: `a valid ${form.toUpperCase()}`, found: err.reason };
    if (err instanceof TypeError) return { file: path, expected: "DTS text in UTF-8", found: `${path}: bytes that are not UTF-8` };
    throw err;
  }
  // Built once, not booted, to learn the board's kind and to find a tree that lacks what its
  // board needs before anything runs; each run builds its own from a fresh copy.
  let built: ReturnType<typeof bootDeviceTree>;
  try {
    built = bootDeviceTree(tree, { boot: false });
  } catch (err) {
    if (!(err instanceof BoardError)) throw err;
    return { file: path, expected: "a tree that describes a board vplat builds", found: err.message };
  }
  const soc = built.kind === "mediatek-gce" ? built.board.soc : built.kind === "mt8173" ? "mt8173" : null;
  return { kind: built.kind, soc, tree: parse };
}

/**
 * Builds (does not boot) the board of `plan`'s tree, with the scenario's options for its kind.
 * Throws BoardError when the tree lacks what the board needs.
 */
export function buildFromTree(
  plan: DeviceTreeBoard,
  options: Pick<DeviceTreeBootOptions, "x86" | "mt8173" | "mediatek">,
): { kind: "x86-pc"; board: X86Pc } | { kind: "mt8173"; board: Mt8173 } | { kind: "mediatek-gce"; board: MtkGceBoard } {
  return bootDeviceTree(plan.tree(), { ...options, boot: false });
}

/** The most rounds of reading newly named /include/ files before giving up (a very deep chain). */
const MAX_INCLUDE_ROUNDS = 64;

/**
 * A parser for DTS whose /include/s are read through an asynchronous reader: the parser reads
 * synchronously, so each round parses with the files read so far, notes the ones it asked for
 * and did not have, reads them, and parses again. Paths are the parser's own (already joined
 * with the including file's directory), so the files read are exactly the ones it names.
 * The result parses again from those files without reading anything.
 */
async function dtsParser(path: string, bytes: Uint8Array, readBytes: ReadBytes): Promise<() => BoardTree> {
  const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  const files = new Map<string, string | Error>();
  let wanted = new Set<string>();
  const readInclude = (p: string): string => {
    const f = files.get(p);
    if (f === undefined) {
      wanted.add(p);
      throw new Error("not read yet");
    }
    if (f instanceof Error) throw f;
    return f;
  };
  const parse = () => boardTreeFromDts(text, { file: path, readInclude });
  for (let round = 0; ; round++) {
    wanted = new Set();
    try {
      parse();
      return parse;
    } catch (err) {
      if (wanted.size === 0 || round === MAX_INCLUDE_ROUNDS) throw err;
    }
    for (const p of wanted) files.set(p, await readText(p, readBytes));
  }
}

async function readText(path: string, readBytes: ReadBytes): Promise<string | Error> {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(await readBytes(path));
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return new Error(code === "ENOENT" ? "no such file" : err instanceof TypeError ? "not UTF-8 text" : err instanceof Error ? err.message : String(err));
  }
}
