/**
 * The mediatek-gce board in a scenario (an mt8183 or mt8195 tree, src/platform/boards/mtk-gce-board.ts):
 * what its summary reports, and the CMDQ program client on it.
 *
 * The summary restates the board's binding report (cmdq-binding.ts) as data: each GCE (node,
 * base, IRQ, threads, address shift), each client (its `mboxes` entries, its GCE register
 * window, its event lists), each with the kernel's errno where the binding failed, and what
 * the GCEs ran. Nodes are named by path, which a DTB keeps, with their DTS label beside it.
 */
import { socLookup } from "../../hw/mailbox/mtk-gce-soc.js";
import { IS_ERR } from "../../linux/include/linux/err.js";
import {
  of_find_property,
  of_node_full_path,
  of_parse_phandle_with_args,
  of_parse_phandle_with_fixed_args,
  of_phandle_args_init,
  of_property_read_u32,
  of_property_read_u32_index,
  of_walk,
  resource_size,
  type device_node,
} from "../../linux/include/linux/of.js";
import { of_find_device_by_node } from "../../linux/include/linux/platform_device.js";
import type { cmdq_client } from "../../linux/include/linux/soc/mediatek/mtk-cmdq.js";
import { cmdq_mbox_destroy } from "../../linux/drivers/soc/mediatek/mtk-cmdq-helper.js";
import { CMDQ_CODE } from "../../hw/mailbox/mtk-gce-isa.js";
import { cmdq_get, type cmdq, type cmdq_thread } from "../../linux/drivers/mailbox/mtk-cmdq-mailbox.js";
import { nodeName, regOf, type BoardTree } from "../../platform/boards/board-tree.js";
import type { BindLine } from "../../platform/boards/cmdq-binding.js";
import type { MtkGceBoard } from "../../platform/boards/mtk-gce-board.js";
import { gceThreadStats, type Mt8173ThreadStats } from "../../platform/boards/mt8173.js";
import { startCmdqProgramClient, type CmdqProgramClientStats } from "../../platform/workloads/cmdq-program.js";
import type { CmdqProgram } from "./model.js";

/** Why a binding failed: the kernel's negative errno (null: the seed's NULL, which has none) and the report's words. */
export interface BindFailure {
  readonly errno: number | null;
  readonly message: string;
}

/** A node of the tree: its path (kept by a DTB) and its first DTS label (null in a DTB). */
export interface NodeRef {
  readonly node: string;
  readonly label: string | null;
}

export interface GceSummary extends NodeRef {
  /** Physical address of its registers (`reg`). */
  readonly base: number;
  /** The Linux IRQ the bound controller requested (null when no driver bound). */
  readonly irq: number | null;
  readonly threads: number;
  /** Addresses the GCE holds are physical addresses >> shift (gce_plat's `shift`). */
  readonly shift: number;
  /** The controller's probe, or why it did not bind. */
  readonly error: BindFailure | null;
  /** Instructions the GCE executed. */
  readonly instructions: number;
}

/** One `mboxes` entry that names a GCE: its thread, and the priority the controller set, or the error. */
export interface MboxSummary {
  /** The entry's index: the `index` of cmdq_mbox_create(dev, index). */
  readonly index: number;
  /** The GCE node's path (null when the entry cannot be parsed). */
  readonly gce: string | null;
  readonly thread: number | null;
  /** The thread's priority and atomic_exec as the controller's of_xlate set them (null when not bound). */
  readonly priority: number | null;
  readonly atomicExec: boolean | null;
  readonly error: BindFailure | null;
}

/** Where CMDQ packets reach the client's registers: subsys id, offset in it and size. */
export interface WindowSummary {
  /** The property read: `mediatek,gce-client-reg` (5.7+), `mediatek,gce-subsys` (4.19) or the seed's `reg`. */
  readonly property: string;
  readonly subsys: number | null;
  readonly offset: number | null;
  readonly size: number | null;
  readonly error: BindFailure | null;
}

/** One entry of an event list (`mediatek,gce-events`, 4.19's `mutex-event-eof`). */
export interface EventSummary {
  readonly property: string;
  readonly index: number;
  readonly event: number | null;
  /** The SoC's name for the event, when its table has one. */
  readonly name: string | null;
  readonly error: BindFailure | null;
}

export interface ClientSummary extends NodeRef {
  readonly mboxes: readonly MboxSummary[];
  readonly window: WindowSummary | null;
  readonly events: readonly EventSummary[];
}

/** One GCE thread's packets, as the controller accounted them (threads that ran any). */
export interface GceThreadSummary extends Mt8173ThreadStats {
  /** The GCE node's path. */
  readonly gce: string;
}

export interface MediatekGcePart {
  readonly soc: string;
  readonly gces: readonly GceSummary[];
  readonly clients: readonly ClientSummary[];
  /** The binding report's failed lines, as the board formats them. */
  readonly bindErrors: readonly string[];
  readonly threads: readonly GceThreadSummary[];
  readonly instructions: {
    /** Instructions every GCE executed. */
    readonly executed: number;
    /** Instructions of the packets that completed successfully, by op. */
    readonly byOp: Readonly<Record<string, number>>;
  };
}

/** The program client's packets on a mediatek-gce board, and the client node whose `mboxes` entry `channel` it took (null: none). */
export interface MediatekProgramStats extends CmdqProgramClientStats {
  readonly node: string | null;
}

const OP_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(CMDQ_CODE).map(([name, code]) => [code, name]));

/** The summary of the board's binding and what its GCEs ran (after boot). */
export function mediatekGcePart(board: MtkGceBoard): MediatekGcePart {
  const report = board.bindReport();
  return board.inKernel(() => {
    const t = board.tree;
    const byName = nodesByName(t);
    const lines = new Map<device_node, BindLine[]>();
    for (const l of report.lines) {
      const np = byName.get(l.node);
      if (np !== undefined) lines.set(np, [...(lines.get(np) ?? []), l]);
    }
    const gceNodes = new Set(board.gces.map((g) => g.node));
    const gces = board.gces.map((g, i): GceSummary => {
      const c = board.controller(i);
      const bound = lines.get(g.node)?.find((l) => l.property === "compatible");
      return {
        ...ref(t, g.node),
        base: g.model.base,
        irq: c?.irq ?? null,
        threads: g.model.threadCount,
        shift: g.model.shiftPa,
        error: bound === undefined ? null : failure(bound),
        instructions: g.model.stats().instructions,
      };
    });
    const clients: ClientSummary[] = [];
    of_walk(t.root, (np) => {
      const own = lines.get(np);
      if (own === undefined || gceNodes.has(np)) return;
      clients.push(clientSummary(board, np, own));
    });
    const threads: GceThreadSummary[] = [];
    const byOp: Record<string, number> = {};
    board.gces.forEach((g, i) => {
      for (const th of board.controller(i)?.thread ?? []) {
        countOps(th, byOp);
        if (th.stats.submitted > 0) threads.push(threadSummary(of_node_full_path(g.node), th));
      }
    });
    return {
      soc: board.soc,
      gces,
      clients,
      bindErrors: report.errors,
      threads,
      instructions: { executed: gces.reduce((n, g) => n + g.instructions, 0), byOp },
    };
  });
}

function nodesByName(t: BoardTree): Map<string, device_node> {
  const out = new Map<string, device_node>();
  of_walk(t.root, (np) => out.set(nodeName(t, np), np));
  return out;
}

function ref(t: BoardTree, np: device_node): NodeRef {
  return { node: of_node_full_path(np), label: t.labels.get(np)?.[0] ?? null };
}

function failure(l: BindLine): BindFailure | null {
  return l.ok ? null : { errno: l.errno, message: l.text };
}

function clientSummary(board: MtkGceBoard, np: device_node, lines: readonly BindLine[]): ClientSummary {
  const t = board.tree;
  const mboxes = lines.filter((l) => l.property === "mboxes").map((l) => mboxSummary(np, l));
  const reg = lines.find((l) => l.property === "mediatek,gce-client-reg" || l.property === "mediatek,gce-subsys" || l.property === "reg");
  const events = lines
    .filter((l) => l.property === "mediatek,gce-events" || l.property === "mutex-event-eof")
    .map((l): EventSummary => {
      const v = { value: 0 };
      const read = of_property_read_u32_index(np, l.property, l.index, v) === 0;
      const name = read ? socLookup(board.soc).eventName(v.value) : undefined;
      return { property: l.property, index: l.index, event: read ? v.value : null, name: name ?? null, error: failure(l) };
    });
  return { ...ref(t, np), mboxes, window: reg === undefined ? null : windowSummary(t, np, reg), events };
}

/** The entry as the tree gives it (GCE, thread), and the priority the controller's of_xlate set. */
function mboxSummary(np: device_node, l: BindLine): MboxSummary {
  const spec = of_phandle_args_init();
  const parsed = of_parse_phandle_with_args(np, "mboxes", "#mbox-cells", l.index, spec) === 0 && spec.np !== null;
  const thread = parsed ? (spec.args[0] ?? null) : null;
  const th = l.ok && parsed && thread !== null ? controllerOf(spec.np)?.thread[thread] : undefined;
  return {
    index: l.index,
    gce: parsed && spec.np !== null ? of_node_full_path(spec.np) : null,
    thread,
    priority: th?.priority ?? null,
    atomicExec: th?.atomic_exec ?? null,
    error: failure(l),
  };
}

function controllerOf(gce: device_node | null): cmdq | null {
  const pdev = of_find_device_by_node(gce);
  return pdev === null ? null : cmdq_get(pdev.dev);
}

/**
 * The window as the display driver of the tree's era reads it (mtk_ddp_comp_cmdq_base): the
 * cells of `mediatek,gce-client-reg` with cmdq_dev_get_client_reg's (u8)/(u16) casts; 4.19's
 * `mediatek,gce-subsys` with the offset and size from `reg`; the seed's subsys from `reg`.
 */
function windowSummary(t: BoardTree, np: device_node, l: BindLine): WindowSummary {
  const none = { property: l.property, subsys: null, offset: null, size: null, error: failure(l) };
  if (!l.ok) return none;
  if (l.property === "mediatek,gce-client-reg") {
    const spec = of_phandle_args_init();
    if (of_parse_phandle_with_fixed_args(np, l.property, 3, 0, spec) !== 0) return none;
    return { ...none, subsys: spec.args[0]! & 0xff, offset: spec.args[1]! & 0xffff, size: spec.args[2]! & 0xffff };
  }
  if (of_find_property(np, "reg") === null) return none;
  const r = regOf(t, np);
  const v = { value: 0 };
  // The seed's cmdq_register_device numbers its three windows (0x1400…0x1402xxxx) as mt8173 does.
  const subsys = l.property === "mediatek,gce-subsys" ? (of_property_read_u32(np, l.property, v) === 0 ? v.value & 0xff : null) : (socLookup("mt8173").subsysId(r.start >>> 16) ?? null);
  return { ...none, subsys, offset: r.start & 0xffff, size: resource_size(r) };
}

function countOps(th: cmdq_thread, byOp: Record<string, number>): void {
  const ops = th.stats.ops;
  for (let op = 0; op < ops.length; op++) {
    const n = ops[op]!;
    if (n === 0) continue;
    const name = OP_NAMES.get(op) ?? `0x${op.toString(16)}`;
    byOp[name] = (byOp[name] ?? 0) + n;
  }
}

function threadSummary(gce: string, th: cmdq_thread): GceThreadSummary {
  return { gce, ...gceThreadStats(th) };
}

/** The program client on a mediatek-gce board: the client node whose channel it took (null: none), and its live statistics. */
export interface MediatekProgram {
  readonly node: string | null;
  readonly stats: CmdqProgramClientStats;
}

/**
 * Starts the program client on the first channel the board bound (tree order): the board
 * requested every `mboxes` entry at probe, as the display driver would, so the client takes
 * that channel over (cmdq_mbox_destroy, then its own cmdq_mbox_create on the same entry, as a
 * driver rebinding would) and submits `packets` packets of the program back to back, each after
 * the previous one's callback (no display sends a frame event on this board). Call after boot.
 */
export function startMediatekProgram(board: MtkGceBoard, program: CmdqProgram, packets: number): MediatekProgram {
  const first = firstBoundChannel(board);
  if (first === null) {
    return { node: null, stats: { channel: 0, instructionsPerPacket: 0, submitted: 0, completed: 0, failed: 0, stopped: "no client in the tree has a bound GCE channel" } };
  }
  const [np, index, client] = first;
  const dev = client.client.dev;
  if (dev === null) throw new Error(`${of_node_full_path(np)}: a CMDQ client without a device`);
  board.inKernel(() => cmdq_mbox_destroy(client));
  return { node: of_node_full_path(np), stats: startCmdqProgramClient(board.machine, { dev, channel: index, words: program.words, frameEvent: null, frames: packets }) };
}

function firstBoundChannel(board: MtkGceBoard): [device_node, number, cmdq_client] | null {
  for (const [np, list] of board.clients) {
    for (const [index, c] of list) if (!IS_ERR(c)) return [np, index, c];
  }
  return null;
}
