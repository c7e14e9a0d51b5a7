/**
 * A board's device tree: the kernel's `device_node` tree the drivers read, the DTS labels of its
 * nodes (for messages: `mmsys (clock-controller@14000000)`), and where it came from.
 *
 * Boards are device trees: the built-in ones are boards/*.dts (embedded in board-dts.ts), other
 * boards come as DTS text or a DTB. Options a board takes edit the tree before anything binds
 * (`cpus: 4` writes four cpu nodes, `dramBytes` the memory node's size), so the tree is always
 * the description of what runs. Overlays are DTS text merged after the board's source
 * (`&mmsys { mboxes = <&gce 0 1 0>; };`, `&gce { status = "disabled"; };`), with errors placed
 * in the file they come from.
 */
import { parseDtb, parseDts, toDeviceNode, type DtNode, type DtTree } from "../dt/index.js";
import {
  for_each_compatible_node,
  for_each_of_cpu_node,
  of_address_to_resource,
  of_detach_node,
  of_device_is_available,
  of_device_is_compatible,
  of_find_node_by_path,
  of_n_addr_cells,
  of_n_size_cells,
  of_node_alloc,
  of_node_attach,
  of_node_full_path,
  of_parse_phandle_with_args,
  of_phandle_args_init,
  of_property_read_string,
  of_property_read_u32,
  of_update_property,
  resource_init,
  type device_node,
  type property,
  type resource,
} from "../../linux/include/linux/of.js";
import { BOARD_DTS } from "./board-dts.js";

/** A tree a board runs, with the labels its DTS gave the nodes. */
export interface BoardTree {
  readonly root: device_node;
  readonly labels: ReadonlyMap<device_node, readonly string[]>;
  /** The file it was read from ("mt8173.dts", "board.dtb"). */
  readonly file: string;
}

/** A tree that does not describe what a board needs (a missing node, a bad `reg`…). */
export class BoardError extends Error {
  override readonly name = "BoardError";
}

/** Reads a file an /include/ names; throws when it cannot. */
export type ReadInclude = (path: string, fromFile: string) => string;

/** The file name an overlay's positions and errors show. */
export const OVERLAY_FILE = "<dtsOverlay>";

function collectLabels(dt: DtNode, np: device_node, out: Map<device_node, readonly string[]>): void {
  if (dt.labels.length > 0) out.set(np, [...dt.labels]);
  dt.children.forEach((c, i) => {
    const child = np.children[i];
    if (child !== undefined) collectLabels(c, child, out);
  });
}

/** The kernel's view of a parsed tree, with its labels. */
export function boardTreeOf(tree: DtTree, file: string): BoardTree {
  const root = toDeviceNode(tree);
  const labels = new Map<device_node, readonly string[]>();
  collectLabels(tree.root, root, labels);
  return { root, labels, file };
}

/** Parses DTS text (throws DtError with the file, line and column of the first problem). */
export function boardTreeFromDts(text: string, opts: { readonly file?: string; readonly readInclude?: ReadInclude } = {}): BoardTree {
  const file = opts.file ?? "<dts>";
  const tree = parseDts(text, { file, ...(opts.readInclude === undefined ? {} : { readInclude: opts.readInclude }) });
  return boardTreeOf(tree, file);
}

/** Reads a DTB (throws DtError with the byte offset of the first problem). */
export function boardTreeFromDtb(bytes: Uint8Array, opts: { readonly file?: string } = {}): BoardTree {
  const file = opts.file ?? "<dtb>";
  return boardTreeOf(parseDtb(bytes, { file }), file);
}

/** The built-in boards' files (boards/*.dts). */
export type BuiltinBoard = "mt8173.dts" | "x86-pc.dts";

/** The DTS text of a built-in board. */
export function builtinBoardDts(name: BuiltinBoard): string {
  const text = BOARD_DTS[name];
  if (text === undefined) throw new BoardError(`no built-in board ${name}`);
  return text;
}

/**
 * A built-in board's tree, with `overlay` (DTS statements: `&label { … };`, `/delete-node/ …;`)
 * merged after it. The overlay may /include/ the other built-in files by name.
 */
export function builtinBoardTree(name: BuiltinBoard, overlay = ""): BoardTree {
  if (overlay === "") return boardTreeFromDts(builtinBoardDts(name), { file: name });
  const readInclude: ReadInclude = (path) => {
    const text = BOARD_DTS[path];
    if (text === undefined) throw new Error(`not a built-in board file (${Object.keys(BOARD_DTS).join(", ")})`);
    return text;
  };
  return boardTreeFromDts(`/include/ "${name}"\n${overlay}\n`, { file: OVERLAY_FILE, readInclude });
}

/** `mmsys (clock-controller@14000000)`, or the node's path when it has no label. */
export function nodeName(tree: BoardTree, np: device_node): string {
  const label = tree.labels.get(np)?.[0];
  return label === undefined ? of_node_full_path(np) : `${label} (${np.full_name})`;
}

/** The available nodes (status "okay" or none) compatible with `compat`, in tree order. */
export function availableCompatible(tree: BoardTree, compat: string): device_node[] {
  return for_each_compatible_node(tree.root, compat).filter((n) => of_device_is_available(n));
}

/** The root's `compatible` strings. */
export function rootCompatible(tree: BoardTree): string[] {
  const p = tree.root.properties.find((q) => q.name === "compatible");
  if (p === undefined) return [];
  return new TextDecoder().decode(p.value).split("\0").filter((s) => s !== "");
}

/** Entry `index` of the node's `reg`, or a BoardError naming the node. */
export function regOf(tree: BoardTree, np: device_node, index = 0): resource {
  const r = resource_init();
  if (of_address_to_resource(np, index, r) !== 0) {
    throw new BoardError(`${nodeName(tree, np)}: reg[${index}] cannot be read with #address-cells = <${of_n_addr_cells(np)}>, #size-cells = <${of_n_size_cells(np)}>`);
  }
  return r;
}

/**
 * The rate of the fixed clock entry 0 of the node's `clocks` names (`clock-frequency` of a
 * `fixed-clock`), or null when it names none.
 */
export function fixedClockHz(np: device_node): number | null {
  const spec = of_phandle_args_init();
  if (of_parse_phandle_with_args(np, "clocks", "#clock-cells", 0, spec) !== 0 || of_device_is_compatible(spec.np, "fixed-clock") === 0) return null;
  const hz = { value: 0 };
  return of_property_read_u32(spec.np, "clock-frequency", hz) === 0 ? hz.value : null;
}

/** The `/memory` node (device_type = "memory"), or null. */
export function memoryNode(tree: BoardTree): device_node | null {
  return (
    tree.root.children.find((c) => {
      const t = { value: "" };
      return of_property_read_string(c, "device_type", t) === 0 && t.value === "memory";
    }) ?? null
  );
}

/** A property of big-endian numbers, each `cells` cells wide. */
function cellsProperty(name: string, values: readonly number[], cells: number): property {
  const out = new Uint8Array(values.length * cells * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    for (let c = 0; c < cells; c++) {
      const shift = (cells - 1 - c) * 32;
      view.setUint32((i * cells + c) * 4, Math.floor(v / 2 ** shift) % 0x1_0000_0000);
    }
  });
  return { name, value: out };
}

/** Sets the size of the memory node's first `reg` entry (a board's RAM-size option). */
export function setMemorySize(tree: BoardTree, bytes: number): void {
  const mem = memoryNode(tree);
  if (mem === null) throw new BoardError(`${tree.file}: no memory node (device_type = "memory") to size`);
  const start = regOf(tree, mem).start;
  of_update_property(mem, regProperty(mem, start, bytes));
}

function regProperty(np: device_node, start: number, size: number): property {
  const na = of_n_addr_cells(np);
  const ns = of_n_size_cells(np);
  const a = cellsProperty("reg", [start], na).value;
  const s = cellsProperty("reg", [size], ns).value;
  const value = new Uint8Array(a.length + s.length);
  value.set(a);
  value.set(s, a.length);
  return { name: "reg", value };
}

/**
 * Makes `/cpus` list `count` CPUs, `cpu@0` … `cpu@N-1` with `reg` = N (the local APIC id on x86,
 * the MPIDR on ARM): existing nodes beyond are removed, missing ones are copies of the first.
 */
export function setCpuCount(tree: BoardTree, count: number): void {
  const cpus = of_find_node_by_path(tree.root, "/cpus");
  const list = for_each_of_cpu_node(tree.root);
  const first = list[0];
  if (cpus === null || first === undefined) throw new BoardError(`${tree.file}: no /cpus node with a cpu to copy`);
  list.slice(count).forEach((np) => of_detach_node(np));
  for (let i = list.length; i < count; i++) {
    const props = first.properties.filter((p) => p.name !== "phandle" && p.name !== "linux,phandle" && p.name !== "reg");
    of_node_attach(cpus, of_node_alloc(`cpu@${i.toString(16)}`, [...props, cellsProperty("reg", [i], of_n_addr_cells(first))]));
  }
}
