/**
 * The run engine: builds the board a scenario describes, applies its workload and faults, runs
 * it in chunks of virtual time (so a caller can draw progress or stop early) and returns a
 * typed summary, which the CLI prints as tables or as one JSON document.
 *
 * A run that throws inside the simulation (a kernel BUG such as clockevents' report of a device
 * that refuses every delta, or an oops the port raises as an exception) is a run that
 * *crashed*: it stops there, and the summary says where and why. Same scenario, same seed: the
 * same summary, byte for byte.
 */
import { Prng } from "../../sim/prng.js";
import { JsonLinesSink } from "../../sim/sinks/jsonl.js";
import { PerfettoSink } from "../../sim/sinks/perfetto.js";
import { PerfettoProtoSink } from "../../sim/sinks/perfetto-proto.js";
import { VcdSink } from "../../sim/sinks/vcd.js";
import type { TextOutput } from "../../sim/sinks/writer.js";
import type { TraceSink } from "../../sim/trace.js";
import { CMDQ_EVENT_MUTEX0_STREAM_EOF } from "../../linux/include/linux/soc/mediatek/mtk-cmdq.js";
import { mtk_drm_client_thread } from "../../linux/drivers/gpu/drm/mediatek/mtk_drm_crtc.js";
import { GCE_SOCS } from "../../hw/mailbox/mtk-gce-soc.js";
import { ICH_PERIOD_FS } from "../../hw/timer/hpet.profiles.js";
import type { Machine } from "../../platform/machine.js";
import { X86Pc, type X86PcProps, type X86Report } from "../../platform/boards/x86-pc.js";
import { Mt8173, mt8173FrameSource, type Mt8173Props, type Mt8173Stats } from "../../platform/boards/mt8173.js";
import { BoardError } from "../../platform/boards/board-tree.js";
import type { MtkGceBoard, MtkGceBoardProps } from "../../platform/boards/mtk-gce-board.js";
import { startIdlePattern } from "../../platform/workloads/idle.js";
import { startCmdqProgramClient, type CmdqProgramClientStats } from "../../platform/workloads/cmdq-program.js";
import { buildFromTree } from "./devicetree.js";
import { mediatekGcePart, startMediatekProgram, type MediatekGcePart, type MediatekProgram, type MediatekProgramStats } from "./mediatek-gce.js";
import { ScenarioError } from "./load.js";
import type { KernelPlan, Scenario, TraceFormat } from "./model.js";
import { diagnostic } from "./schema-dsl.js";
import { QEMU_PERIOD_FS, type BoardDoc, type FaultDoc, type ScenarioDoc } from "./schema.js";

export interface RunOptions {
  /**
   * Where the trace goes when the scenario writes one (the scenario's format decides the sink).
   * The `perfetto-proto` format is binary: its output must implement `writeBytes`.
   */
  readonly traceOutput?: TextOutput;
  /**
   * A sink that takes the trace instead of one made for `traceOutput`: a RelaySink in front of a
   * writer thread (the CLI's), or any sink of the caller's.
   */
  readonly traceSink?: TraceSink;
}

export type RunStatus = "completed" | "crashed" | "stopped";

interface SummaryCommon {
  readonly scenario: string;
  /** "built-in", or the device tree the board came from. */
  readonly boardSource: string;
  readonly seed: number;
  readonly durationNs: number;
  /** Simulated time reached. */
  readonly endNs: number;
  /** completed: ran for its duration; crashed: the simulation threw; stopped: the caller ended it early. */
  readonly status: RunStatus;
  readonly crash: { readonly atNs: number; readonly error: string } | null;
  readonly kernel: KernelPlan;
  readonly faults: { readonly injected: number; readonly hit: readonly string[] };
  /** Kernel WARNs. */
  readonly warnings: readonly string[];
  readonly busErrors: number;
  /** The kernel log, when asked for. */
  readonly dmesg?: string;
}

export type X86Part = Omit<X86Report, "warnings" | "faults" | "busErrors">;
export type Mt8173Part = Omit<Mt8173Stats, "warnings" | "busErrors">;

export interface X86RunSummary extends SummaryCommon {
  readonly board: "x86-pc";
  /** null when the crashed machine could not report. */
  readonly x86: X86Part | null;
}

export interface Mt8173RunSummary extends SummaryCommon {
  readonly board: "mt8173";
  readonly mt8173: Mt8173Part | null;
  /** The per-frame CMDQ program client, when the scenario has one. */
  readonly program: Readonly<CmdqProgramClientStats> | null;
}

/** An mt8183 or mt8195 tree's board: its GCEs and clients as bound, and what the program ran. */
export interface MediatekGceRunSummary extends SummaryCommon {
  readonly board: "mediatek-gce";
  readonly mediatek: MediatekGcePart | null;
  /** The CMDQ program client, when the scenario has one. */
  readonly program: MediatekProgramStats | null;
}

export type RunSummary = X86RunSummary | Mt8173RunSummary | MediatekGceRunSummary;

type Built =
  | { readonly kind: "x86-pc"; readonly pc: X86Pc }
  | { readonly kind: "mt8173"; readonly board: Mt8173; program: CmdqProgramClientStats | null }
  | { readonly kind: "mediatek-gce"; readonly board: MtkGceBoard; program: MediatekProgram | null };

/** What a fault that the machine does not log leaves to report at the end. */
type LateReport = () => string | null;

export class ScenarioRun {
  readonly endNs: number;
  private readonly built: Built;
  /** The machine the run drives (library users may attach more trace sinks or inspect it). */
  readonly machine: Machine;
  private readonly late: LateReport[] = [];
  private crash: { atNs: number; error: string } | null = null;
  private started = false;
  private closed = false;

  /**
   * Builds the board, not yet booted. A device tree that does not describe a board vplat can
   * build throws `ScenarioError`, before anything is written.
   */
  constructor(readonly scenario: Scenario) {
    this.endNs = scenario.durationNs;
    this.built = build(scenario);
    this.machine = this.built.kind === "x86-pc" ? this.built.pc.machine : this.built.board.machine;
  }

  /** Attaches the trace (when the scenario writes one), boots, starts the workload and arms the faults. */
  start(options: RunOptions = {}): void {
    if (this.started) throw new Error("the run has already started");
    this.started = true;
    const s = this.scenario;
    if (s.trace !== null && options.traceSink !== undefined) this.machine.tracer.attach(options.traceSink);
    else if (s.trace !== null && options.traceOutput !== undefined) this.machine.tracer.attach(traceSink(s.trace.format, options.traceOutput, s.file));
    this.guard(() => this.boot());
  }

  /** Simulated time now. */
  get nowNs(): number {
    return this.machine.clock.now;
  }

  /** Finished: the duration is reached, or the simulation crashed. */
  get done(): boolean {
    return this.crash !== null || this.nowNs >= this.endNs;
  }

  /** Runs at most `maxNs` more of simulated time; returns `done`. */
  advance(maxNs: number): boolean {
    if (!this.started) this.start();
    if (!this.done) {
      const until = Math.min(this.endNs, this.nowNs + Math.max(1, Math.floor(maxNs)));
      this.guard(() => this.machine.clock.run(until));
    }
    return this.done;
  }

  /** Runs to the end of the scenario's duration (or the crash). */
  runToEnd(): void {
    while (!this.done) this.advance(this.endNs - this.nowNs);
  }

  /** Finishes the trace (idempotent). Call before reading the trace output. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.machine.tracer.close();
  }

  /** The kernel log as dmesg prints it. */
  dmesg(): string {
    return this.built.kind === "x86-pc" ? this.built.pc.dmesg() : this.built.board.dmesg();
  }

  /** What happened, so far. */
  summary(options: { readonly dmesg?: boolean } = {}): RunSummary {
    const s = this.scenario;
    const status: RunStatus = this.crash !== null ? "crashed" : this.nowNs >= this.endNs ? "completed" : "stopped";
    const hit = [...this.machine.faultsHit, ...this.late.map((r) => r()).filter((x): x is string => x !== null)];
    const common: SummaryCommon = {
      scenario: s.file,
      boardSource: s.board.source === "builtin" ? "built-in" : s.board.path,
      seed: s.seed,
      durationNs: s.durationNs,
      endNs: this.nowNs,
      status,
      crash: this.crash,
      kernel: s.kernel,
      faults: { injected: s.doc.faults.length, hit },
      warnings: [...this.machine.kernel.warnings],
      busErrors: this.machine.bus.errors,
      ...(options.dmesg === true ? { dmesg: this.dmesg() } : {}),
    };
    const b = this.built;
    if (b.kind === "x86-pc") return { ...common, board: "x86-pc", x86: this.tryReport(() => x86Part(b.pc.report())) };
    if (b.kind === "mediatek-gce") {
      const program = b.program === null ? null : { node: b.program.node, ...b.program.stats };
      return { ...common, board: "mediatek-gce", mediatek: this.tryReport(() => mediatekGcePart(b.board)), program };
    }
    return { ...common, board: "mt8173", mt8173: this.tryReport(() => mt8173Part(b.board.stats())), program: b.program === null ? null : { ...b.program } };
  }

  /** A crashed machine may not be able to report; its summary then has no board part. */
  private tryReport<T>(report: () => T): T | null {
    if (this.crash === null) return report();
    try {
      return report();
    } catch {
      return null;
    }
  }

  private guard(step: () => void): void {
    try {
      step();
    } catch (err) {
      this.crash = { atNs: this.nowNs, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
  }

  private boot(): void {
    const s = this.scenario;
    const b = this.built;
    if (b.kind === "x86-pc") {
      b.pc.boot();
      startIdle(b.pc, s.doc, s.seed);
    } else if (b.kind === "mediatek-gce") {
      b.board.boot();
      if (s.program !== null) b.program = startMediatekProgram(b.board, s.program, s.doc.workload.cmdq.packets);
    } else {
      b.board.boot();
      b.program = startMt8173Clients(b.board, s);
    }
    for (const f of s.doc.faults) this.inject(f);
  }

  private inject(f: FaultDoc): void {
    const m = this.machine;
    const b = this.built;
    switch (f.variant) {
      case "smi":
        m.stall(f.cpu, f.at, f.duration);
        return;
      case "access-delay":
        m.delayAccess({ addr: f.address, size: f.size, write: f.access === "write", ...(f.cpu === undefined ? {} : { cpu: f.cpu }) }, f.after, f.delay, f.times);
        return;
      case "posted-write":
        m.postWrite({ addr: f.address, size: f.size }, f.latency);
        return;
      case "stop-display":
      case "mask-event":
        if (b.kind === "mt8173") this.injectDisplay(b.board, f);
        return;
      default:
        if (b.kind === "x86-pc") injectX86(b.pc, f);
    }
  }

  private injectDisplay(board: Mt8173, f: Extract<FaultDoc, { variant: "stop-display" | "mask-event" }>): void {
    const m = board.machine;
    if (f.variant === "stop-display") {
      m.clock.newTimer("fault.stop-display", () => {
        board.display.stopPath(f.path);
        m.faultsHit.push(`${m.clock.now} ns: display path ${f.path} stopped`);
      }).mod(f.at);
      if (f.duration !== undefined) {
        m.clock.newTimer("fault.restart-display", () => {
          board.display.startPath(f.path);
          m.faultsHit.push(`${m.clock.now} ns: display path ${f.path} restarted`);
        }).mod(f.at + f.duration);
      }
      return;
    }
    const id = typeof f.event === "number" ? f.event : (GCE_SOCS.mt8173.events.find((e) => e.name === f.event)?.id ?? -1);
    const mask = board.display.maskEvent(id, f.at, f.duration === undefined ? Infinity : f.at + f.duration);
    const name = typeof f.event === "number" ? `event ${f.event}` : f.event;
    this.late.push(() => (mask.dropped === 0 ? null : `${f.at} ns: ${mask.dropped} pulse${mask.dropped === 1 ? "" : "s"} of ${name} kept from the GCE`));
  }
}

/** Builds, runs to the end, closes: the whole run in one call. */
export function runScenario(scenario: Scenario, options: RunOptions & { readonly dmesg?: boolean } = {}): RunSummary {
  const run = new ScenarioRun(scenario);
  run.start(options);
  run.runToEnd();
  run.close();
  return run.summary({ dmesg: options.dmesg ?? scenario.dmesg });
}

// --- building --------------------------------------------------------------------------------

function build(s: Scenario): Built {
  if (s.board.source === "devicetree") {
    const plan = s.board;
    try {
      const b = buildFromTree(plan.tree, { x86: x86Props(null, s.kernel), mt8173: mt8173Props(null, s), mediatek: mediatekProps(s.kernel) });
      if (b.kind === "x86-pc") return { kind: "x86-pc", pc: b.board };
      if (b.kind === "mediatek-gce") return { kind: "mediatek-gce", board: b.board, program: null };
      return { kind: "mt8173", board: b.board, program: null };
    } catch (err) {
      // The tree names the board but lacks what it needs (a node, a `reg`, an interrupt parent…).
      if (!(err instanceof BoardError)) throw err;
      throw new ScenarioError([diagnostic(null, plan.field, `a tree that describes ${plan.kind === "x86-pc" ? "an" : "a"} ${plan.kind} board`, err.message)]);
    }
  }
  const doc = s.doc.board;
  if (s.board.kind === "x86-pc") return { kind: "x86-pc", pc: new X86Pc(x86Props(doc.variant === "x86-pc" ? doc : null, s.kernel)) };
  return { kind: "mt8173", board: new Mt8173(mt8173Props(doc.variant === "mt8173" ? doc : null, s)), program: null };
}

type X86Doc = Extract<BoardDoc, { variant: "x86-pc" }>;
type Mt8173Doc = Extract<BoardDoc, { variant: "mt8173" }>;

/** The x86-pc board's props from the document (null: all defaults) and the kernel plan. */
export function x86Props(d: X86Doc | null, k: KernelPlan): X86PcProps {
  const kernel: X86PcProps = { HZ: k.HZ, tickMode: k.tickMode, driverProfile: k.driverProfile === "seed-2007" ? "seed-2007" : "fixed", switches: k.switches };
  if (d === null) return kernel;
  const h = d.hpet;
  return {
    ...kernel,
    cpus: d.cpus,
    hpet: { present: h.present, profile: h.profile, timers: h.timers, periodFs: h.periodFs ?? (h.profile === "qemu-7.2" ? QEMU_PERIOD_FS : ICH_PERIOD_FS), routeCap: h.routeCap },
    nohpet: d.nohpet,
    forceHpetAddress: d.forceHpetAddress,
    arat: d.arat,
    tscHz: d.tscHz,
    apicMainTimer: d.apicMainTimer,
    irqEntryNs: d.irqEntry,
  };
}

/** The mt8173 board's props; crtc 0's DRM client stays off when the program client replaces it. */
export function mt8173Props(d: Mt8173Doc | null, s: Scenario): Mt8173Props {
  const k = s.kernel;
  const w = s.doc.workload.display;
  const props: Mt8173Props = {
    HZ: k.HZ,
    driverProfile: k.driverProfile === "seed" ? "seed" : "fixed",
    switches: k.switches,
    client: { start: s.program === null, planes: w.planes, writesPerFrame: w.writesPerFrame, frames: frameLimit(w.frames) },
  };
  if (d === null) return props;
  const g = d.gce;
  return {
    ...props,
    crtcs: d.crtcs === 2 ? 2 : 1,
    dramBytes: d.dramMiB * 1024 * 1024,
    panel: { refreshHz: d.panel.refreshHz, activeLines: d.panel.activeLines, vblankLines: d.panel.vblankLines },
    gceTiming: { cycleNs: g.cycle, internalNs: g.internal, writeNs: g.write, readNs: g.read, sliceNs: g.slice, pollIntervalNs: g.pollInterval },
  };
}

/** The MediaTek GCE board's props: only the kernel's (the tree is the whole hardware description). */
export function mediatekProps(k: KernelPlan): MtkGceBoardProps {
  return { HZ: k.HZ, driverProfile: k.driverProfile === "seed" ? "seed" : "fixed", switches: k.switches };
}

function frameLimit(frames: number | "unlimited"): number {
  return frames === "unlimited" ? Infinity : frames;
}

/** The program client on crtc 0's channel, and the DRM client on every other crtc. */
function startMt8173Clients(board: Mt8173, s: Scenario): CmdqProgramClientStats | null {
  if (s.program === null) return null;
  const w = s.doc.workload;
  const source = mt8173FrameSource(w.display.planes, w.display.writesPerFrame);
  const frames = frameLimit(w.display.frames);
  for (let i = 1; i < (board.props.crtcs ?? 1); i++) {
    const crtc = board.createCrtc(i);
    if (crtc !== null) board.spawn(`drm-client${i}`, mtk_drm_client_thread(crtc, source, frames));
  }
  const dev = board.mmsysDevice();
  const stats = {
    channel: 0,
    instructionsPerPacket: 0,
    submitted: 0,
    completed: 0,
    failed: 0,
    stopped: "no mmsys device in the tree",
  } satisfies CmdqProgramClientStats;
  if (dev === null) return stats;
  return startCmdqProgramClient(board.machine, {
    dev,
    channel: 0,
    words: s.program.words,
    frameEvent: w.cmdq.waitFrame ? CMDQ_EVENT_MUTEX0_STREAM_EOF : null,
    frames,
  });
}

function startIdle(pc: X86Pc, doc: ScenarioDoc, seed: number): void {
  const prng = new Prng(seed);
  for (const p of doc.workload.idle) {
    startIdlePattern(pc.machine, { cpu: p.cpu, periodNs: p.period, idleNs: p.idle, jitterNs: p.jitter, startNs: p.start }, prng.fork());
  }
}

function injectX86(pc: X86Pc, f: FaultDoc): void {
  switch (f.variant) {
    case "drop-irq":
      pc.dropInterrupt(f.pin, f.at);
      return;
    case "duplicate-irq":
      pc.duplicateInterrupt(f.pin, f.at);
      return;
    case "halt-hpet":
      pc.haltHpet(f.at);
      return;
    case "suspend":
      pc.suspendResume(f.at, f.duration);
      return;
    default:
      throw new Error(`fault ${f.variant} is not an x86-pc fault`);
  }
}

function x86Part(r: X86Report): X86Part {
  const { warnings: _w, faults: _f, busErrors: _b, ...rest } = r;
  return rest;
}

function mt8173Part(s: Mt8173Stats): Mt8173Part {
  const { warnings: _w, busErrors: _b, ...rest } = s;
  return rest;
}

/** The sink that writes a trace of `format` to `out`; `scenario` names the run in formats that carry a comment. */
export function traceSink(format: TraceFormat, out: TextOutput, scenario: string): TraceSink {
  switch (format) {
    case "perfetto":
      return new PerfettoSink(out);
    case "perfetto-proto": {
      const writeBytes = out.writeBytes?.bind(out);
      if (writeBytes === undefined) throw new TypeError("the perfetto-proto trace format is binary: the trace output needs writeBytes()");
      return new PerfettoProtoSink({ writeBytes });
    }
    case "jsonl":
      return new JsonLinesSink(out);
    case "vcd":
      return new VcdSink(out, { comment: `vplat run ${scenario}` });
  }
}
