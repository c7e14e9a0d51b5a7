/**
 * The binding report of the MediaTek boards: for every GCE controller and every CMDQ client in
 * the tree, what the kernel bound it to or why it could not, one line each:
 *
 *   gce (gce@10212000): compatible[0]: mtk_cmdq, 16 threads
 *   mmsys (clock-controller@14000000): mboxes[0]: GCE thread 0 of gce (gce@10212000), priority 1
 *   mmsys (clock-controller@14000000): mboxes[2]: -ENODEV: can't parse "mboxes" property (2 entries)
 *   imgsys (clock-controller@15000000): reg[0]: NULL: 0x15000000 is outside the seed's subsys table (0x1400xxxx, 0x1401xxxx, 0x1402xxxx)
 *
 * The errno is the kernel's (mailbox.c, mtk-cmdq-mailbox.c's cmdq_xlate, mtk-cmdq-helper.c's
 * cmdq_dev_get_client_reg); the words after it explain the tree's side of the problem. Every
 * function here that calls kernel code runs inside the board's kernel (`inKernel`).
 */
import { IS_ERR, PTR_ERR, type ErrPtr } from "../../linux/include/linux/err.js";
import { EBUSY, EINVAL, ENODEV, EPROBE_DEFER, errname } from "../../linux/include/linux/errno.js";
import { dev_name, type device } from "../../linux/include/linux/device.js";
import {
  MAX_PHANDLE_ARGS,
  of_count_phandle_with_args,
  of_find_node_by_phandle,
  of_find_property,
  of_parse_phandle_with_args,
  of_phandle_args_init,
  of_property_read_u32,
  of_property_read_u32_index,
  of_read_number,
  type device_node,
} from "../../linux/include/linux/of.js";
import { of_find_device_by_node, platform_devices } from "../../linux/include/linux/platform_device.js";
import type { cmdq_client } from "../../linux/include/linux/soc/mediatek/mtk-cmdq.js";
import { cmdq_get, type cmdq_thread } from "../../linux/drivers/mailbox/mtk-cmdq-mailbox.js";
import { mtk_ddp_comp_cmdq_base, type mtk_ddp_cmdq_source } from "../../linux/drivers/gpu/drm/mediatek/mtk_drm_crtc.js";
import type { SocLookup } from "../../hw/mailbox/mtk-gce-soc.js";
import { nodeName, type BoardTree } from "./board-tree.js";

/** One binding: a node's property entry and what became of it. */
export interface BindLine {
  /** The node, as `label (name@unit)` or its path. */
  readonly node: string;
  readonly property: string;
  readonly index: number;
  readonly ok: boolean;
  /** The kernel's negative errno for a failure; 0 when bound; null for the seed's NULL (no errno). */
  readonly errno: number | null;
  /** What it bound to, or why not. */
  readonly text: string;
}

/** A MediaTek board's binding report. */
export interface BindReport {
  readonly board: string;
  /** The tree's file ("mt8173.dts", "<dtsOverlay>", "board.dtb"). */
  readonly file: string;
  readonly lines: readonly BindLine[];
  /** The failed lines, formatted. */
  readonly errors: readonly string[];
  /** Every platform device and the driver bound to it (null: none). */
  readonly devices: ReadonlyArray<{ readonly name: string; readonly driver: string | null }>;
}

/** The report of `lines` on the running kernel's platform devices (kernel context). */
export function bindReportOf(board: string, tree: BoardTree, lines: readonly BindLine[]): BindReport {
  return {
    board,
    file: tree.file,
    lines,
    errors: lines.filter((l) => !l.ok).map(formatBindLine),
    devices: platform_devices().map((d) => ({ name: d.name, driver: d.dev.driver?.name ?? null })),
  };
}

/** `node: property[index]: [-EERRNO: ]text` — the line a user reads. */
export function formatBindLine(l: BindLine): string {
  const err = l.ok ? "" : `${l.errno === null ? "NULL" : errname(l.errno)}: `;
  return `${l.node}: ${l.property}[${l.index}]: ${err}${l.text}`;
}

function line(tree: BoardTree, np: device_node, property: string, index: number, errno: number | null, text: string): BindLine {
  return { node: nodeName(tree, np), property, index, ok: errno === 0, errno, text };
}

/** The controller line of a GCE node: bound (driver, threads) or why not. */
export function controllerLine(tree: BoardTree, gce: device_node): BindLine {
  const pdev = of_find_device_by_node(gce);
  if (pdev === null) return line(tree, gce, "compatible", 0, -ENODEV, `no platform device (status is not "okay")`);
  const c = cmdq_get(pdev.dev);
  if (c === null) return line(tree, gce, "compatible", 0, -ENODEV, `no driver bound to ${dev_name(pdev.dev)} (the probe failed: see the kernel log)`);
  const shift = c.pdata.shift === 0 ? "" : `, addresses >> ${c.pdata.shift}`;
  return line(tree, gce, "compatible", 0, 0, `mtk_cmdq, ${c.thread.length} threads, IRQ ${c.irq}${shift}`);
}

/** The threads of the controller bound to `gce`, or null. */
function threadsOf(gce: device_node | null): cmdq_thread[] | null {
  const pdev = of_find_device_by_node(gce);
  return pdev === null ? null : (cmdq_get(pdev.dev)?.thread ?? null);
}

/** Why a `mboxes` list cannot be parsed: the first entry that is malformed and how. */
function malformedMboxes(tree: BoardTree, np: device_node): string {
  const value = of_find_property(np, "mboxes")!.value;
  const cells = Math.floor(value.length / 4);
  for (let i = 0, entry = 0; i < cells; entry++) {
    const phandle = of_read_number(value, i++, 1);
    if (phandle === 0) continue;
    const target = of_find_node_by_phandle(np, phandle);
    if (target === null) return `entry ${entry} names phandle ${phandle}, which no node has`;
    const n = { value: 0 };
    if (of_property_read_u32(target, "#mbox-cells", n) !== 0) return `entry ${entry} names ${nodeName(tree, target)}, which has no #mbox-cells`;
    if (n.value > MAX_PHANDLE_ARGS || i + n.value > cells) return `entry ${entry} needs ${n.value} cells after the phandle (#mbox-cells of ${nodeName(tree, target)}); the property ends first`;
    i += n.value;
  }
  return "the list is malformed";
}

function entries(n: number): string {
  return `${n} ${n === 1 ? "entry" : "entries"}`;
}

/** The words for mbox_request_channel's `err` on entry `index` of `np`'s `mboxes`. */
export function mboxErrorText(tree: BoardTree, np: device_node, index: number, err: number): string {
  const spec = of_phandle_args_init();
  const parsed = of_parse_phandle_with_args(np, "mboxes", "#mbox-cells", index, spec) === 0;
  const gce = parsed && spec.np !== null ? nodeName(tree, spec.np) : "the controller";
  const thread = spec.args[0] ?? -1;
  switch (err) {
    case -ENODEV: {
      if (of_find_property(np, "mboxes") === null) return `can't parse "mboxes" property (the node has none)`;
      const count = of_count_phandle_with_args(np, "mboxes", "#mbox-cells");
      return count >= 0 ? `can't parse "mboxes" property (${entries(count)})` : `can't parse "mboxes" property: ${malformedMboxes(tree, np)}`;
    }
    case -EINVAL: {
      const n = threadsOf(spec.np)?.length;
      return n === undefined ? `${gce} refused the entry (of_xlate)` : `GCE thread ${thread} does not exist: ${gce} has ${n} threads (0..${n - 1})`;
    }
    case -EBUSY: {
      const owner = threadsOf(spec.np)?.[thread]?.chan?.cl?.dev;
      return `GCE thread ${thread} of ${gce} is already in use${owner == null ? "" : ` by ${deviceName(tree, owner)}`}`;
    }
    case -EPROBE_DEFER:
      return `${gce} has no mailbox controller bound (status "disabled", or its probe failed): probe deferred`;
    default:
      return "mbox_request_channel failed";
  }
}

function deviceName(tree: BoardTree, dev: device): string {
  return dev.of_node === null ? dev_name(dev) : nodeName(tree, dev.of_node);
}

/** The line for entry `index` of `np`'s `mboxes`, given what cmdq_mbox_create returned (or its error). */
export function mboxLine(tree: BoardTree, np: device_node, index: number, result: cmdq_client | ErrPtr | number): BindLine {
  const err = typeof result === "number" ? result : IS_ERR(result) ? PTR_ERR(result) : 0;
  if (err !== 0) return line(tree, np, "mboxes", index, err, mboxErrorText(tree, np, index, err));
  const spec = of_phandle_args_init();
  of_parse_phandle_with_args(np, "mboxes", "#mbox-cells", index, spec);
  const th = spec.np === null ? undefined : threadsOf(spec.np)?.[spec.args[0] ?? -1];
  const gce = spec.np === null ? "?" : nodeName(tree, spec.np);
  const detail = th === undefined ? "" : th.atomic_exec ? `, priority ${th.priority}, atomic_exec` : `, priority ${th.priority}`;
  return line(tree, np, "mboxes", index, 0, `GCE thread ${spec.args[0] ?? "?"} of ${gce}${detail}`);
}

/** "0x1400xxxx" for a subsys id, when the SoC table knows it. */
function subsysWindow(soc: SocLookup | undefined, id: number): string {
  const base = soc?.subsysBase(id);
  return base === undefined ? `subsys ${id}` : `subsys ${id} (0x${base.toString(16).padStart(4, "0")}xxxx)`;
}

const SEED_WINDOWS = "0x1400xxxx, 0x1401xxxx, 0x1402xxxx";

/** The property each binding era reads a client's GCE window from (seed: the first `reg`). */
const SOURCE_PROPERTY: Readonly<Record<mtk_ddp_cmdq_source, string>> = {
  "mediatek,gce-client-reg": "mediatek,gce-client-reg",
  "mediatek,gce-subsys": "mediatek,gce-subsys",
  reg: "reg",
};

/**
 * The line for a register client (a node whose registers CMDQ packets write): its GCE window as
 * the display driver reads it (mtk_ddp_comp_cmdq_base: client reg, 4.19's gce-subsys, or the
 * seed's subsys-from-`reg`), at physical address `pa`.
 */
export function clientRegLine(tree: BoardTree, dev: device, pa: number, soc: SocLookup | undefined): BindLine {
  const np = dev.of_node!;
  const r = mtk_ddp_comp_cmdq_base(dev, pa);
  const prop = SOURCE_PROPERTY[r.source];
  if (r.err !== 0) {
    const why = of_find_property(np, "mediatek,gce-client-reg") === null ? "the node has none; the tree's other clients have one" : "the entry is malformed";
    return line(tree, np, prop, 0, r.err, `error ${r.err} can't parse gce-client-reg property (0): ${why}`);
  }
  if (r.base === null) return line(tree, np, prop, 0, null, `0x${pa.toString(16)} is outside the seed's subsys table (${SEED_WINDOWS})`);
  const where = r.source === "reg" ? `base 0x${r.base.base.toString(16)}` : r.source === "mediatek,gce-subsys" ? `offset from reg 0x${(pa & 0xffff).toString(16)}` : `offset 0x${r.base.base.toString(16)}`;
  return line(tree, np, prop, 0, 0, `${subsysWindow(soc, r.base.subsys)}, ${where}`);
}

/** The line for entry `index` of an event list (`mediatek,gce-events`, `mutex-event-eof`). */
export function eventLine(tree: BoardTree, np: device_node, property: string, index: number, soc: SocLookup | undefined): BindLine {
  const v = { value: 0 };
  const err = of_property_read_u32_index(np, property, index, v);
  if (err !== 0) return line(tree, np, property, index, err, `the list has ${entries(u32Count(np, property))}`);
  if (v.value >= 1024) return line(tree, np, property, index, -EINVAL, `event ${v.value} is not a GCE event id (0..1023)`);
  const name = soc?.eventName(v.value);
  return line(tree, np, property, index, 0, `event ${v.value}${name === undefined ? "" : ` (${name})`}`);
}

/** The event lists a node carries (5.12+'s on the mutex, 4.19's on mmsys). */
export const EVENT_PROPERTIES: readonly string[] = ["mediatek,gce-events", "mutex-event-eof"];

/** Entries of a u32-list property. */
export function u32Count(np: device_node, property: string): number {
  const p = of_find_property(np, property);
  return p === null ? 0 : Math.floor(p.value.length / 4);
}

/** Nodes whose registers CMDQ clients write: display blocks, mmsys/imgsys, anything with a GCE window property. */
export function isRegisterClient(np: device_node): boolean {
  if (of_find_property(np, "mediatek,gce-client-reg") !== null || of_find_property(np, "mediatek,gce-subsys") !== null) return true;
  const p = of_find_property(np, "compatible");
  if (p === null) return false;
  return new TextDecoder()
    .decode(p.value)
    .split("\0")
    .some((c) => /^mediatek,[a-z0-9]+-(mmsys|imgsys|disp-.+|mdp3?-.+)$/.test(c));
}
