/**
 * A MediaTek board for any tree whose root is `mediatek,mt8183` or `mediatek,mt8195` (the GCE
 * SoCs vplat models besides mt8173): one GCE model per enabled GCE node (mt8195 has two), with
 * the thread count, address shift and subsys table of its SoC (mtk-gce-soc.ts; the controller
 * driver's gce_plat from its of_match table), DRAM from the memory node, the GIC stand-in, one CPU,
 * and the CMDQ kernel stack: the GCE controller driver probed on every GCE node, the platform
 * devices of the tree, and the CMDQ clients the tree describes.
 *
 * MODEL: these SoCs' display and MDP drivers are not ported. The board binds their clients as
 * those drivers would at probe, and keeps the result: every `mboxes` entry that names a GCE is
 * requested (cmdq_mbox_create(dev, i), the channel is the board's for packets a user submits),
 * every register client's GCE window is read (mtk_ddp_comp_cmdq_base, i.e.
 * cmdq_dev_get_client_reg in a 5.7+ tree), every `mediatek,gce-events` entry is checked.
 * `bindReport()` lists each outcome with the kernel's errno. Without a memory node the DRAM is
 * 16 MiB at 0x40000000; without a `mediatek,mt6577-timer` node the kernel has no tick, so
 * jiffies-based timeouts (the controller's 1000 ms thread timer) never fire.
 */
import type { Co, Task } from "../../sim/task.js";
import { Dram } from "../../hw/mem/dram.js";
import { GCE_SOCS, socLookup, type SocName } from "../../hw/mailbox/mtk-gce-soc.js";
import { MtkGce, type GceTiming } from "../../hw/mailbox/mtk-gce.js";
import { MtkGpt } from "../../hw/timer/mtk-gpt.js";
import { kthread_run } from "../../linux/kernel/instance.js";
import { generic_handle_irq, irq_set_chip } from "../../linux/kernel/irq/manage.js";
import { dmesg } from "../../linux/kernel/printk/printk.js";
import { local_irq_restore, local_irq_save } from "../../linux/include/linux/irqflags.js";
import { device_create, type device } from "../../linux/include/linux/device.js";
import { IS_ERR, type ErrPtr } from "../../linux/include/linux/err.js";
import { ENOENT } from "../../linux/include/linux/errno.js";
import {
  of_alias_get_id,
  of_device_is_available,
  of_device_is_compatible,
  of_find_property,
  of_parse_phandle_with_args,
  of_phandle_args_init,
  of_walk,
  resource_size,
  type device_node,
} from "../../linux/include/linux/of.js";
import { of_find_device_by_node, of_irq_get, of_platform_populate, platform_driver_register } from "../../linux/include/linux/platform_device.js";
import type { cmdq_client } from "../../linux/include/linux/soc/mediatek/mtk-cmdq.js";
import { cmdq_mbox_create } from "../../linux/drivers/soc/mediatek/mtk-cmdq-helper.js";
import { CMDQ_SEED_SWITCHES, cmdq_drv, cmdq_get, type cmdq } from "../../linux/drivers/mailbox/mtk-cmdq-mailbox.js";
import { mtk_timer_of_match } from "../../linux/drivers/clocksource/timer-mediatek.js";
import { Machine } from "../machine.js";
import { BoardError, availableCompatible, fixedClockHz, memoryNode, nodeName, regOf, rootCompatible, type BoardTree } from "./board-tree.js";
import {
  EVENT_PROPERTIES,
  bindReportOf,
  clientRegLine,
  controllerLine,
  eventLine,
  isRegisterClient,
  mboxLine,
  u32Count,
  type BindLine,
  type BindReport,
} from "./cmdq-binding.js";
import { GIC_COMPATIBLES, GicStandIn } from "./gic.js";

/** The SoCs this board runs, by root compatible. */
export const MTK_GCE_BOARD_SOCS: readonly SocName[] = ["mt8183", "mt8195"];

const DEFAULT_DRAM = { base: 0x4000_0000, size: 16 << 20 } as const;

export interface MtkGceBoardProps {
  readonly HZ?: 100 | 250 | 1000;
  /** "fixed" (default): seed defects fixed as mainline; "seed": the seed's CMDQ behaviour. */
  readonly driverProfile?: "fixed" | "seed";
  readonly switches?: Readonly<Record<string, boolean>>;
  readonly gceTiming?: Partial<GceTiming>;
}

/** One GCE: its node, its model, the name the model's regions and traces use. */
export interface MtkGceInstance {
  readonly node: device_node;
  readonly name: string;
  readonly model: MtkGce;
}

/** The SoC a tree's root compatible names, among those this board runs. */
export function mtkGceBoardSoc(tree: BoardTree): SocName | undefined {
  const compat = rootCompatible(tree);
  return MTK_GCE_BOARD_SOCS.find((soc) => compat.includes(`mediatek,${soc}`));
}

export class MtkGceBoard {
  readonly soc: SocName;
  readonly tree: BoardTree;
  readonly machine: Machine;
  readonly dram: Dram;
  readonly gic: GicStandIn;
  readonly gces: readonly MtkGceInstance[];
  readonly gpt: MtkGpt | null;
  /** What cmdq_mbox_create returned for each `mboxes` entry the board requested, by client node. */
  readonly clients = new Map<device_node, ReadonlyArray<readonly [index: number, client: cmdq_client | ErrPtr]>>();
  private readonly timerNode: device_node | null;
  private lines: BindLine[] = [];
  private booted = false;

  constructor(tree: BoardTree, props: MtkGceBoardProps = {}) {
    const soc = mtkGceBoardSoc(tree);
    if (soc === undefined) throw new BoardError(`${tree.file}: the root compatible (${rootCompatible(tree).join(", ") || "none"}) names none of ${MTK_GCE_BOARD_SOCS.map((s) => `mediatek,${s}`).join(", ")}`);
    this.soc = soc;
    this.tree = tree;
    const mem = memoryNode(tree);
    const memReg = mem === null ? null : regOf(tree, mem);
    this.dram = new Dram(memReg === null ? DEFAULT_DRAM : { base: memReg.start, size: resource_size(memReg) });
    const switches: Record<string, boolean> = {};
    if (props.driverProfile === "seed") for (const s of CMDQ_SEED_SWITCHES) switches[s] = true;
    Object.assign(switches, props.switches);
    const m = new Machine({ cpus: 1, kernel: { HZ: props.HZ ?? 250, switches }, ram: { base: this.dram.base, bytes: this.dram.u8 }, cpuCounterHz: 13_000_000 });
    this.machine = m;
    m.bus.map(this.dram.region);
    if (GIC_COMPATIBLES.every((c) => availableCompatible(tree, c).length === 0)) {
      throw new BoardError(`${soc}: no interrupt controller in ${tree.file} (compatible ${GIC_COMPATIBLES.join(" or ")}): the GCE's interrupt has no parent`);
    }
    this.gic = new GicStandIn(m.tracer);
    this.gces = availableCompatible(tree, GCE_SOCS[soc].compatible).map((np, i) => this.makeGce(np, i, props));
    this.timerNode = availableCompatible(tree, mtk_timer_of_match.compatible)[0] ?? null;
    this.gpt = this.timerNode === null ? null : this.makeGpt(this.timerNode);
    m.attachCpus([this.gic], (vector) => {
      // Exception entry masks IRQs (PSTATE.I) while the handler runs.
      const flags = local_irq_save();
      try {
        generic_handle_irq(vector);
      } finally {
        local_irq_restore(flags);
      }
    });
  }

  private irqOf(np: device_node): number {
    const irq = of_irq_get(np, 0);
    if (irq < 0) throw new BoardError(`${this.soc}: ${nodeName(this.tree, np)}: interrupts[0] cannot be read through its interrupt parent (${irq})`);
    return irq;
  }

  private makeGce(np: device_node, i: number, props: MtkGceBoardProps): MtkGceInstance {
    const m = this.machine;
    const soc = GCE_SOCS[this.soc];
    const name = this.tree.labels.get(np)?.[0] ?? `gce${i}`;
    const model = new MtkGce({
      clock: m.clock,
      tracer: m.tracer,
      bus: m.bus,
      dram: this.dram,
      base: regOf(this.tree, np).start,
      name,
      threads: soc.threads,
      shiftPa: soc.shiftPa,
      subsys: soc.subsys,
      ...(props.gceTiming === undefined ? {} : { timing: props.gceTiming }),
    });
    m.bus.map(model.region);
    model.irq.connect(this.gic, this.irqOf(np));
    return { node: np, name, model };
  }

  private makeGpt(np: device_node): MtkGpt {
    const m = this.machine;
    const gpt = new MtkGpt({ clock: m.clock, tracer: m.tracer, base: regOf(this.tree, np).start, sysHz: fixedClockHz(np) ?? 13_000_000 });
    m.bus.map(gpt.region);
    gpt.irq.connect(this.gic, this.irqOf(np));
    return gpt;
  }

  /** Boots the kernel: interrupt lines, the timer if any, devices, the GCE driver, the clients. */
  boot(): this {
    if (this.booted) throw new Error(`${this.soc}: already booted`);
    this.booted = true;
    this.machine.inKernel(0, () => {
      of_walk(this.tree.root, (np) => {
        for (let i = 0; of_device_is_available(np); i++) {
          const irq = of_irq_get(np, i);
          if (irq < 0) break;
          irq_set_chip(irq, this.gic.chip);
        }
      });
      if (this.timerNode !== null) mtk_timer_of_match.data!(this.timerNode);
      of_platform_populate(this.tree.root);
      platform_driver_register(cmdq_drv);
      this.lines = this.bindClients();
    });
    return this;
  }

  /** The client drivers' probes: channels, register windows, event lists (kernel context). */
  private bindClients(): BindLine[] {
    const t = this.tree;
    const soc = socLookup(this.soc);
    const lines: BindLine[] = this.gces.map((g) => this.controllerLineOf(g.node));
    const regs: BindLine[] = [];
    const events: BindLine[] = [];
    of_walk(t.root, (np) => {
      if (!of_device_is_available(np) || this.gces.some((g) => g.node === np)) return;
      const dev = this.deviceOf(np);
      if (of_find_property(np, "mboxes") !== null) lines.push(...this.requestChannels(np, dev));
      if (isRegisterClient(np) && of_find_property(np, "reg") !== null) regs.push(clientRegLine(t, dev, regOf(t, np).start, soc));
      for (const prop of EVENT_PROPERTIES) {
        for (let i = 0; i < u32Count(np, prop); i++) events.push(eventLine(t, np, prop, i, soc));
      }
    });
    return [...lines, ...regs, ...events];
  }

  private controllerLineOf(np: device_node): BindLine {
    const l = controllerLine(this.tree, np);
    const alias = of_alias_get_id(np, "gce");
    return alias < 0 || !l.ok ? l : { ...l, text: `${l.text}, alias gce${alias}` };
  }

  /** The node's platform device, or a device for it (a node without `compatible`). */
  private deviceOf(np: device_node): device {
    return of_find_device_by_node(np)?.dev ?? device_create(np.full_name, np, "platform");
  }

  /**
   * cmdq_mbox_create for every `mboxes` entry that names a GCE node (entries of other mailbox
   * controllers are theirs), up to the end of the list or its first malformed entry, which is
   * requested too, for the kernel's error.
   */
  private requestChannels(np: device_node, dev: device): BindLine[] {
    const gceCompat = GCE_SOCS[this.soc].compatible;
    const got: Array<readonly [number, cmdq_client | ErrPtr]> = [];
    const spec = of_phandle_args_init();
    for (let i = 0; ; i++) {
      const parsed = of_parse_phandle_with_args(np, "mboxes", "#mbox-cells", i, spec);
      if (parsed === -ENOENT) break;
      if (parsed === 0 && of_device_is_compatible(spec.np, gceCompat) === 0) continue;
      got.push([i, cmdq_mbox_create(dev, i)]);
      if (parsed !== 0) break;
    }
    this.clients.set(np, got);
    return got.map(([i, c]) => mboxLine(this.tree, np, i, c));
  }

  /** The client on entry `index` of the `mboxes` of the node labelled `label` (throws if it has none). */
  client(label: string, index = 0): cmdq_client {
    for (const [np, list] of this.clients) {
      if (!(this.tree.labels.get(np) ?? []).includes(label)) continue;
      const c = list.find(([i]) => i === index)?.[1];
      if (c !== undefined && !IS_ERR(c)) return c;
      throw new BoardError(`${this.soc}: ${nodeName(this.tree, np)}: mboxes[${index}] has no channel${c === undefined ? "" : ` (${c})`}`);
    }
    throw new BoardError(`${this.soc}: no node labelled ${label} with a GCE mailbox in ${this.tree.file}`);
  }

  /** The controller bound to GCE `i` (tree order), or null. */
  controller(i = 0): cmdq | null {
    const g = this.gces[i];
    if (g === undefined) return null;
    return this.machine.inKernel(0, () => {
      const dev = of_find_device_by_node(g.node)?.dev;
      return dev === undefined ? null : cmdq_get(dev);
    });
  }

  /** What every GCE client of the tree bound to, or why not (after boot). */
  bindReport(): BindReport {
    return this.machine.inKernel(0, () => bindReportOf(this.soc, this.tree, this.lines));
  }

  inKernel<T>(fn: () => T): T {
    return this.machine.inKernel(0, fn);
  }

  spawn<T>(name: string, body: Co<T>): Task<T> {
    return this.machine.inKernel(0, () => kthread_run(body, name, 0));
  }

  runFor(ns: number): void {
    this.machine.clock.run(this.machine.clock.now + ns);
  }

  dmesg(): string {
    return dmesg(this.machine.kernel.log);
  }
}
