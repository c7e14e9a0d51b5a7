/**
 * The mt8173 board, built from its device tree (boards/mt8173.dts, or any tree whose root is
 * `mediatek,mt8173`): the GCE (CMDQ) the `mediatek,mt8173-gce` node describes (16 threads), the
 * display pipeline at 0x1400xxxx–0x1402xxxx (subsys 1/2/3), DRAM from the memory node, the GPT
 * timer, one CPU, and a seed-era kernel running the CMDQ stack: the mailbox framework, the GCE
 * controller driver, the seed's helper and the DRM crtc as its client.
 *
 * Every device model sits where its node's `reg` says (decoded with the parent's
 * `#address-cells`/`#size-cells`) and drives the GIC line its `interrupts` names through the
 * interrupt parent (GIC interrupt IDs: SPI n = 32 + n). A node whose `status` is not "okay" gets
 * no model and no device. The display model's blocks are mt8173's, at their fixed addresses;
 * their interrupts come from the tree nodes at those addresses. The display's SOF/EOF/stream-EOF/
 * underrun pulses go to the GCE's event inputs through a tap that counts them; kernel RAM *is*
 * the DRAM (the direct map), so the packets the helper builds are what the GCE fetches.
 *
 * Options that describe hardware edit the tree first (`dramBytes` sizes the memory node);
 * `dtsOverlay` merges DTS statements after boards/mt8173.dts (`&mmsys { mboxes = <&gce 0 1 0>; };`,
 * `&gce { status = "disabled"; };`), so the tree is always what runs.
 *
 * Boot (as the kernel's initcalls would order it): GIC chips for the lines the tree uses, the GPT
 * driver (TIMER_OF_DECLARE: clocksource + tick), the platform devices from the tree, the GCE
 * controller driver, then one display-client kernel thread per crtc (commit a frame, wait for
 * its flip). `bindReport()` lists what every GCE client bound to, or why it could not.
 *
 * MODEL: the GIC is the stand-in of gic.ts. The CPU masks interrupts while it runs a handler
 * (the exception entry's PSTATE.I). One CPU: without the ARM generic timer (not modelled, see
 * timer-mediatek.ts) secondary CPUs would have no tick.
 */
import type { Co, Task } from "../../sim/task.js";
import type { IrqSink } from "../../sim/irq.js";
import { Dram } from "../../hw/mem/dram.js";
import { CMDQ_CODE } from "../../hw/mailbox/mtk-gce-isa.js";
import { GCE_SOCS, socLookup } from "../../hw/mailbox/mtk-gce-soc.js";
import { MtkGce, type GceTiming } from "../../hw/mailbox/mtk-gce.js";
import { MtkDisplay, type PanelTiming } from "../../hw/display/mtk-disp.js";
import { MT8173_DISP_COMPONENTS } from "../../hw/display/mtk-disp.regs.js";
import { MtkGpt } from "../../hw/timer/mtk-gpt.js";
import { kthread_run } from "../../linux/kernel/instance.js";
import { generic_handle_irq, irq_set_chip } from "../../linux/kernel/irq/manage.js";
import { local_irq_restore, local_irq_save } from "../../linux/include/linux/irqflags.js";
import {
  for_each_of_cpu_node,
  of_address_to_resource,
  of_device_is_available,
  of_find_property,
  of_walk,
  resource_init,
  resource_size,
  type device_node,
} from "../../linux/include/linux/of.js";
import { of_find_device_by_node, of_irq_get, of_platform_populate, platform_driver_register } from "../../linux/include/linux/platform_device.js";
import type { device } from "../../linux/include/linux/device.js";
import { dmesg } from "../../linux/kernel/printk/printk.js";
import { jiffies } from "../../linux/kernel/time/timer.js";
import { mtk_timer_of_match } from "../../linux/drivers/clocksource/timer-mediatek.js";
import {
  CMDQ_SEED_SWITCHES,
  CMDQ_THR_BASE,
  CMDQ_THR_CURR_ADDR,
  CMDQ_THR_SIZE,
  CMDQ_THR_SUSPEND_TASK,
  CMDQ_THR_WAIT_TOKEN,
  cmdq_drv,
  cmdq_get,
  type cmdq,
  type cmdq_thread,
} from "../../linux/drivers/mailbox/mtk-cmdq-mailbox.js";
import {
  mtk_ddp_comp_init,
  mtk_drm_client_thread,
  mtk_drm_crtc_create,
  type drm_pending_vblank_event,
  type mtk_crtc_state,
  type mtk_drm_crtc,
  type mtk_ddp_comp,
  type mtk_plane_state,
} from "../../linux/drivers/gpu/drm/mediatek/mtk_drm_crtc.js";
import { Machine } from "../machine.js";
import { BoardError, availableCompatible, builtinBoardTree, fixedClockHz, memoryNode, nodeName, regOf, setMemorySize, type BoardTree } from "./board-tree.js";
import { bindReportOf, clientRegLine, controllerLine, eventLine, isRegisterClient, mboxLine, type BindLine, type BindReport } from "./cmdq-binding.js";
import { GIC_COMPATIBLES, GicStandIn } from "./gic.js";

export type Mt8173DriverProfile = "fixed" | "seed";

export interface Mt8173ClientProps {
  /** Start the display client threads at boot (default true). */
  readonly start?: boolean;
  /** Enabled OVL layers per frame, 0..4 (default 4). */
  readonly planes?: number;
  /** Register writes per frame packet, layer registers included (default 200). */
  readonly writesPerFrame?: number;
  /** Frames each client commits (default: unlimited). */
  readonly frames?: number;
}

export interface Mt8173Props {
  readonly HZ?: 100 | 250 | 1000;
  /** "fixed" (default): seed defects fixed as mainline; "seed": the seed's CMDQ behaviour. */
  readonly driverProfile?: Mt8173DriverProfile;
  /** Individual kernel switches, applied over the profile. */
  readonly switches?: Readonly<Record<string, boolean>>;
  /** DRAM size in bytes (default 16 MiB). */
  readonly dramBytes?: number;
  /** Display paths / crtcs: 1 (default) or 2; crtc i uses OVLi → RDMAi, mutex i, mboxes entry i. */
  readonly crtcs?: 1 | 2;
  readonly panel?: Partial<PanelTiming>;
  readonly gceTiming?: Partial<GceTiming>;
  readonly client?: Mt8173ClientProps;
  /**
   * DTS statements merged after boards/mt8173.dts, e.g. `&mmsys { mboxes = <&gce 0 1 0>; };`
   * (the 4.19 3-cell form) or `&gce { status = "disabled"; };` (no GCE: clients get
   * -EPROBE_DEFER). A syntax error throws DtError placed in "<dtsOverlay>".
   */
  readonly dtsOverlay?: string;
  /** A tree to run instead of boards/mt8173.dts (what bootDeviceTree passes for `--dts`/`--dtb`). */
  readonly tree?: BoardTree;
}

/** One GCE thread's packets, as the controller accounted them. */
export interface Mt8173ThreadStats {
  readonly thread: number;
  readonly priority: number;
  readonly submitted: number;
  readonly completed: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly aborted: number;
  /** Packets appended to a running thread: by patching the previous JUMP / by moving the PC. */
  readonly appendedByJump: number;
  readonly appendedDirect: number;
  readonly latencyAvgNs: number;
  readonly latencyMaxNs: number;
}

/** One GCE event: pulses from the display, and the thread waits they ended. */
export interface Mt8173EventStats {
  readonly event: number;
  readonly name: string;
  readonly pulses: number;
  /** Pulses that released a thread blocked in a WFE on it. */
  readonly waitsEnded: number;
  /** Wait time of those threads, measured from the waiting packet's submission. */
  readonly waitAvgNs: number;
  readonly waitMaxNs: number;
}

export interface Mt8173FrameStats {
  readonly crtc: number;
  readonly committed: number;
  readonly flipped: number;
  /** Flipped frames whose register writes all landed in a vblank. */
  readonly onTime: number;
  /** Flipped frames with at least one late write (it missed the frame's vblank). */
  readonly late: number;
  /** Flips completed with an error (packet failed or timed out). */
  readonly failed: number;
  /** "CMDQ execute command timeout!" reports (the vblank countdown). */
  readonly cmdqTimeouts: number;
  /** Frames configured by CPU writes (no mailbox channel). */
  readonly cpuConfigured: number;
}

/** What a user reads after a run (the CLI prints it). */
export interface Mt8173Stats {
  readonly timeNs: number;
  readonly jiffies: number;
  readonly threads: readonly Mt8173ThreadStats[];
  readonly instructions: {
    /** Instructions the GCE executed (engine counter). */
    readonly executed: number;
    /** Instructions of the packets that completed successfully, by op. */
    readonly byOp: Readonly<Record<string, number>>;
  };
  readonly events: readonly Mt8173EventStats[];
  readonly frames: readonly Mt8173FrameStats[];
  readonly display: { readonly frames: number; readonly writes: number; readonly vblankWrites: number; readonly lateWrites: number; readonly underruns: number };
  readonly timeouts: { readonly thread: number; readonly crtc: number };
  /** Completion callbacks that reported an error (error IRQ, timeout, abort). */
  readonly callbackErrors: number;
  readonly warnings: readonly string[];
  readonly busErrors: number;
}

/** A GCE thread's packet accounting as the controller driver keeps it (any MediaTek board). */
export function gceThreadStats(t: cmdq_thread): Mt8173ThreadStats {
  const s = t.stats;
  return {
    thread: t.idx,
    priority: t.priority,
    submitted: s.submitted,
    completed: s.done,
    errors: s.errors,
    timeouts: s.timeouts,
    aborted: s.aborted,
    appendedByJump: s.appended_jump,
    appendedDirect: s.appended_direct,
    latencyAvgNs: s.done === 0 ? 0 : Math.round(s.latency_total / s.done),
    latencyMaxNs: s.latency_max,
  };
}

/** Opcode → name, from the instruction set's `enum cmdq_code`. */
const OP_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(CMDQ_CODE).map(([name, code]) => [code, name]));
const MT8173_EVENTS = socLookup("mt8173");

/** Counts the display's event pulses and the GCE waits they end, then forwards them to the GCE. */
class EventTap implements IrqSink {
  readonly pulses = new Uint32Array(1024);
  readonly ended = new Uint32Array(1024);
  readonly waitTotal = new Float64Array(1024);
  readonly waitMax = new Float64Array(1024);

  constructor(
    private readonly gce: MtkGce | null,
    private readonly board: Mt8173,
  ) {}

  setIrq(pin: number, level: boolean): void {
    if (level && pin >= 0 && pin < 1024) {
      this.pulses[pin]!++;
      this.board.noteEvent(pin, this);
    }
    this.gce?.setIrq(pin, level);
  }
}

/** The frame configuration a client commits: `planes` layers and extra writes up to `writes`. */
export function mt8173FrameSource(planes: number, writes: number): (frame: number) => mtk_crtc_state {
  const n = Math.max(0, Math.min(4, Math.floor(planes)));
  // Per enabled plane: CON, PITCH, SRC_SIZE, OFFSET, ADDR, RDMA_CTRL, RDMA_GMC and a masked SRC_CON.
  const extra = Math.max(0, Math.floor(writes) - 8 * n);
  return (frame) => {
    const fb = 0x5000_0000 + (frame & 1) * 0x0080_0000;
    const planeStates: mtk_plane_state[] = [];
    for (let i = 0; i < n; i++) {
      planeStates.push({ enable: true, addr: fb + i * 0x0020_0000, pitch: 1920 * 4, width: 1920, height: 1080, x: 0, y: 0, con: 0x0000_20ff });
    }
    const ex = new Uint32Array(3 * extra);
    // The LUT/PQ-table stand-in: consecutive words of RDMA's window from 0x400.
    for (let i = 0; i < extra; i++) {
      ex[3 * i] = 1;
      ex[3 * i + 1] = 0x400 + 4 * (i % 0x300);
      ex[3 * i + 2] = frame * 0x1_0001 + i;
    }
    return { planes: planeStates, extra: ex };
  };
}

export class Mt8173 {
  readonly machine: Machine;
  readonly dram: Dram;
  readonly display: MtkDisplay;
  readonly gpt: MtkGpt;
  readonly gic: GicStandIn;
  /** The tree the board runs: its nodes, labels and file. */
  readonly tree: BoardTree;
  /** The tree's root node (what the kernel's `of_root` would be). */
  readonly dt: device_node;
  readonly crtcs: mtk_drm_crtc[] = [];
  readonly props: Mt8173Props;
  private readonly gceModel: MtkGce | null;
  private readonly gceNode: device_node | null;
  private readonly timerNode: device_node;
  private readonly tap: EventTap;
  private booted = false;
  private readonly frameLate: number[] = [];
  private readonly frameCounts: Array<{ onTime: number; late: number; failed: number }> = [];
  /** Register-client lines, worked out at boot (as the client drivers' probes would). */
  private clientLines: BindLine[] = [];

  constructor(props: Mt8173Props = {}) {
    this.props = props;
    const crtcs = props.crtcs ?? 1;
    if (crtcs !== 1 && crtcs !== 2) throw new RangeError(`mt8173: crtcs must be 1 or 2, got ${String(crtcs)}`);
    if (props.tree !== undefined && props.dtsOverlay !== undefined) {
      throw new BoardError("mt8173: dtsOverlay extends boards/mt8173.dts; with your own tree, write the statements into it");
    }
    const tree = props.tree ?? builtinBoardTree("mt8173.dts", props.dtsOverlay);
    if (props.dramBytes !== undefined) setMemorySize(tree, props.dramBytes);
    this.tree = tree;
    this.dt = tree.root;
    const cpus = for_each_of_cpu_node(tree.root).length;
    if (cpus !== 1) throw new BoardError(`mt8173: the tree lists ${cpus} CPUs under /cpus; the board runs one (without the ARM generic timer a second CPU would have no tick)`);
    const mem = memoryNode(tree);
    if (mem === null) throw new BoardError(`mt8173: ${tree.file} has no memory node (device_type = "memory")`);
    const memReg = regOf(tree, mem);
    this.dram = new Dram({ base: memReg.start, size: resource_size(memReg) });
    const switches: Record<string, boolean> = {};
    if (props.driverProfile === "seed") for (const s of CMDQ_SEED_SWITCHES) switches[s] = true;
    Object.assign(switches, props.switches);
    const m = new Machine({
      cpus: 1,
      kernel: { HZ: props.HZ ?? 250, switches },
      ram: { base: this.dram.base, bytes: this.dram.u8 },
      // The arm64 system counter of mt8173 runs at 13 MHz.
      cpuCounterHz: 13_000_000,
    });
    this.machine = m;
    m.bus.map(this.dram.region);
    if (GIC_COMPATIBLES.every((c) => availableCompatible(tree, c).length === 0)) {
      throw new BoardError(`mt8173: no interrupt controller in ${tree.file} (compatible ${GIC_COMPATIBLES.join(" or ")})`);
    }
    this.gic = new GicStandIn(m.tracer);
    this.gceNode = availableCompatible(tree, GCE_SOCS.mt8173.compatible)[0] ?? null;
    this.gceModel = this.gceNode === null ? null : this.makeGce(this.gceNode);
    const timer = availableCompatible(tree, mtk_timer_of_match.compatible)[0];
    if (timer === undefined) throw new BoardError(`mt8173: no ${mtk_timer_of_match.compatible} node in ${tree.file}: the kernel would have no tick`);
    this.timerNode = timer;
    this.gpt = new MtkGpt({ clock: m.clock, tracer: m.tracer, base: regOf(tree, timer).start, sysHz: fixedClockHz(timer) ?? 13_000_000 });
    m.bus.map(this.gpt.region);
    this.gpt.irq.connect(this.gic, this.irqOf(timer));
    this.tap = new EventTap(this.gceModel, this);
    const timing = props.panel ?? {};
    this.display = new MtkDisplay({
      clock: m.clock,
      tracer: m.tracer,
      events: this.tap,
      paths: crtcs === 2 ? [{ timing }, { timing }] : [{ timing }],
      writeLogCapacity: 0,
    });
    for (const r of this.display.regions) m.bus.map(r);
    this.wireDisplayIrqs();
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

  /** The GCE model; throws when the tree has none (its node is missing or disabled). */
  get gce(): MtkGce {
    if (this.gceModel === null) throw new BoardError(`mt8173: ${this.tree.file} has no enabled ${GCE_SOCS.mt8173.compatible} node, so the board has no GCE`);
    return this.gceModel;
  }

  /** The GIC line of interrupt 0 of `np`, or a BoardError naming the node. */
  private irqOf(np: device_node): number {
    const irq = of_irq_get(np, 0);
    if (irq < 0) throw new BoardError(`mt8173: ${nodeName(this.tree, np)}: interrupts[0] cannot be read through its interrupt parent (${irq})`);
    return irq;
  }

  private makeGce(np: device_node): MtkGce {
    const m = this.machine;
    const soc = GCE_SOCS.mt8173;
    const gce = new MtkGce({
      clock: m.clock,
      tracer: m.tracer,
      bus: m.bus,
      dram: this.dram,
      base: regOf(this.tree, np).start,
      threads: soc.threads,
      shiftPa: soc.shiftPa,
      subsys: soc.subsys,
      ...(this.props.gceTiming === undefined ? {} : { timing: this.props.gceTiming }),
    });
    m.bus.map(gce.region);
    gce.irq.connect(this.gic, this.irqOf(np));
    return gce;
  }

  /** Each display block with an interrupt drives the line of the tree node at its address. */
  private wireDisplayIrqs(): void {
    for (const info of MT8173_DISP_COMPONENTS) {
      if (info.irq === undefined) continue;
      const np = this.nodeAt(info.base);
      if (np !== null && of_find_property(np, "interrupts") !== null) this.display.irq(info.name).connect(this.gic, this.irqOf(np));
    }
  }

  /** The available node whose first `reg` entry starts at `pa`, or null. */
  private nodeAt(pa: number): device_node | null {
    let found: device_node | null = null;
    const r = resource_init();
    of_walk(this.dt, (np) => {
      if (found !== null || !of_device_is_available(np) || of_find_property(np, "compatible") === null) return;
      if (of_address_to_resource(np, 0, r) === 0 && r.start === pa) found = np;
    });
    return found;
  }

  /** The interrupt lines the tree's devices use, for the kernel's irq_chip setup. */
  private treeIrqs(): number[] {
    const lines = new Set<number>();
    of_walk(this.dt, (np) => {
      for (let i = 0; of_device_is_available(np); i++) {
        const irq = of_irq_get(np, i);
        if (irq < 0) break;
        lines.add(irq);
      }
    });
    return [...lines].sort((a, b) => a - b);
  }

  /** Boots the kernel: timer, devices, GCE driver, display clients. Returns at once. */
  boot(): this {
    if (this.booted) throw new Error("mt8173: already booted");
    this.booted = true;
    const m = this.machine;
    m.inKernel(0, () => {
      for (const irq of this.treeIrqs()) irq_set_chip(irq, this.gic.chip);
      mtk_timer_of_match.data!(this.timerNode);
      of_platform_populate(this.dt);
      platform_driver_register(cmdq_drv);
      this.clientLines = this.registerClientLines();
    });
    this.cmdqCache = this.controller();
    const client = this.props.client ?? {};
    if (client.start ?? true) {
      const source = mt8173FrameSource(client.planes ?? 4, client.writesPerFrame ?? 200);
      for (let i = 0; i < (this.props.crtcs ?? 1); i++) {
        const crtc = this.createCrtc(i);
        if (crtc === null) continue;
        m.inKernel(0, () => kthread_run(mtk_drm_client_thread(crtc, source, client.frames ?? Infinity), `drm-client${i}`, 0));
      }
    }
    return this;
  }

  /** What the display driver reads for every register client of the tree (kernel context). */
  private registerClientLines(): BindLine[] {
    const lines: BindLine[] = [];
    const soc = socLookup("mt8173");
    of_walk(this.dt, (np) => {
      if (np === this.gceNode || !of_device_is_available(np) || !isRegisterClient(np)) return;
      const dev = of_find_device_by_node(np)?.dev;
      if (dev !== undefined) lines.push(clientRegLine(this.tree, dev, regOf(this.tree, np).start, soc));
    });
    return lines;
  }

  /**
   * Creates crtc `index` (the index-th OVL → RDMA of the tree, mailbox channel `index` of mmsys)
   * in kernel context; it waits for event `mutex` of the tree's list, or the seed's
   * MUTEXn_STREAM_EOF (default: its own index).
   */
  createCrtc(index: number, mutex: number = index): mtk_drm_crtc | null {
    return this.machine.inKernel(0, () => {
      const comps: mtk_ddp_comp[] = [];
      for (const compat of ["mediatek,mt8173-disp-ovl", "mediatek,mt8173-disp-rdma"]) {
        const np = availableCompatible(this.tree, compat)[index];
        const c = np === undefined ? null : mtk_ddp_comp_init(np, np.full_name);
        if (c !== null) comps.push(c);
      }
      const mmsys = this.mmsysDevice();
      if (mmsys === null) return null;
      const mutexNode = availableCompatible(this.tree, "mediatek,mt8173-disp-mutex")[0] ?? null;
      const crtc = mtk_drm_crtc_create(mmsys, index, comps, mutex, mutexNode);
      if (crtc === null) return null;
      crtc.event_listener = (c, ev) => this.onFlip(c, ev);
      this.crtcs.push(crtc);
      this.frameLate[index] = 0;
      this.frameCounts[index] = { onTime: 0, late: 0, failed: 0 };
      return crtc;
    });
  }

  /** The mmsys platform device (the display's mailbox client device). */
  mmsysDevice(): device | null {
    const np = availableCompatible(this.tree, "mediatek,mt8173-mmsys")[0] ?? null;
    return this.machine.inKernel(0, () => of_find_device_by_node(np)?.dev ?? null);
  }

  /** The GCE controller's driver data once probed. */
  controller(): cmdq | null {
    return this.machine.inKernel(0, () => {
      const dev = of_find_device_by_node(this.gceNode)?.dev;
      return dev === undefined ? null : cmdq_get(dev);
    });
  }

  /**
   * What every GCE client of the tree bound to, or why not: the controllers, each crtc's
   * `mboxes` entry and event list entry, and every register client's GCE window.
   */
  bindReport(): BindReport {
    return this.machine.inKernel(0, () => {
      const t = this.tree;
      const lines: BindLine[] = availableCompatible(t, GCE_SOCS.mt8173.compatible).map((g) => controllerLine(t, g));
      const mmsys = availableCompatible(t, "mediatek,mt8173-mmsys")[0];
      for (const crtc of this.crtcs) {
        if (mmsys === undefined) break;
        const err = crtc.cmdq_err_prop === "mboxes" ? crtc.cmdq_err : 0;
        lines.push(mboxLine(t, mmsys, crtc.index, crtc.cmdq_client ?? err));
        const evNode = crtc.cmdq_event_source === "mediatek,gce-events" ? availableCompatible(t, "mediatek,mt8173-disp-mutex")[0] : mmsys;
        if (crtc.cmdq_event_source !== "seed" && evNode !== undefined && crtc.cmdq_err_prop !== "mboxes") {
          lines.push(eventLine(t, evNode, crtc.cmdq_event_source, crtc.cmdq_event_index, socLookup("mt8173")));
        }
      }
      lines.push(...this.clientLines);
      return bindReportOf("mt8173", t, lines);
    });
  }

  /** Runs `fn` as kernel code on CPU 0. */
  inKernel<T>(fn: () => T): T {
    return this.machine.inKernel(0, fn);
  }

  /** Starts `body` as a kernel thread. */
  spawn<T>(name: string, body: Co<T>): Task<T> {
    return this.machine.inKernel(0, () => kthread_run(body, name, 0));
  }

  runFor(ns: number): void {
    this.machine.clock.run(this.machine.clock.now + ns);
  }

  runUntil(t: number): void {
    this.machine.clock.run(t);
  }

  /** The kernel log as dmesg prints it. */
  dmesg(): string {
    return dmesg(this.machine.kernel.log);
  }

  /** @internal The tap saw `event` pulse: account the waits it ends (before the GCE sees it). */
  noteEvent(event: number, tap: EventTap): void {
    const c = this.cmdqCache;
    if (c === null) return;
    const now = this.machine.clock.now;
    const bus = this.machine.bus;
    for (const thread of c.thread) {
      if (thread.task_busy_list.length === 0) continue;
      // The thread's WAIT_TOKEN (BIT(31) waiting, bits 9..0 the event) and PC, read as a debugger would.
      const thr = this.gce.base + CMDQ_THR_BASE + CMDQ_THR_SIZE * thread.idx;
      const token = bus.read32(thr + CMDQ_THR_WAIT_TOKEN);
      if (token >>> 31 === 0 || (token & 0x3ff) !== event || bus.read32(thr + CMDQ_THR_SUSPEND_TASK) !== 0) continue;
      const pc = bus.read32(thr + CMDQ_THR_CURR_ADDR);
      const task = thread.task_busy_list.find((t) => pc >= t.pa_base && pc < t.pa_base + t.pkt.cmd_buf_size) ?? thread.task_busy_list[0]!;
      const wait = now - task.submitted;
      tap.ended[event]!++;
      tap.waitTotal[event]! += wait;
      if (wait > tap.waitMax[event]!) tap.waitMax[event] = wait;
    }
  }
  private cmdqCache: cmdq | null = null;

  private onFlip(crtc: mtk_drm_crtc, ev: drm_pending_vblank_event): void {
    const counts = this.frameCounts[crtc.index]!;
    const late = this.display.stats().paths[crtc.index]?.lateWrites ?? 0;
    if (ev.err) counts.failed++;
    else if (late > this.frameLate[crtc.index]!) counts.late++;
    else counts.onTime++;
    this.frameLate[crtc.index] = late;
  }

  /** The run's statistics (library API; the CLI prints them). */
  stats(): Mt8173Stats {
    const m = this.machine;
    const c = this.controller();
    const threads: Mt8173ThreadStats[] = [];
    const byOp: Record<string, number> = {};
    let threadTimeouts = 0;
    let cbErrors = 0;
    for (const t of c?.thread ?? []) {
      const s = t.stats;
      for (let op = 0; op < 256; op++) {
        const n = s.ops[op]!;
        if (n !== 0) {
          const name = OP_NAMES.get(op) ?? `0x${op.toString(16)}`;
          byOp[name] = (byOp[name] ?? 0) + n;
        }
      }
      threadTimeouts += s.timeout_events;
      cbErrors += s.errors + s.timeouts + s.aborted;
      if (s.submitted === 0) continue;
      threads.push(gceThreadStats(t));
    }
    const events: Mt8173EventStats[] = [];
    const tap = this.tap;
    for (let e = 0; e < 1024; e++) {
      if (tap.pulses[e] === 0 && tap.ended[e] === 0) continue;
      const ended = tap.ended[e]!;
      events.push({
        event: e,
        name: MT8173_EVENTS.eventName(e) ?? `event ${e}`,
        pulses: tap.pulses[e]!,
        waitsEnded: ended,
        waitAvgNs: ended === 0 ? 0 : Math.round(tap.waitTotal[e]! / ended),
        waitMaxNs: tap.waitMax[e]!,
      });
    }
    const frames = this.crtcs.map((crtc) => {
      const f = this.frameCounts[crtc.index]!;
      return {
        crtc: crtc.index,
        committed: crtc.stats.commits,
        flipped: crtc.stats.flips,
        onTime: f.onTime,
        late: f.late,
        failed: f.failed,
        cmdqTimeouts: crtc.stats.cmdq_timeouts,
        cpuConfigured: crtc.stats.cpu_configs,
      };
    });
    const d = this.display.stats();
    return {
      timeNs: m.clock.now,
      jiffies: m.inKernel(0, () => jiffies()),
      threads,
      instructions: { executed: this.gceModel?.stats().instructions ?? 0, byOp },
      events,
      frames,
      display: { frames: d.frames, writes: d.writes, vblankWrites: d.vblankWrites, lateWrites: d.lateWrites, underruns: d.underruns },
      timeouts: { thread: threadTimeouts, crtc: frames.reduce((a, f) => a + f.cmdqTimeouts, 0) },
      callbackErrors: cbErrors,
      warnings: [...m.kernel.warnings],
      busErrors: m.bus.errors,
    };
  }
}

/** Builds and boots an mt8173 board. */
export function bootMt8173(props: Mt8173Props = {}): Mt8173 {
  return new Mt8173(props).boot();
}
