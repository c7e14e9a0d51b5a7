/**
 * The mt8173 board: the GCE (CMDQ) at 0x10212000 with 16 threads, the display pipeline at
 * 0x1400xxxx–0x1402xxxx (subsys 1/2/3), DRAM for command buffers at 0x40000000, the GPT timer at
 * 0x10008000, one CPU, and a seed-era kernel running the CMDQ stack: the mailbox framework, the
 * GCE controller driver, the seed's helper and the DRM crtc as its client.
 *
 * Wiring: the GCE, GPT and display-block interrupt lines go to a GIC stand-in (GIC interrupt IDs:
 * SPI n = 32 + n); the display's SOF/EOF/stream-EOF/underrun pulses go to the GCE's event inputs
 * through a tap that counts them; kernel RAM *is* the DRAM (the direct map), so the packets the
 * helper builds are what the GCE fetches.
 *
 * Boot (as the kernel's initcalls would order it): GIC chips for the SPI lines, the GPT driver
 * (TIMER_OF_DECLARE: clocksource + tick), the platform devices from the tree, the GCE controller
 * driver, then one display-client kernel thread per crtc (commit a frame, wait for its flip).
 *
 * MODEL: the GIC is not register-level (the kernel's irq_chip masks lines on it directly): it is
 * level-sensitive, without priorities or active state, and acknowledges the lowest asserted ID.
 * The CPU masks interrupts while it runs a handler (the exception entry's PSTATE.I). One CPU:
 * without the ARM generic timer (not modelled, see timer-mediatek.ts) secondary CPUs would
 * have no tick.
 */
import type { Co, Task } from "../../sim/task.js";
import type { Tracer } from "../../sim/trace.js";
import { IrqLine, type IrqSink } from "../../sim/irq.js";
import { Dram } from "../../hw/mem/dram.js";
import { CMDQ_CODE } from "../../hw/mailbox/mtk-gce-isa.js";
import { socLookup } from "../../hw/mailbox/mtk-gce-soc.js";
import { MtkGce, type GceTiming } from "../../hw/mailbox/mtk-gce.js";
import { MtkDisplay, type PanelTiming } from "../../hw/display/mtk-disp.js";
import { MtkGpt } from "../../hw/timer/mtk-gpt.js";
import { kthread_run } from "../../linux/kernel/instance.js";
import { generic_handle_irq, irq_set_chip } from "../../linux/kernel/irq/manage.js";
import type { irq_chip } from "../../linux/include/linux/interrupt.js";
import { local_irq_restore, local_irq_save } from "../../linux/include/linux/irqflags.js";
import { of_find_compatible_node, type device_node } from "../../linux/include/linux/of.js";
import { of_find_device_by_node, of_platform_populate, platform_driver_register } from "../../linux/include/linux/platform_device.js";
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
import { Machine, type CpuController } from "../machine.js";
import { MT8173_GCE_BASE, MT8173_GPT_BASE, MT8173_SPI, mt8173DeviceTree, mt8173Node, type Mt8173DtOptions } from "./mt8173.dt.js";

export const MT8173_DRAM_BASE = 0x4000_0000;
/** GIC interrupt IDs 0..255 (NR_IRQS of the kernel core). */
const GIC_LINES = 256;

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
  /** Device-tree variations (mboxes cells, a missing GCE). */
  readonly dt?: Mt8173DtOptions;
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

/** Opcode → name, from the instruction set's `enum cmdq_code`. */
const OP_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(CMDQ_CODE).map(([name, code]) => [code, name]));
const MT8173_EVENTS = socLookup("mt8173");

/** The GIC stand-in: level inputs, masks the kernel's irq_chip sets, the CPU's INTR and acknowledge. */
export class Mt8173Gic implements CpuController, IrqSink {
  readonly intr: IrqLine;
  private readonly level = new Uint8Array(GIC_LINES);
  private readonly enabled = new Uint8Array(GIC_LINES);
  private pending = 0;
  /** The irq_chip the kernel uses for every line. */
  readonly chip: irq_chip;

  constructor(tracer: Tracer) {
    this.intr = new IrqLine("gic.intr", tracer);
    const mask = (irq: number, on: boolean) => this.setEnabled(irq, on);
    this.chip = Object.freeze({
      name: "GIC",
      irq_startup: (irq: number) => mask(irq, true),
      irq_shutdown: (irq: number) => mask(irq, false),
      irq_enable: (irq: number) => mask(irq, true),
      irq_disable: (irq: number) => mask(irq, false),
    } satisfies irq_chip);
  }

  setIrq(pin: number, level: boolean): void {
    const v = level ? 1 : 0;
    if (this.level[pin] === v || pin < 0 || pin >= GIC_LINES) return;
    this.level[pin] = v;
    if (this.enabled[pin]) this.pending += level ? 1 : -1;
    this.intr.set(this.pending > 0);
  }

  private setEnabled(irq: number, on: boolean): void {
    const v = on ? 1 : 0;
    if (irq < 0 || irq >= GIC_LINES || this.enabled[irq] === v) return;
    this.enabled[irq] = v;
    if (this.level[irq]) this.pending += on ? 1 : -1;
    this.intr.set(this.pending > 0);
  }

  acknowledge(): number {
    if (this.pending === 0) return -1;
    for (let i = 0; i < GIC_LINES; i++) if (this.level[i] && this.enabled[i]) return i;
    return -1;
  }
}

/** Counts the display's event pulses and the GCE waits they end, then forwards them to the GCE. */
class EventTap implements IrqSink {
  readonly pulses = new Uint32Array(1024);
  readonly ended = new Uint32Array(1024);
  readonly waitTotal = new Float64Array(1024);
  readonly waitMax = new Float64Array(1024);

  constructor(
    private readonly gce: MtkGce,
    private readonly board: Mt8173,
  ) {}

  setIrq(pin: number, level: boolean): void {
    if (level && pin >= 0 && pin < 1024) {
      this.pulses[pin]!++;
      this.board.noteEvent(pin, this);
    }
    this.gce.setIrq(pin, level);
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
  readonly gce: MtkGce;
  readonly display: MtkDisplay;
  readonly gpt: MtkGpt;
  readonly gic: Mt8173Gic;
  readonly dt: device_node;
  readonly crtcs: mtk_drm_crtc[] = [];
  readonly props: Mt8173Props;
  private readonly tap: EventTap;
  private booted = false;
  private readonly frameLate: number[] = [];
  private readonly frameCounts: Array<{ onTime: number; late: number; failed: number }> = [];

  constructor(props: Mt8173Props = {}) {
    this.props = props;
    const crtcs = props.crtcs ?? 1;
    if (crtcs !== 1 && crtcs !== 2) throw new RangeError(`mt8173: crtcs must be 1 or 2, got ${String(crtcs)}`);
    const dramBytes = props.dramBytes ?? 16 << 20;
    this.dram = new Dram({ base: MT8173_DRAM_BASE, size: dramBytes });
    const switches: Record<string, boolean> = {};
    if (props.driverProfile === "seed") for (const s of CMDQ_SEED_SWITCHES) switches[s] = true;
    Object.assign(switches, props.switches);
    const m = new Machine({
      cpus: 1,
      kernel: { HZ: props.HZ ?? 250, switches },
      ram: { base: MT8173_DRAM_BASE, bytes: this.dram.u8 },
      // The arm64 system counter of mt8173 runs at 13 MHz.
      cpuCounterHz: 13_000_000,
    });
    this.machine = m;
    m.bus.map(this.dram.region);
    this.gic = new Mt8173Gic(m.tracer);
    this.gce = new MtkGce({ clock: m.clock, tracer: m.tracer, bus: m.bus, dram: this.dram, base: MT8173_GCE_BASE, threads: 16, ...(props.gceTiming === undefined ? {} : { timing: props.gceTiming }) });
    m.bus.map(this.gce.region);
    this.gce.irq.connect(this.gic, 32 + MT8173_SPI.gce);
    this.gpt = new MtkGpt({ clock: m.clock, tracer: m.tracer, base: MT8173_GPT_BASE });
    m.bus.map(this.gpt.region);
    this.gpt.irq.connect(this.gic, 32 + MT8173_SPI.gpt);
    this.tap = new EventTap(this.gce, this);
    const timing = props.panel ?? {};
    this.display = new MtkDisplay({
      clock: m.clock,
      tracer: m.tracer,
      events: this.tap,
      paths: crtcs === 2 ? [{ timing }, { timing }] : [{ timing }],
      writeLogCapacity: 0,
    });
    for (const r of this.display.regions) m.bus.map(r);
    this.display.irq("OVL0").connect(this.gic, 32 + MT8173_SPI.ovl0);
    this.display.irq("OVL1").connect(this.gic, 32 + MT8173_SPI.ovl1);
    this.display.irq("RDMA0").connect(this.gic, 32 + MT8173_SPI.rdma0);
    this.display.irq("RDMA1").connect(this.gic, 32 + MT8173_SPI.rdma1);
    this.dt = mt8173DeviceTree(props.dt);
    m.attachCpus([this.gic], (_cpu, vector) => {
      // Exception entry masks IRQs (PSTATE.I) while the handler runs.
      const flags = local_irq_save();
      try {
        generic_handle_irq(vector);
      } finally {
        local_irq_restore(flags);
      }
    });
  }

  /** Boots the kernel: timer, devices, GCE driver, display clients. Returns at once. */
  boot(): this {
    if (this.booted) throw new Error("mt8173: already booted");
    this.booted = true;
    const m = this.machine;
    m.inKernel(0, () => {
      for (let irq = 0; irq < GIC_LINES; irq++) irq_set_chip(irq, this.gic.chip);
      const timer = of_find_compatible_node(this.dt, mtk_timer_of_match.compatible);
      if (timer !== null) mtk_timer_of_match.data!(timer);
      of_platform_populate(this.dt);
      platform_driver_register(cmdq_drv);
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

  /**
   * Creates crtc `index` (OVLi → RDMAi, mailbox channel i of mmsys) in kernel context; it waits
   * for mutex `mutex`'s stream EOF (default: its own).
   */
  createCrtc(index: number, mutex: number = index): mtk_drm_crtc | null {
    return this.machine.inKernel(0, () => {
      const comps: mtk_ddp_comp[] = [];
      for (const name of index === 0 ? ["ovl@1400c000", "rdma@1400e000"] : ["ovl@1400d000", "rdma@1400f000"]) {
        const np = mt8173Node(this.dt, name);
        const c = np === null ? null : mtk_ddp_comp_init(np, name);
        if (c !== null) comps.push(c);
      }
      const mmsys = this.mmsysDevice();
      if (mmsys === null) return null;
      const crtc = mtk_drm_crtc_create(mmsys, index, comps, mutex);
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
    return this.machine.inKernel(0, () => of_find_device_by_node(mt8173Node(this.dt, "clock-controller@14000000"))?.dev ?? null);
  }

  /** The GCE controller's driver data once probed. */
  controller(): cmdq | null {
    return this.machine.inKernel(0, () => {
      const dev = of_find_device_by_node(mt8173Node(this.dt, "gce@10212000"))?.dev;
      return dev === undefined ? null : cmdq_get(dev);
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
      const thr = MT8173_GCE_BASE + CMDQ_THR_BASE + CMDQ_THR_SIZE * thread.idx;
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
      threads.push({
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
      });
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
      instructions: { executed: this.gce.stats().instructions, byOp },
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
