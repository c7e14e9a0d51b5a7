/**
 * MT8173 display pipeline: the MMSYS, OVL0/1, RDMA0/1/2, WDMA0/1 and MUTEX register blocks,
 * and panels whose frame timing drives them. Each display path (a mutex and the components it
 * groups, e.g. OVL0 → RDMA0 for the internal panel) runs frames: SOF at the start of the active
 * period, then every component's EOF and the mutex's stream EOF at its end, then the vblank
 * until the next SOF. SOF, EOF, stream EOF and underrun are pulses on the GCE's event inputs
 * (ids from mtk-gce-soc.ts, spec §4.1).
 *
 * Sources: ../shared/spec/cmdq-gce.md §4.1 and §5.1 (the DRM client flow: wait for the mutex
 * stream EOF, then write the frame's registers), spec/dts/ for the addresses, and the mainline
 * DRM drivers (`mtk_disp_ovl.c`, `mtk_disp_rdma.c`, `mtk_disp_wdma.c`) for the interrupt
 * registers. Model description, the underrun rule and its rationale: docs/gce.md.
 *
 * Registers. OVL, RDMA and WDMA configuration registers are shadowed: a write lands in the
 * shadow copy (which reads return) and the active copy takes it at the component's next SOF.
 * Their interrupt enable/status registers act at once; status bits are cleared by writing 0
 * (the new value is `old & written`, as the DRM ISRs' `writel(0, INTSTA)` expects). Blocks
 * outside every running path latch writes at once (nothing scans out of them). MMSYS and MUTEX
 * are plain registers.
 *
 * Write log. Every register write is counted and classified: in vblank (relative to its
 * component's path, or the first path for shared blocks) or not; and *late* when it is a
 * shadowed write that lands during its path's active period (it misses the frame being
 * scanned out). The last `writeLogCapacity` writes are kept in typed arrays.
 *
 * Not modelled: pixels, memory traffic and real FIFO underflow; the other display blocks
 * (COLOR, AAL, GAMMA, OD, UFOE, DSI, DPI); MUTEX_EN/MOD/SOF routing (paths are properties);
 * MMSYS routing; block resets; the mutex's own interrupts; clocks and power.
 */
import { Region, type MmioOps } from "../../sim/bus.js";
import type { Clock, Timer } from "../../sim/clock.js";
import { IrqLine, type IrqSink } from "../../sim/irq.js";
import type { Tracer } from "../../sim/trace.js";
import { DISP_WINDOW, MT8173_DISP_COMPONENTS, mutexStreamEofEvent, type DispComponentInfo, type DispComponentName } from "./mtk-disp.regs.js";
import { dispEvents } from "./trace-events.js";

/**
 * A panel's frame timing. The defaults are CEA-861 1080p60 (1125 lines, 1080 active, 45 of
 * vertical blanking): a 16.67 ms frame with 0.67 ms (4 %) of vblank, typical of the panels
 * MT8173 drives.
 */
export interface PanelTiming {
  /** Frames per second, an integer. Default 60. */
  readonly refreshHz: number;
  readonly activeLines: number;
  readonly vblankLines: number;
}

export const DEFAULT_PANEL_TIMING: PanelTiming = { refreshHz: 60, activeLines: 1080, vblankLines: 45 };

export interface DisplayPathProps {
  /** The mutex whose stream EOF the path raises, 0..4. Default: the path's index. */
  readonly mutex?: number;
  /** Components in pipeline order. Default `["OVL0", "RDMA0"]` for path 0, `["OVL1", "RDMA1"]` for path 1. */
  readonly components?: readonly DispComponentName[];
  readonly timing?: Partial<PanelTiming>;
  /** Virtual time of the first SOF (default: construction time); the path is in vblank until then. */
  readonly startAt?: number;
  /** Whether frames run from `startAt` (default true); `startPath` starts them later. */
  readonly running?: boolean;
  /**
   * Physical address of a register whose write completes a frame's configuration. With it,
   * the underrun rule is "a configuration still uncommitted at SOF"; without it, "a
   * configuration that straddles SOF" (docs/gce.md, "Underruns").
   */
  readonly commitAddress?: number;
}

export interface MtkDisplayProps {
  readonly clock: Clock;
  readonly tracer: Tracer;
  /** The GCE's event inputs (pins are event ids); `connectEvents` can set it later. */
  readonly events?: IrqSink;
  /** Prefix of region, line and track names (default "disp"). */
  readonly name?: string;
  /** Display paths (default: one, mutex 0 with OVL0 → RDMA0 at 1080p60). */
  readonly paths?: readonly DisplayPathProps[];
  /** Writes kept in the write log, the optional bounded record (default 0: counters only). */
  readonly writeLogCapacity?: number;
}

/** One logged register write. */
export interface DispWriteRecord {
  readonly t: number;
  readonly addr: number;
  readonly value: number;
  readonly inVblank: boolean;
  /** A shadowed write during the active period: it latches one frame later than intended. */
  readonly late: boolean;
}

export interface DisplayPathStats {
  readonly mutex: number;
  readonly components: readonly DispComponentName[];
  readonly running: boolean;
  readonly inVblank: boolean;
  /** SOFs so far. */
  readonly frames: number;
  readonly underruns: number;
  /** Shadowed writes that landed in a vblank (frame configuration on time). */
  readonly configWrites: number;
  readonly lateWrites: number;
}

export interface DisplayStats {
  /** SOFs over all paths. */
  readonly frames: number;
  /** Register writes to every display block. */
  readonly writes: number;
  readonly vblankWrites: number;
  /** Writes outside a vblank (late ones and interrupt/control registers). */
  readonly activeWrites: number;
  readonly lateWrites: number;
  readonly underruns: number;
  readonly paths: readonly DisplayPathStats[];
}

/** When frame `k` of a path starts, enters its vblank, and the next one starts. */
export interface FrameTimes {
  readonly sof: number;
  readonly vblank: number;
  readonly nextSof: number;
}

const WORDS = DISP_WINDOW / 4;
const FLAG_VBLANK = 1;
const FLAG_LATE = 2;

/** floor(a / d), exact for safe integers a ≥ 0 and d > 0. */
function divFloor(a: number, d: number): number {
  const r = a % d;
  return (a - r) / d;
}

class DispComponent implements MmioOps {
  readonly region: Region;
  /** What software wrote (and reads back). */
  readonly shadow = new Uint32Array(WORDS);
  /** What the hardware uses: the shadow as latched at the last SOF. */
  readonly active = new Uint32Array(WORDS);
  private readonly dirty = new Uint8Array(WORDS);
  private readonly dirtyList = new Uint16Array(WORDS);
  private dirtyCount = 0;
  intEnable = 0;
  intStatus = 0;
  readonly irq: IrqLine | undefined;
  path: DisplayPath | null = null;
  readonly track: string;
  /** Writes to this block, and those that landed in a vblank (summed by `stats`). */
  writes = 0;
  vblankWrites = 0;
  /** Offsets of the interrupt enable and status registers, -1 when the block has none. */
  readonly enableOffset: number;
  readonly statusOffset: number;

  constructor(
    readonly info: DispComponentInfo,
    private readonly display: MtkDisplay,
    prefix: string,
    private readonly tracer: Tracer,
  ) {
    this.track = `${prefix}.${info.name.toLowerCase()}`;
    this.region = new Region(this.track, info.base, DISP_WINDOW, this, { sizes: [4] });
    this.irq = info.irq === undefined ? undefined : new IrqLine(`${this.track}.irq`, tracer);
    this.enableOffset = info.irq?.enable ?? -1;
    this.statusOffset = info.irq?.status ?? -1;
  }

  read(offset: number): number {
    const irq = this.info.irq;
    if (irq !== undefined) {
      if (offset === irq.enable) return this.intEnable;
      if (offset === irq.status) return this.intStatus;
    }
    return this.shadow[offset >>> 2]!;
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    // Fast path, the common case: a configuration write with nothing else to do (no commit
    // register, log or trace). Same effect as `onWrite`.
    const path = this.path;
    if (path !== null && path.plain && offset !== this.enableOffset && offset !== this.statusOffset && !this.tracer.on) {
      this.storeShadow(offset >>> 2, value >>> 0);
      this.writes++;
      if (path.inVblank) {
        this.vblankWrites++;
        path.vblankConfigWrites++;
        path.configWrites++;
      } else {
        this.display.lateWrite(path);
      }
      return;
    }
    this.display.onWrite(this, offset, value >>> 0);
  }

  storeShadow(index: number, value: number): void {
    this.shadow[index] = value;
    if (this.dirty[index] === 0) {
      this.dirty[index] = 1;
      this.dirtyList[this.dirtyCount++] = index;
    }
  }

  storeImmediate(index: number, value: number): void {
    this.shadow[index] = value;
    this.active[index] = value;
  }

  /** SOF: the active copy takes every shadow word written since the last latch. */
  latch(): void {
    for (let i = 0; i < this.dirtyCount; i++) {
      const index = this.dirtyList[i]!;
      this.active[index] = this.shadow[index]!;
      this.dirty[index] = 0;
    }
    this.dirtyCount = 0;
  }

  raise(bits: number): void {
    if (bits === 0) return;
    this.intStatus |= bits;
    this.updateIrq();
  }

  updateIrq(): void {
    this.irq?.set((this.intStatus & this.intEnable) !== 0);
  }
}

class DisplayPath {
  readonly track: string;
  readonly streamEofEvent: number;
  readonly refreshHz: number;
  readonly activeLines: number;
  readonly totalLines: number;
  readonly timer: Timer;
  readonly commitAddress: number;
  /** No commit register and no write log: component writes may take their fast path. */
  plain = false;
  running = false;
  inVblank = true;
  startAt = 0;
  /** The frame whose SOF is next (phase 0) or which is being scanned out (phase 1). */
  frame = 0;
  phase: 0 | 1 = 0;
  /** Shadowed writes in the current vblank: the configuration of the next frame. */
  vblankConfigWrites = 0;
  /** Straddle rule: the frame that just started latched a configuration that may still be in progress. */
  tornCandidate = false;
  /** Commit rule: configuration writes since the last commit. */
  configOpen = false;
  underrunFrame = -1;
  openSlice: "none" | "active" | "vblank" = "none";
  frames = 0;
  underruns = 0;
  configWrites = 0;
  lateWrites = 0;

  constructor(
    readonly index: number,
    readonly mutex: number,
    readonly components: readonly DispComponent[],
    timing: PanelTiming,
    commitAddress: number | undefined,
    prefix: string,
    clock: Clock,
    onTimer: (p: DisplayPath) => void,
  ) {
    this.track = `${prefix}.path${index}`;
    this.streamEofEvent = mutexStreamEofEvent(mutex);
    this.refreshHz = timing.refreshHz;
    this.activeLines = timing.activeLines;
    this.totalLines = timing.activeLines + timing.vblankLines;
    this.commitAddress = commitAddress ?? -1;
    this.timer = clock.newTimer(this.track, () => onTimer(this));
  }

  /** SOF of frame k: startAt + floor(k · 10^9 / refreshHz), exactly. */
  sofTime(k: number): number {
    const a = k * 1_000_000_000;
    const offset = Number.isSafeInteger(a) ? divFloor(a, this.refreshHz) : Number((BigInt(k) * 1_000_000_000n) / BigInt(this.refreshHz));
    return this.startAt + offset;
  }

  /** Vblank start of frame k: after activeLines / totalLines of the frame. */
  vblankTime(k: number): number {
    const sof = this.sofTime(k);
    return sof + divFloor((this.sofTime(k + 1) - sof) * this.activeLines, this.totalLines);
  }
}

export class MtkDisplay {
  readonly name: string;
  /** Every component's register window; the platform maps them (`for (r of disp.regions) bus.map(r)`). */
  readonly regions: readonly Region[];
  private readonly clock: Clock;
  private readonly tracer: Tracer;
  private events: IrqSink | undefined;
  private readonly components: DispComponent[];
  private readonly byName = new Map<DispComponentName, DispComponent>();
  private readonly paths: DisplayPath[] = [];
  private readonly primary: DisplayPath | null;
  private readonly anyCommit: boolean;

  private lateWrites = 0;
  private underruns = 0;
  private frames = 0;
  private readonly eventMasks: Array<{ readonly event: number; readonly from: number; readonly until: number; dropped: number }> = [];

  private readonly logCapacity: number;
  private readonly logTime: Float64Array;
  private readonly logAddr: Float64Array;
  private readonly logValue: Uint32Array;
  private readonly logFlags: Uint8Array;
  private logNext = 0;
  private logSize = 0;

  constructor(props: MtkDisplayProps) {
    this.clock = props.clock;
    this.tracer = props.tracer;
    this.events = props.events;
    this.name = props.name ?? "disp";
    this.components = MT8173_DISP_COMPONENTS.map((info) => new DispComponent(info, this, this.name, this.tracer));
    for (const c of this.components) this.byName.set(c.info.name, c);
    this.regions = this.components.map((c) => c.region);

    const capacity = props.writeLogCapacity ?? 0;
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`display writeLogCapacity must be a non-negative integer, got ${capacity}`);
    this.logCapacity = capacity;
    this.logTime = new Float64Array(capacity);
    this.logAddr = new Float64Array(capacity);
    this.logValue = new Uint32Array(capacity);
    this.logFlags = new Uint8Array(capacity);

    const pathProps = props.paths ?? [{}];
    const mutexes = new Set<number>();
    pathProps.forEach((p, index) => {
      const mutex = p.mutex ?? index;
      if (!Number.isInteger(mutex) || mutex < 0 || mutex > 4) throw new RangeError(`display path ${index}: mutex ${mutex} is not 0..4`);
      if (mutexes.has(mutex)) throw new RangeError(`display path ${index}: mutex ${mutex} drives another path`);
      mutexes.add(mutex);
      const names = p.components ?? (index === 0 ? ["OVL0", "RDMA0"] : index === 1 ? ["OVL1", "RDMA1"] : []);
      const comps = names.map((n) => {
        const c = this.byName.get(n);
        if (c === undefined || !c.info.shadowed) throw new RangeError(`display path ${index}: ${n} is not an OVL, RDMA or WDMA`);
        if (c.path !== null) throw new RangeError(`display path ${index}: ${n} is already in path ${c.path.index}`);
        return c;
      });
      if (comps.length === 0) throw new RangeError(`display path ${index} has no components`);
      const timing = { ...DEFAULT_PANEL_TIMING, ...p.timing };
      for (const [k, v] of Object.entries(timing)) {
        if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`display path ${index}: timing.${k} must be a positive integer, got ${v}`);
      }
      const path = new DisplayPath(index, mutex, comps, timing, p.commitAddress, this.name, this.clock, (x) => this.onPathTimer(x));
      for (const c of comps) c.path = path;
      this.paths.push(path);
      if (p.running ?? true) this.startPath(index, p.startAt ?? this.clock.now);
    });
    this.primary = this.paths[0] ?? null;
    this.anyCommit = this.paths.some((p) => p.commitAddress >= 0);
    for (const p of this.paths) p.plain = !this.anyCommit && capacity === 0;
  }

  /** Sets the GCE event inputs SOF/EOF/stream-EOF/underrun pulses go to. */
  connectEvents(sink: IrqSink): void {
    this.events = sink;
  }

  /**
   * Fault injection: pulses of GCE event `event` from `from` until `until` never leave the
   * display (a stuck event wire). The returned mask's `dropped` counts the pulses lost.
   */
  maskEvent(event: number, from: number, until: number): { readonly dropped: number } {
    const mask = { event, from, until, dropped: 0 };
    this.eventMasks.push(mask);
    return mask;
  }

  private masked(event: number): boolean {
    const now = this.clock.now;
    const mask = this.eventMasks.find((m) => m.event === event && now >= m.from && now < m.until);
    if (mask !== undefined) mask.dropped++;
    return mask !== undefined;
  }

  /** The interrupt line of an OVL, RDMA or WDMA block (level: INTSTA & INTEN ≠ 0). */
  irq(name: DispComponentName): IrqLine {
    const line = this.byName.get(name)?.irq;
    if (line === undefined) throw new RangeError(`display block ${name} has no interrupt line`);
    return line;
  }

  /** Starts (or restarts) path `index`'s frames with frame 0's SOF at `at` (default now). */
  startPath(index: number, at: number = this.clock.now): void {
    const p = this.pathAt(index);
    p.running = true;
    p.inVblank = true;
    p.startAt = at;
    p.frame = 0;
    p.phase = 0;
    p.tornCandidate = false;
    p.timer.mod(at);
  }

  /** Stops path `index` (a panel that stops sending frames: no more SOF/EOF events). */
  stopPath(index: number): void {
    const p = this.pathAt(index);
    p.timer.del();
    p.running = false;
    p.inVblank = true;
    p.tornCandidate = false;
    this.closeSlice(p);
  }

  /** Frame `k`'s SOF, vblank start and next SOF for path `index` as currently started. */
  frameTimes(index: number, k: number): FrameTimes {
    const p = this.pathAt(index);
    return { sof: p.sofTime(k), vblank: p.vblankTime(k), nextSof: p.sofTime(k + 1) };
  }

  private pathAt(index: number): DisplayPath {
    const p = this.paths[index];
    if (p === undefined) throw new RangeError(`display has no path ${index}`);
    return p;
  }

  private componentAt(addr: number): { c: DispComponent; index: number } {
    for (const c of this.components) {
      if (addr >= c.info.base && addr < c.info.base + DISP_WINDOW && addr % 4 === 0) return { c, index: (addr - c.info.base) / 4 };
    }
    throw new RangeError(`0x${addr.toString(16)} is not a display register`);
  }

  /** The shadow (software-visible) value of the register at physical address `addr`. */
  shadowValue(addr: number): number {
    const { c, index } = this.componentAt(addr);
    return c.read(index * 4);
  }

  /** The active value: what the block uses for the current frame. */
  activeValue(addr: number): number {
    const { c, index } = this.componentAt(addr);
    const irq = c.info.irq;
    if (irq !== undefined && (index * 4 === irq.enable || index * 4 === irq.status)) return c.read(index * 4);
    return c.active[index]!;
  }

  // ---------------------------------------------------------------------------------------
  // Register writes and the write log

  /** @internal Called by a component's `write`. */
  onWrite(c: DispComponent, offset: number, value: number): void {
    const path = c.path;
    const ref = path ?? this.primary;
    const inVblank = ref === null || ref.inVblank;
    let late = false;
    c.writes++;
    if (inVblank) c.vblankWrites++;
    if (offset === c.enableOffset) {
      c.intEnable = value & c.info.irq!.mask;
      c.updateIrq();
    } else if (offset === c.statusOffset) {
      c.intStatus &= value; // write 0 to clear
      c.updateIrq();
    } else if (path !== null) {
      c.storeShadow(offset >>> 2, value);
      if (inVblank) {
        path.vblankConfigWrites++;
        path.configWrites++;
      } else {
        late = true;
        this.lateWrite(path);
      }
      if (path.commitAddress >= 0) path.configOpen = true;
    } else {
      c.storeImmediate(offset >>> 2, value);
    }
    if (this.anyCommit) this.commit(c.info.base + offset);
    if (this.logCapacity !== 0) this.log(c.info.base + offset, value, inVblank, late);
    if (this.tracer.on) this.tracer.emit(dispEvents.disp_write, c.track, c.info.base + offset, value, inVblank ? 1 : 0, late ? 1 : 0);
  }

  /** @internal A shadowed write during the active period; under the straddle rule it may reveal an underrun. */
  lateWrite(path: DisplayPath): void {
    this.lateWrites++;
    path.lateWrites++;
    if (path.tornCandidate) {
      path.tornCandidate = false;
      this.underrun(path, "configuration straddles SOF");
    }
  }

  private commit(addr: number): void {
    for (const p of this.paths) if (p.commitAddress === addr) p.configOpen = false;
  }

  private log(addr: number, value: number, inVblank: boolean, late: boolean): void {
    const i = this.logNext;
    this.logTime[i] = this.clock.now;
    this.logAddr[i] = addr;
    this.logValue[i] = value;
    this.logFlags[i] = (inVblank ? FLAG_VBLANK : 0) | (late ? FLAG_LATE : 0);
    this.logNext = i + 1 === this.logCapacity ? 0 : i + 1;
    if (this.logSize < this.logCapacity) this.logSize++;
  }

  /** The logged writes, oldest first (at most `writeLogCapacity`). */
  writeLog(): DispWriteRecord[] {
    const out: DispWriteRecord[] = [];
    const start = (this.logNext - this.logSize + this.logCapacity) % Math.max(1, this.logCapacity);
    for (let k = 0; k < this.logSize; k++) {
      const i = (start + k) % this.logCapacity;
      const flags = this.logFlags[i]!;
      out.push({ t: this.logTime[i]!, addr: this.logAddr[i]!, value: this.logValue[i]!, inVblank: (flags & FLAG_VBLANK) !== 0, late: (flags & FLAG_LATE) !== 0 });
    }
    return out;
  }

  stats(): DisplayStats {
    let writes = 0;
    let vblankWrites = 0;
    for (const c of this.components) {
      writes += c.writes;
      vblankWrites += c.vblankWrites;
    }
    return {
      frames: this.frames,
      writes,
      vblankWrites,
      activeWrites: writes - vblankWrites,
      lateWrites: this.lateWrites,
      underruns: this.underruns,
      paths: this.paths.map((p) => ({
        mutex: p.mutex,
        components: p.components.map((c) => c.info.name),
        running: p.running,
        inVblank: p.inVblank,
        frames: p.frames,
        underruns: p.underruns,
        configWrites: p.configWrites,
        lateWrites: p.lateWrites,
      })),
    };
  }

  // ---------------------------------------------------------------------------------------
  // Frames

  private onPathTimer(p: DisplayPath): void {
    if (p.phase === 0) {
      this.startOfFrame(p);
      p.phase = 1;
      p.timer.mod(p.vblankTime(p.frame));
    } else {
      this.endOfFrame(p);
      p.frame++;
      p.phase = 0;
      p.timer.mod(p.sofTime(p.frame));
    }
  }

  private startOfFrame(p: DisplayPath): void {
    p.inVblank = false;
    if (p.commitAddress >= 0) {
      if (p.configOpen) this.underrun(p, "configuration not committed at SOF");
      p.configOpen = false;
    } else {
      p.tornCandidate = p.vblankConfigWrites > 0;
    }
    p.vblankConfigWrites = 0;
    p.frames++;
    this.frames++;
    if (this.tracer.on) {
      this.closeSlice(p);
      p.openSlice = "active";
      this.tracer.emit(dispEvents.disp_active_begin, p.track, p.frame);
    }
    for (const c of p.components) {
      c.latch();
      c.raise(c.info.irq?.sof ?? 0);
    }
    for (const c of p.components) this.pulse(c.info.sofEvent);
  }

  private endOfFrame(p: DisplayPath): void {
    p.inVblank = true;
    p.tornCandidate = false;
    if (this.tracer.on) {
      this.closeSlice(p);
      p.openSlice = "vblank";
      this.tracer.emit(dispEvents.disp_vblank_begin, p.track, p.frame);
    }
    for (const c of p.components) {
      c.raise(c.info.irq?.eof ?? 0);
      this.pulse(c.info.eofEvent);
    }
    this.pulse(p.streamEofEvent);
  }

  /** Once per frame: counts it, sets the blocks' underflow status and pulses the RDMAs' UNDERRUN events. */
  private underrun(p: DisplayPath, reason: string): void {
    if (p.underrunFrame === p.frame) return;
    p.underrunFrame = p.frame;
    p.underruns++;
    this.underruns++;
    if (this.tracer.on) this.tracer.emit(dispEvents.disp_underrun, p.track, p.frame, reason);
    for (const c of p.components) {
      c.raise(c.info.irq?.underrun ?? 0);
      this.pulse(c.info.underrunEvent);
    }
  }

  private pulse(event: number): void {
    const sink = this.events;
    if (event < 0 || sink === undefined || (this.eventMasks.length !== 0 && this.masked(event))) return;
    sink.setIrq(event, true);
    sink.setIrq(event, false);
  }

  private closeSlice(p: DisplayPath): void {
    if (!this.tracer.on) p.openSlice = "none";
    else if (p.openSlice === "active") this.tracer.emit(dispEvents.disp_active_end, p.track, p.frame);
    else if (p.openSlice === "vblank") this.tracer.emit(dispEvents.disp_vblank_end, p.track, p.frame);
    p.openSlice = "none";
  }
}
