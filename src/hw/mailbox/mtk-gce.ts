/**
 * MediaTek GCE (Global Command Engine, "CMDQ"): the controller the mailbox driver programs and
 * the engine that executes command buffers from DRAM.
 *
 * Sources: ../shared/spec/cmdq-gce.md §1 (instruction set), §2.1 (registers), §2.4–§2.10
 * (how `drivers/mailbox/mtk-cmdq-mailbox.c` programs threads), §4 (events, subsys); vendor
 * `mtk-cmdq` headers for the registers and IRQ bits mainline does not use (INST_CYCLES, SPRs,
 * `CMDQ_THR_IRQ_FLAG_ENUM`). Registers: mtk-gce.regs.ts. Model description: docs/gce.md.
 *
 * Execution model. One engine serves all threads. Each engine event (one clock timer) picks a
 * runnable thread (highest PRIORITY first, round-robin among equals) and runs a *batch* of its
 * instructions: until it blocks (WFE, unmatched POLL), reaches END, raises an interrupt, or a
 * time slice ends, and never past the next pending clock event. Every instruction costs virtual
 * time (`GceTiming`); the engine is busy until the batch's logical end, where the next engine
 * event runs. A batch never crosses another event, so the order of the GCE's bus accesses
 * against every other device and the CPU is exactly what per-instruction scheduling would
 * give; only the timestamp the bus sees for an access inside a batch is the batch's start (at
 * most one slice early). Interrupts are exact: an EOC or error that raises one always runs as
 * the first instruction of a batch, at its own logical time.
 *
 * Not modelled: the GCE's SRAM and CPR registers (mt8195 `GCE_CPR_COUNT`), secure threads,
 * THR_CNT, GCTL/DDR handshake (mt8186+), the MT8196 mminfra offset, clocks and power (the GCE
 * is always clocked), bus latency beyond the per-instruction costs, vendor-only opcodes.
 */
import { Region, type Bus, type MmioOps } from "../../sim/bus.js";
import type { Clock, Timer } from "../../sim/clock.js";
import { IrqLine, type IrqSink } from "../../sim/irq.js";
import { RegisterMap } from "../../sim/regs.js";
import type { Tracer } from "../../sim/trace.js";
import { events as simEvents } from "../../sim/trace-events.js";
import type { Dram } from "../mem/dram.js";
import {
  CMDQ_EVENT_COUNT,
  CMDQ_GPR_COUNT,
  CMDQ_GPR_IDX,
  CMDQ_INST_SIZE,
  CMDQ_LOGIC,
  CMDQ_SPR_COUNT,
  createDecodeScratch,
  decodeInto,
  type DecodeScratch,
  type LogicInstruction,
} from "./mtk-gce-isa.js";
import { GCE_SOCS, type GceSubsys } from "./mtk-gce-soc.js";
import { GCE, GCE_GPR, THR_IRQ, THR_REGS, gceRegionSize, threadBank } from "./mtk-gce.regs.js";
import { GceThreadState, gceEvents } from "./trace-events.js";

/**
 * Virtual time the engine spends per instruction, in nanoseconds. The defaults assume a GCE
 * clocked at 200 MHz (5 ns per cycle, an assumption: the spec gives no frequency) and are
 * chosen so that a 200-write DRM frame packet takes about 8 µs, a small fraction of a 60 Hz
 * vblank, as display drivers expect of the hardware.
 */
export interface GceTiming {
  /** One GCE cycle (INST_CYCLES counts these). Default 5 ns. */
  readonly cycleNs: number;
  /** MASK, MOVE, JUMP, WFE, EOC, LOGIC: 2 cycles, 10 ns. */
  readonly internalNs: number;
  /** A posted bus write (WRITE, WRITE_S): 8 cycles, 40 ns. */
  readonly writeNs: number;
  /** A bus read round trip (READ_S, one POLL attempt, the read of a masked write): 16 cycles, 80 ns. */
  readonly readNs: number;
  /**
   * Longest batch. Threads of equal priority take turns at this granularity (finer than the
   * hardware's 0x3200-cycle SLOT_CYCLES, 64 µs at 200 MHz), and a bus access inside a batch is
   * stamped with the batch's start, at most this much early. Default 4 µs; 1 gives every
   * instruction its own clock event (exact stamps, slow).
   */
  readonly sliceNs: number;
  /** Longest gap between two reads of an unmatched POLL when no other event comes first. Default 1 µs. */
  readonly pollIntervalNs: number;
}

export const DEFAULT_GCE_TIMING: GceTiming = {
  cycleNs: 5,
  internalNs: 10,
  writeNs: 40,
  readNs: 80,
  sliceNs: 4_000,
  pollIntervalNs: 1_000,
};

export interface GceProps {
  readonly clock: Clock;
  readonly tracer: Tracer;
  /** The bus the GCE masters: WRITE/POLL/READ_S/WRITE_S go through `bus.read32`/`write32`. */
  readonly bus: Bus;
  /**
   * The memory command buffers live in. Fetches inside it read its words directly (a burst,
   * see dram.ts); fetches elsewhere go over the bus one word at a time. Optional: without it
   * every fetch goes over the bus.
   */
  readonly dram?: Dram;
  /** MMIO base of the register block (mt8173: 0x10212000). */
  readonly base: number;
  /** Device name for traces (default "gce"). */
  readonly name?: string;
  /** Hardware threads, 1..32 (mt8173: 16, the default). */
  readonly threads?: number;
  /** `gce_plat.shift`: PC, END and absolute JUMP hold `pa >> shiftPa` (mt8173: 0, the default). */
  readonly shiftPa?: number;
  /** Subsys id → address bits 31..16 (default: mt8173's table from mtk-gce-soc.ts). */
  readonly subsys?: readonly GceSubsys[];
  readonly timing?: Partial<GceTiming>;
  /**
   * Instructions a thread holds prefetched when it stops (blocks or is suspended), which it
   * executes on resuming even if DRAM changed meanwhile, unless CURR_ADDR is re-written. The
   * depth is not documented; default 4 (32 bytes), 0 disables the model.
   */
  readonly prefetch?: number;
  /**
   * An unmatched POLL holds the whole engine ("all GCE hardware threads will be blocked",
   * the mainline header on CMDQ_CODE_POLL). Default true.
   */
  readonly pollBlocksEngine?: boolean;
}

/** What a thread is doing, for `threadState` and summaries. */
export type ThreadActivity = "disabled" | "idle" | "runnable" | "waiting" | "polling" | "suspended" | "halted";

export interface GceThreadState {
  readonly activity: ThreadActivity;
  readonly enabled: boolean;
  readonly suspended: boolean;
  /** Physical addresses (not shifted). */
  readonly pc: number;
  readonly end: number;
  readonly priority: number;
  readonly irqStatus: number;
  readonly irqEnable: number;
  /** The event a WFE waits for, or -1. */
  readonly waitEvent: number;
  readonly spr: readonly number[];
  readonly instructions: number;
  readonly eocs: number;
  readonly errors: number;
}

export interface GceStats {
  /** Instructions executed (a WFE that blocks counts when it completes, and each attempt costs time). */
  readonly instructions: number;
  /** Engine batches run. */
  readonly batches: number;
  readonly eocs: number;
  /** EOCs that raised the DONE interrupt. */
  readonly eocIrqs: number;
  /** Threads stopped by an error (invalid instruction or POLL timeout). */
  readonly errors: number;
  /** WFEs that had to wait. */
  readonly waits: number;
  readonly pollReads: number;
  /** Event flag changes (hardware pulses, WFE updates, SYNC_TOKEN_UPDATE). */
  readonly eventUpdates: number;
  /** Virtual nanoseconds the engine spent executing. */
  readonly busyNs: number;
}

const U32 = 0xffff_ffff;
const NO_EVENT = -1;

class GceThread {
  enabled = false;
  suspended = false;
  /** Stopped by an error until CURR_ADDR is written, the thread is disabled or reset. */
  halted = false;
  /** Physical addresses. */
  pc = 0;
  end = 0;
  priority = 0;
  irqStatus = 0;
  irqEnable = 0;
  instCycles = 0;
  /** The inverted-back mask of the last MASK instruction. */
  mask = U32;
  readonly spr = new Uint32Array(CMDQ_SPR_COUNT);
  /** Blocked in a WFE on this event until it equals `waitValue`; -1 when not. */
  waitEvent = NO_EVENT;
  waitValue = 0;
  /** An unmatched POLL: re-read at `pollNext`; `pollStart` for the INST_CYCLES timeout. */
  polling = false;
  pollStart = 0;
  pollNext = 0;
  /** Prefetched words (lo, hi pairs) from `pfBase`; `pfCount` instructions, 0 when none. */
  pfBase = 0;
  pfCount = 0;
  readonly pf: Uint32Array;
  instructions = 0;
  eocs = 0;
  errors = 0;
  // Trace slices currently open on this thread's tracks.
  execOpen = false;
  wfeOpen = false;
  packetOpen = false;

  constructor(
    readonly index: number,
    /** Track names: `gce.thr3` and `gce.thr3.pkt`. */
    readonly track: string,
    readonly packetTrack: string,
    prefetch: number,
  ) {
    this.pf = new Uint32Array(2 * prefetch);
  }
}

/** A thread's `GceThreadState` as the trace shows it. */
function threadState(th: GceThread): number {
  if (th.execOpen) return GceThreadState.running;
  if (!th.enabled || th.halted || th.pc === th.end) return GceThreadState.idle;
  if (th.waitEvent !== NO_EVENT) return GceThreadState.waiting;
  if (th.polling) return GceThreadState.polling;
  return GceThreadState.ready;
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`GCE ${what} must be a positive integer, got ${value}`);
  return value;
}

export class MtkGce implements MmioOps, IrqSink {
  readonly name: string;
  readonly base: number;
  /** The register block; the platform maps it (`bus.map(gce.region)`). */
  readonly region: Region;
  /** The GCE's interrupt output (level): some thread has IRQ_STATUS & IRQ_ENABLE ≠ 0. */
  readonly irq: IrqLine;
  readonly threadCount: number;
  readonly shiftPa: number;
  readonly timing: GceTiming;
  readonly prefetch: number;
  readonly pollBlocksEngine: boolean;

  private readonly clock: Clock;
  private readonly tracer: Tracer;
  private readonly bus: Bus;
  private readonly dram: Dram | undefined;
  private readonly map: RegisterMap;
  private readonly threads: GceThread[] = [];
  /** `2 ** shiftPa`. */
  private readonly scale: number;
  /** Subsys id → base physical address, or -1. */
  private readonly subsysBase = new Float64Array(256).fill(-1);
  /** The event table (spec §1.3): 1024 values, 0 at reset. */
  private readonly events = new Uint16Array(CMDQ_EVENT_COUNT);
  private readonly gpr = new Uint32Array(CMDQ_GPR_COUNT);
  private readonly scratch: DecodeScratch = createDecodeScratch();
  private readonly timer: Timer;
  private readonly threadMask: number;

  private slotCycles = 0;
  private syncTokenId = 0;
  /** Bit n: thread n has an enabled interrupt pending. */
  private pendingMask = 0;
  /** Logical time the engine finishes the last instruction it started. */
  private busyUntil = 0;
  private lastThread = -1;
  /** Set by every register write, so a batch notices a write its own bus access caused. */
  private disturbed = false;
  /** A batch's logical time and instruction count while `step` runs; the fetched word of `fetchSlow`. */
  private batchT = 0;
  private batchN = 0;
  private fetchLo = 0;
  private fetchHi = 0;
  /** The thread whose `exec` trace slice is open (closed at the next engine event). */
  private traceExec: GceThread | null = null;
  /**
   * Which threads are runnable, recomputed only after something that can change it (a
   * register write, a wake-up, a thread blocking, stopping or polling) set `dirty`, so an
   * engine event that just continues the one running thread does not scan all threads.
   */
  private dirty = true;
  private runnableCount = 0;
  private pollerCount = 0;
  private onlyRunnable: GceThread | null = null;

  private instructions = 0;
  private batches = 0;
  private eocCount = 0;
  private eocIrqs = 0;
  private errorCount = 0;
  private waits = 0;
  private pollReads = 0;
  private eventUpdates = 0;
  private busyNs = 0;

  constructor(props: GceProps) {
    this.clock = props.clock;
    this.tracer = props.tracer;
    this.bus = props.bus;
    this.dram = props.dram;
    this.name = props.name ?? "gce";
    this.base = props.base;
    const threads = props.threads ?? 16;
    if (!Number.isInteger(threads) || threads < 1 || threads > 32) throw new RangeError(`GCE threads must be 1..32, got ${threads}`);
    this.threadCount = threads;
    this.threadMask = threads === 32 ? U32 : (1 << threads) - 1;
    const shift = props.shiftPa ?? 0;
    if (!Number.isInteger(shift) || shift < 0 || shift > 8) throw new RangeError(`GCE shiftPa must be 0..8, got ${shift}`);
    this.shiftPa = shift;
    this.scale = 2 ** shift;
    const timing = { ...DEFAULT_GCE_TIMING, ...props.timing };
    for (const [k, v] of Object.entries(timing)) positiveInteger(v, `timing.${k}`);
    this.timing = timing;
    const prefetch = props.prefetch ?? 4;
    if (!Number.isInteger(prefetch) || prefetch < 0 || prefetch > 64) throw new RangeError(`GCE prefetch must be 0..64, got ${prefetch}`);
    this.prefetch = prefetch;
    this.pollBlocksEngine = props.pollBlocksEngine ?? true;
    for (const s of props.subsys ?? GCE_SOCS.mt8173.subsys) {
      if (!Number.isInteger(s.id) || s.id < 0 || s.id > 255 || !Number.isInteger(s.base) || s.base < 0 || s.base > 0xffff) {
        throw new RangeError(`GCE subsys ${s.id} → 0x${s.base.toString(16)} is out of range`);
      }
      this.subsysBase[s.id] = s.base * 0x1_0000;
    }
    for (let i = 0; i < threads; i++) this.threads.push(new GceThread(i, `${this.name}.thr${i}`, `${this.name}.thr${i}.pkt`, prefetch));
    for (const th of this.threads) this.tracer.declareSignal(gceEvents.gce_thread_state, th.track, () => threadState(th));
    const size = gceRegionSize(threads);
    this.map = new RegisterMap(size, Object.values(GCE), [GCE_GPR, threadBank(threads)]);
    this.region = new Region(this.name, props.base, size, this, { sizes: [4] });
    this.irq = new IrqLine(`${this.name}.irq`, this.tracer);
    this.timer = this.clock.newTimer(`${this.name}.engine`, () => this.onEngine());
  }

  // ---------------------------------------------------------------------------------------
  // Event inputs

  /** A hardware event pulse (SOF, EOF, stream EOF…): the event's flag becomes 1 and stays set until cleared. */
  setEvent(id: number): void {
    this.setEventValue(id, 1);
  }

  /** IrqSink: pins are event ids; a rising level sets the event (flags are sticky, a falling level does nothing). */
  setIrq(pin: number, level: boolean): void {
    if (level) this.setEventValue(pin, 1);
  }

  /** The value of event `id` (what SYNC_TOKEN_VALUE reads). */
  eventValue(id: number): number {
    return this.events[this.checkEvent(id)]!;
  }

  private checkEvent(id: number): number {
    if (!Number.isInteger(id) || id < 0 || id >= CMDQ_EVENT_COUNT) throw new RangeError(`GCE event id ${id} is not 0..${CMDQ_EVENT_COUNT - 1}`);
    return id;
  }

  private setEventValue(id: number, value: number): void {
    this.events[this.checkEvent(id)] = value;
    this.eventUpdates++;
    if (this.tracer.on) this.tracer.emit(gceEvents.gce_event, id, value);
    this.wakeWaiters(id);
  }

  /** Threads blocked on `id` whose wait is now satisfied become runnable (suspended ones re-check on resume). */
  private wakeWaiters(id: number): void {
    const value = this.events[id]!;
    let woke = false;
    for (const th of this.threads) {
      if (th.waitEvent !== id || th.suspended || th.waitValue !== value) continue;
      this.endWait(th);
      woke = true;
    }
    if (woke) this.schedule();
  }

  private endWait(th: GceThread): void {
    this.dirty = true;
    if (th.wfeOpen) {
      th.wfeOpen = false;
      if (this.tracer.on) this.tracer.emit(gceEvents.gce_wfe_end, th.track, th.waitEvent);
    }
    th.waitEvent = NO_EVENT;
    this.traceState(th);
  }

  // ---------------------------------------------------------------------------------------
  // Register interface (spec §2.1)

  read(offset: number): number {
    const d = this.map.decode(offset);
    if (d === undefined || d.byte !== 0) {
      this.guestError(`read of unknown register at +0x${offset.toString(16)}`);
      return 0;
    }
    if (d.reg === GCE_GPR.regs.VALUE) return this.gpr[d.instance]!;
    if (d.instance < 0) {
      switch (d.reg) {
        case GCE.CURR_IRQ_STATUS:
          // Active-low: a 0 bit is a thread with a pending interrupt (the ISR walks the clear bits).
          return (~this.pendingMask & this.threadMask) >>> 0;
        case GCE.THR_SLOT_CYCLES:
          return this.slotCycles;
        case GCE.SYNC_TOKEN_ID:
          return this.syncTokenId;
        case GCE.SYNC_TOKEN_VALUE:
          return this.events[this.syncTokenId]!;
        default:
          return 0; // GCTL_VALUE (unimp), SYNC_TOKEN_UPDATE (write-only)
      }
    }
    const th = this.threads[d.instance]!;
    switch (d.reg) {
      case THR_REGS.ENABLE_TASK:
        return th.enabled ? 1 : 0;
      case THR_REGS.SUSPEND_TASK:
        return th.suspended ? 1 : 0;
      case THR_REGS.CURR_STATUS:
        return th.suspended ? THR_REGS.CURR_STATUS.f.SUSPENDED.mask : 0;
      case THR_REGS.IRQ_STATUS:
        return th.irqStatus;
      case THR_REGS.IRQ_ENABLE:
        return th.irqEnable;
      case THR_REGS.CURR_ADDR:
        return Math.floor(th.pc / this.scale) >>> 0;
      case THR_REGS.END_ADDR:
        return Math.floor(th.end / this.scale) >>> 0;
      case THR_REGS.WAIT_TOKEN:
        return th.waitEvent === NO_EVENT ? 0 : (THR_REGS.WAIT_TOKEN.f.IS_WAITING.mask | th.waitEvent) >>> 0;
      case THR_REGS.PRIORITY:
        return th.priority;
      case THR_REGS.INST_CYCLES:
        return th.instCycles;
      case THR_REGS.SPR0:
        return th.spr[0]!;
      case THR_REGS.SPR1:
        return th.spr[1]!;
      case THR_REGS.SPR2:
        return th.spr[2]!;
      case THR_REGS.SPR3:
        return th.spr[3]!;
      default:
        return 0; // WARM_RESET (self-clearing), THR_CNT (unimp)
    }
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    value >>>= 0;
    if (this.tracer.on) this.tracer.emit(gceEvents.gce_reg_write, this.name, offset, value);
    this.disturbed = true;
    this.dirty = true;
    const d = this.map.decode(offset);
    if (d === undefined || d.byte !== 0) {
      this.guestError(`write of 0x${value.toString(16)} to unknown register at +0x${offset.toString(16)}`);
      return;
    }
    if (d.reg === GCE_GPR.regs.VALUE) {
      this.gpr[d.instance] = value;
      return;
    }
    if (d.instance < 0) {
      this.writeGlobal(d.reg, value);
      return;
    }
    const th = this.threads[d.instance]!;
    switch (d.reg) {
      case THR_REGS.WARM_RESET:
        if (value & THR_REGS.WARM_RESET.f.WARM_RESET.mask) this.warmReset(th);
        return;
      case THR_REGS.ENABLE_TASK:
        this.setEnabled(th, (value & 1) !== 0);
        return;
      case THR_REGS.SUSPEND_TASK:
        this.setSuspended(th, (value & 1) !== 0);
        return;
      case THR_REGS.IRQ_STATUS:
        // Written with ~flags by the ISR: a 0 clears, a 1 keeps (spec §2.1).
        th.irqStatus = (th.irqStatus & value) >>> 0;
        this.updateIrq();
        return;
      case THR_REGS.IRQ_ENABLE:
        th.irqEnable = THR_REGS.IRQ_ENABLE.applyWrite(th.irqEnable, value);
        this.updateIrq();
        return;
      case THR_REGS.CURR_ADDR:
        this.setPc(th, value * this.scale);
        return;
      case THR_REGS.END_ADDR:
        th.end = value * this.scale;
        this.traceState(th);
        this.schedule();
        return;
      case THR_REGS.PRIORITY:
        th.priority = THR_REGS.PRIORITY.applyWrite(th.priority, value);
        this.schedule();
        return;
      case THR_REGS.INST_CYCLES:
        th.instCycles = value;
        return;
      case THR_REGS.SPR0:
        th.spr[0] = value;
        return;
      case THR_REGS.SPR1:
        th.spr[1] = value;
        return;
      case THR_REGS.SPR2:
        th.spr[2] = value;
        return;
      case THR_REGS.SPR3:
        th.spr[3] = value;
        return;
      case THR_REGS.THR_CNT:
        this.unimp(`THR_CNT write 0x${value.toString(16)} (thread ${th.index})`);
        return;
      default: // CURR_STATUS, WAIT_TOKEN
        this.guestError(`write of 0x${value.toString(16)} to read-only ${d.reg.name} of thread ${th.index}`);
        return;
    }
  }

  private writeGlobal(reg: unknown, value: number): void {
    switch (reg) {
      case GCE.THR_SLOT_CYCLES:
        this.slotCycles = GCE.THR_SLOT_CYCLES.applyWrite(this.slotCycles, value);
        return;
      case GCE.SYNC_TOKEN_ID:
        this.syncTokenId = GCE.SYNC_TOKEN_ID.applyWrite(this.syncTokenId, value);
        return;
      case GCE.SYNC_TOKEN_UPDATE: {
        // `id | value << 16` (spec §2.1); cmdq_init writes every id with value 0.
        const { ID, VALUE } = GCE.SYNC_TOKEN_UPDATE.f;
        this.setEventValue(ID.get(value), VALUE.get(value));
        return;
      }
      case GCE.GCTL_VALUE:
        this.unimp(`GCE_GCTL_VALUE write 0x${value.toString(16)} (mt8186+ only)`);
        return;
      default: // CURR_IRQ_STATUS, SYNC_TOKEN_VALUE
        this.guestError(`write of 0x${value.toString(16)} to a read-only global register`);
        return;
    }
  }

  /** WARM_RESET (spec §2.1): PC, END, priority, IRQ enable, suspend and enable become 0; the bit self-clears at once. */
  private warmReset(th: GceThread): void {
    this.stopTraces(th);
    th.enabled = false;
    th.suspended = false;
    th.halted = false;
    th.pc = 0;
    th.end = 0;
    th.priority = 0;
    th.irqEnable = 0;
    th.mask = U32;
    th.waitEvent = NO_EVENT;
    th.polling = false;
    th.pfCount = 0;
    this.updateIrq();
    this.schedule();
  }

  private setEnabled(th: GceThread, enable: boolean): void {
    if (enable === th.enabled) return;
    th.enabled = enable;
    if (!enable) {
      // MODEL: disabling drops the thread's execution context (wait, poll, error stop, prefetch);
      // enabling again restarts at CURR_ADDR.
      this.stopTraces(th);
      th.halted = false;
      th.waitEvent = NO_EVENT;
      th.polling = false;
      th.pfCount = 0;
    }
    this.traceState(th);
    this.schedule();
  }

  private setSuspended(th: GceThread, suspend: boolean): void {
    if (suspend === th.suspended) return;
    th.suspended = suspend;
    if (suspend) {
      // Instructions are atomic in this model and register writes arrive between them, so the
      // thread is suspended (CURR_STATUS bit 1) as soon as the write lands. It keeps what it had
      // prefetched when it blocked, or prefetches now.
      if (th.pfCount === 0) this.takePrefetch(th);
    } else if (th.waitEvent !== NO_EVENT && this.events[th.waitEvent] === th.waitValue) {
      this.endWait(th); // the event came while suspended
    }
    this.traceState(th);
    this.schedule();
  }

  /** CURR_ADDR write: a new PC, and the prefetched words are dropped (the next fetch reads DRAM). */
  private setPc(th: GceThread, pc: number): void {
    const same = pc === th.pc;
    th.pc = pc;
    th.pfCount = 0;
    th.halted = false;
    th.polling = false;
    // Re-writing the PC a thread waits at leaves its WFE armed (the driver does this to drop
    // prefetch while appending); a new PC abandons the wait.
    if (!same && th.waitEvent !== NO_EVENT) this.endWait(th);
    this.traceState(th);
    this.schedule();
  }

  private updateIrq(): void {
    let pending = 0;
    for (const th of this.threads) if ((th.irqStatus & th.irqEnable) !== 0) pending |= 1 << th.index;
    this.pendingMask = pending >>> 0;
    this.irq.set(pending !== 0);
  }

  // ---------------------------------------------------------------------------------------
  // Scheduling

  private runnable(th: GceThread): boolean {
    return th.enabled && !th.suspended && !th.halted && th.waitEvent === NO_EVENT && th.pc !== th.end;
  }

  private refreshRunnable(): void {
    if (!this.dirty) return;
    this.dirty = false;
    let count = 0;
    let pollers = 0;
    let only: GceThread | null = null;
    for (const th of this.threads) {
      if (!this.runnable(th)) continue;
      count++;
      only = th;
      if (th.polling) pollers++;
    }
    this.runnableCount = count;
    this.pollerCount = pollers;
    this.onlyRunnable = count === 1 ? only : null;
  }

  /** When the engine next has work, or Infinity. */
  private nextEngineTime(): number {
    this.refreshRunnable();
    if (this.runnableCount === 0) return Infinity;
    const start = Math.max(this.clock.now, this.busyUntil);
    if (this.pollerCount === 0) return start;
    let blocking = Infinity;
    let free = Infinity;
    for (const th of this.threads) {
      if (!this.runnable(th)) continue;
      if (th.polling) {
        const t = Math.max(start, th.pollNext);
        if (this.pollBlocksEngine) blocking = Math.min(blocking, t);
        else free = Math.min(free, t);
      } else {
        free = start;
      }
    }
    return blocking !== Infinity ? blocking : free;
  }

  /** (Re)arms the engine timer for the next work, or disarms it. Safe to call at any time. */
  private schedule(): void {
    let at = this.nextEngineTime();
    // While tracing, an open exec slice is closed by an engine event at the batch's end.
    if (this.traceExec !== null && this.tracer.on) at = Math.min(at, Math.max(this.clock.now, this.busyUntil));
    if (at === Infinity) {
      this.timer.del();
      return;
    }
    if (this.timer.expires !== at) this.timer.mod(at);
  }

  /**
   * The thread the engine runs next: an unmatched POLL due now holds the engine; otherwise the
   * highest PRIORITY among runnable threads, round-robin after the last one run among equals.
   */
  private pick(now: number): GceThread | null {
    this.refreshRunnable();
    if (this.runnableCount === 0) return null;
    if (this.onlyRunnable !== null && this.pollerCount === 0) return this.onlyRunnable;
    const threads = this.threads;
    const n = threads.length;
    if (this.pollBlocksEngine) {
      let poller: GceThread | null = null;
      let holding = false;
      for (const th of threads) {
        if (!th.polling || !this.runnable(th)) continue;
        holding = true;
        if (th.pollNext <= now && (poller === null || th.priority > poller.priority)) poller = th;
      }
      if (holding) return poller;
    }
    let best: GceThread | null = null;
    for (let k = 1; k <= n; k++) {
      const th = threads[(this.lastThread + k + n) % n]!;
      if (!this.runnable(th) || (th.polling && th.pollNext > now)) continue;
      if (best === null || th.priority > best.priority) best = th;
    }
    return best;
  }

  private onEngine(): void {
    const now = this.clock.now;
    const th = now >= this.busyUntil ? this.pick(now) : null;
    const prev = this.traceExec;
    if (prev !== null && (prev !== th || now !== this.busyUntil)) this.closeExec(prev);
    if (th !== null) {
      const next = this.clock.nextDeadline();
      const end = this.runBatch(th, now, next === undefined ? Infinity : next);
      this.batches++;
      this.busyNs += end - now;
      this.busyUntil = end;
      this.lastThread = th.index;
    } else {
      this.dirty = true; // nothing to run: make sure the runnable set is not stale
    }
    this.schedule();
  }

  // ---------------------------------------------------------------------------------------
  // Execution

  /**
   * Runs instructions of `th` from logical time `start` (= now) while their start times stay
   * before `horizon` (the next other clock event) and within a slice; the first one always
   * runs. Returns the logical time the last one finishes. Allocates nothing.
   *
   * Runs of unmasked WRITEs fetched straight from DRAM, the common case, go to `runWrites`;
   * everything else goes through `step`, which keeps the batch's time and count in `batchT`
   * and `batchN`.
   */
  private runBatch(th: GceThread, start: number, horizon: number): number {
    const timing = this.timing;
    const limit = Math.min(horizon, start + timing.sliceNs);
    const traceOn = this.tracer.on;
    const dram = this.dram;
    const words = dram?.words;
    const dramBase = dram === undefined ? 0 : dram.base;
    const dramLast = words === undefined || dram === undefined ? -1 : dram.end - CMDQ_INST_SIZE;
    const writeNs = timing.writeNs;
    // END only changes by a register write, which ends the batch (`disturbed`).
    const end = th.end;
    let t = start;
    let n = 0;
    // PC and "has prefetched words" change only here, in `step`/`fetchSlow` (re-read after
    // them), or by a register write (which ends the batch).
    let pc = th.pc;
    let prefetched = th.pfCount !== 0;
    this.disturbed = false;
    if (traceOn) this.openExec(th);
    for (;;) {
      if (pc === end) break;
      if (n !== 0 && t >= limit) break;
      const inDram = !prefetched && pc >= dramBase && pc <= dramLast && (pc & 7) === 0;
      if (inDram && !traceOn) {
        // The WRITEs that may start before `limit`, and at least one in an empty batch (its
        // first instruction always runs).
        const max = Math.max(n === 0 ? 1 : 0, Math.ceil((limit - t) / writeNs));
        const ran = this.runWrites(th, max);
        if (ran !== 0) {
          pc = th.pc;
          t += ran * writeNs;
          n += ran;
          if (this.disturbed) break;
          continue;
        }
      }
      let lo: number;
      let hi: number;
      if (inDram) {
        const k = (pc - dramBase) >>> 2;
        lo = words![k]!;
        hi = words![k + 1]!;
      } else {
        if (!this.fetchSlow(th, pc, n)) break;
        lo = this.fetchLo;
        hi = this.fetchHi;
      }
      if (traceOn) this.tracer.emit(gceEvents.gce_insn, th.track, pc, hi, lo);
      this.batchT = t;
      this.batchN = n;
      const stop = this.step(th, pc, lo, hi, start);
      t = this.batchT;
      n = this.batchN;
      if (stop) break;
      pc = th.pc;
      prefetched = th.pfCount !== 0;
    }
    th.instructions += n;
    this.instructions += n;
    // Reached END (by stepping, jumping or after an EOC): the thread stays enabled, idle.
    if (th.pc === th.end && th.enabled && !th.halted && th.waitEvent === NO_EVENT) this.becomeIdle(th);
    return t;
  }

  /**
   * The fast path, for the bulk of a display packet: runs up to `max` consecutive unmasked
   * WRITEs to known subsys, fetched straight from DRAM from `th.pc` (8-byte aligned, in DRAM,
   * nothing prefetched, tracing off), each with the effect `step` would give it. Stops before
   * any other instruction, at END or the end of DRAM, and after a write that touched the
   * engine's registers (`disturbed`). Returns how many ran; `th.pc` is past the last.
   *
   * A run of writes to one block skips the bus's lookup and checks, done once for the block
   * (`fastWriteRegion`); the cache lives for one call, so a region mapped or unmapped between
   * engine events is seen.
   */
  private runWrites(th: GceThread, max: number): number {
    // PC and END come from the thread rather than as arguments: read from its fields they are
    // plain doubles, so the loop keeps them unboxed.
    let pc = th.pc;
    const end = th.end;
    const dram = this.dram!;
    const words = dram.words!;
    const subsysBase = this.subsysBase;
    const bus = this.bus;
    // An imported binding is re-read at every use; a local is read once.
    const size = CMDQ_INST_SIZE;
    const last = dram.end - size;
    let k = (pc - dram.base) >>> 2;
    let ops: MmioOps | null = null;
    let regionBase = 0;
    let regionLast = -1;
    let done = 0;
    while (done < max && pc !== end && pc <= last) {
      const hi = words[k + 1]!;
      // op 0x04 | subsys << 16 | offset, offset bit 0 (the mask flag) clear.
      if ((hi & 0xff00_0001) !== 0x0400_0000) break;
      const base = subsysBase[(hi >>> 16) & 0xff]!;
      if (base < 0) break;
      const lo = words[k]!;
      k += 2;
      done++;
      pc += size;
      th.pc = pc;
      const addr = base + (hi & 0xffff);
      if (addr >= regionBase && addr <= regionLast && (addr & 3) === 0) {
        ops!.write(addr - regionBase, 4, lo);
      } else {
        const r = fastWriteRegion(bus, addr);
        if (r === undefined) {
          bus.write32(addr, lo);
        } else {
          ops = r.ops;
          regionBase = r.base;
          regionLast = r.end - 4;
          ops.write(addr - regionBase, 4, lo);
        }
      }
      if (this.disturbed) break;
    }
    return done;
  }

  /**
   * Fetches the instruction at `pc` from the prefetch buffer or over the bus into
   * `fetchLo`/`fetchHi`. False when the batch must stop (a misaligned PC, raised as an error at
   * its own time, or a bus read that wrote our registers).
   */
  private fetchSlow(th: GceThread, pc: number, n: number): boolean {
    if (th.pfCount !== 0 && this.inPrefetch(th, pc)) {
      const k = (pc - th.pfBase) / 4;
      this.fetchLo = th.pf[k]!;
      this.fetchHi = th.pf[k + 1]!;
      return true;
    }
    const dram = this.dram;
    if (pc % CMDQ_INST_SIZE !== 0) {
      if (n === 0) this.fail(th, THR_IRQ.INVALID_INSTN, `PC 0x${pc.toString(16)} is not 8-byte aligned`);
      return false;
    }
    if (dram !== undefined && dram.contains(pc, CMDQ_INST_SIZE)) {
      this.fetchLo = dram.readU32(pc);
      this.fetchHi = dram.readU32(pc + 4);
      return true;
    }
    this.fetchLo = this.bus.read32(pc);
    this.fetchHi = this.bus.read32(pc + 4);
    return !this.disturbed;
  }

  /**
   * Executes the instruction (lo, hi) at `pc`, advancing `batchT`/`batchN`. Returns true when
   * the batch must stop after it (the thread blocked, stopped, raised an interrupt, or the
   * instruction must wait to run first in the next batch).
   */
  private step(th: GceThread, pc: number, lo: number, hi: number, start: number): boolean {
    const timing = this.timing;
    const bus = this.bus;
    const first = this.batchN === 0;
    const inst = decodeInto(this.scratch, lo, hi);
    switch (inst.kind) {
      case "write": {
        const base = this.subsysBase[inst.subsys]!;
        if (base < 0) return this.invalid(th, first, `WRITE to unknown subsys ${inst.subsys}`);
        th.pc = pc + CMDQ_INST_SIZE;
        const addr = base + inst.offset;
        if (inst.masked) {
          const m = th.mask;
          bus.write32(addr, ((bus.read32(addr) & ~m) | (inst.value & m)) >>> 0);
          this.batchT += timing.readNs + timing.writeNs;
        } else {
          bus.write32(addr, inst.value);
          this.batchT += timing.writeNs;
        }
        this.batchN++;
        return this.disturbed;
      }
      case "mask":
        th.mask = inst.mask;
        return this.next(th, pc);
      case "move":
        this.gpr[inst.gpr] = inst.value;
        return this.next(th, pc);
      case "jump":
        th.pc = inst.absolute ? (inst.value >>> 0) * this.scale : pc + (inst.value | 0) * this.scale;
        this.batchT += timing.internalNs;
        this.batchN++;
        return false;
      case "wfe": {
        const ev = inst.event;
        if (inst.wait && this.events[ev] !== inst.waitValue) {
          this.batchT += timing.internalNs;
          th.waitEvent = ev;
          th.waitValue = inst.waitValue;
          this.dirty = true;
          this.waits++;
          this.takePrefetch(th);
          return true;
        }
        this.next(th, pc);
        if (inst.update) this.setEventValue(ev, inst.updateValue);
        return false;
      }
      case "eoc":
        if (inst.irq) {
          // The interrupt is raised at the EOC's own time: it runs first in a batch.
          if (!first) return true;
          th.irqStatus |= THR_IRQ.DONE;
          this.eocIrqs++;
        }
        th.eocs++;
        this.eocCount++;
        this.next(th, pc);
        if (this.tracer.on) {
          this.tracer.emit(gceEvents.gce_eoc, th.track, pc, inst.irq ? 1 : 0);
          this.closePacket(th);
        }
        if (!inst.irq) return false;
        this.updateIrq();
        return true; // the IRQ line's listeners may have touched our registers
      case "poll":
      case "pollGpr": {
        let addr: number;
        if (inst.kind === "poll") {
          const base = this.subsysBase[inst.subsys]!;
          if (base < 0) return this.invalid(th, first, `POLL of unknown subsys ${inst.subsys}`);
          addr = base + inst.offset;
        } else {
          addr = this.gpr[inst.gpr]!;
        }
        if (th.polling && th.instCycles !== 0 && start - th.pollStart >= th.instCycles * timing.cycleNs) {
          // A re-poll always starts its batch, so this error is raised at its own time.
          this.fail(th, THR_IRQ.INSTN_TIMEOUT, `POLL of 0x${addr.toString(16)} timed out after ${th.instCycles} cycles`);
          return true;
        }
        const m = inst.masked ? th.mask : U32;
        const got = bus.read32(addr);
        this.pollReads++;
        this.batchT += timing.readNs;
        const t = this.batchT;
        if (((got ^ inst.value) & m) === 0) {
          if (th.polling) this.dirty = true;
          th.polling = false;
          th.pc = pc + CMDQ_INST_SIZE;
          this.batchN++;
          return this.disturbed;
        }
        if (!th.polling) {
          th.polling = true;
          this.dirty = true;
          th.pollStart = t - timing.readNs;
          this.takePrefetch(th);
        }
        // Re-read when something else may have changed the register, or after the interval.
        const next = this.clock.nextDeadline();
        th.pollNext = Math.max(t, Math.min(next === undefined ? Infinity : next, t + timing.pollIntervalNs));
        return true;
      }
      case "readS": {
        const addr = this.sAddress(th, inst.addrHigh, inst.addrLow);
        if (addr < 0 || !this.validReg(inst.dst)) return this.invalid(th, first, "READ_S with an invalid register");
        th.pc = pc + CMDQ_INST_SIZE;
        this.writeReg(th, inst.dst, bus.read32(addr));
        this.batchT += timing.readNs;
        this.batchN++;
        return this.disturbed;
      }
      case "writeS": {
        const addr = this.sAddress(th, inst.addrHigh, inst.addrLow);
        const value = inst.srcIsReg ? this.readReg(th, inst.src) : inst.src;
        if (addr < 0 || value < 0) return this.invalid(th, first, "WRITE_S with an invalid register");
        th.pc = pc + CMDQ_INST_SIZE;
        if (inst.masked) {
          const m = th.mask;
          bus.write32(addr, ((bus.read32(addr) & ~m) | (value & m)) >>> 0);
          this.batchT += timing.readNs + timing.writeNs;
        } else {
          bus.write32(addr, value);
          this.batchT += timing.writeNs;
        }
        this.batchN++;
        return this.disturbed;
      }
      case "logic": {
        const value = this.logic(th, inst);
        if (value < 0 || !this.validReg(inst.dst)) return this.invalid(th, first, "LOGIC with an invalid register");
        this.writeReg(th, inst.dst, value);
        return this.next(th, pc);
      }
      case "unknown":
        return this.invalid(th, first, `invalid instruction 0x${hex8(hi)}_${hex8(lo)}: ${inst.reason}`);
    }
  }

  /** An internal instruction done: PC to the next one, its time and count. */
  private next(th: GceThread, pc: number): false {
    th.pc = pc + CMDQ_INST_SIZE;
    this.batchT += this.timing.internalNs;
    this.batchN++;
    return false;
  }

  /** An instruction the thread cannot execute: the error IRQ at its own time (so first in a batch). Stops the batch. */
  private invalid(th: GceThread, first: boolean, reason: string): true {
    if (first) this.fail(th, THR_IRQ.INVALID_INSTN, reason);
    return true;
  }

  /**
   * `[HIGH + LOW]` of READ_S/WRITE_S: (reg[HIGH] << 16) + LOW, where HIGH must be a SPR (the 5-bit
   * sop cannot name a GPR) and LOW's bits 1..0 are dropped (MODEL: `CMDQ_ADDR_LOW` sets bit 1 as
   * a flag, so the hardware cannot use it as an address bit; accesses are 32-bit). -1 if invalid.
   */
  private sAddress(th: GceThread, high: number, low: number): number {
    if (high >= CMDQ_SPR_COUNT) return -1;
    return th.spr[high]! * 0x1_0000 + (low & 0xfffc);
  }

  private validReg(id: number): boolean {
    return id < CMDQ_SPR_COUNT || (id >= CMDQ_GPR_IDX && id < CMDQ_GPR_IDX + CMDQ_GPR_COUNT);
  }

  /** A register operand: SPR0..3 (ids 0..3) of this thread or R0..R15 (ids 0x20..0x2f); -1 for other ids. */
  private readReg(th: GceThread, id: number): number {
    if (id < CMDQ_SPR_COUNT) return th.spr[id]!;
    if (id >= CMDQ_GPR_IDX && id < CMDQ_GPR_IDX + CMDQ_GPR_COUNT) return this.gpr[id - CMDQ_GPR_IDX]!;
    return -1;
  }

  private writeReg(th: GceThread, id: number, value: number): void {
    if (id < CMDQ_SPR_COUNT) th.spr[id] = value;
    else this.gpr[id - CMDQ_GPR_IDX] = value;
  }

  /**
   * LOGIC (spec §1.4): operands are registers or 16-bit immediates; results wrap to 32 bits.
   * ASSIGN of two immediates is the 32-bit `cmdq_pkt_assign` value; MODEL: ASSIGN with a
   * register operand copies it (left first). NOT is `~left` (vendor `cmdq_op_not` passes the
   * operand on the left). Shifts use the low 5 bits of the right operand. -1 for a bad register.
   */
  private logic(th: GceThread, inst: LogicInstruction): number {
    const l = inst.leftIsReg ? this.readReg(th, inst.left) : inst.left;
    const r = inst.rightIsReg ? this.readReg(th, inst.right) : inst.right;
    if (l < 0 || r < 0) return -1;
    switch (inst.operator) {
      case CMDQ_LOGIC.ASSIGN:
        if (inst.leftIsReg) return l;
        if (inst.rightIsReg) return r;
        return ((l << 16) | r) >>> 0;
      case CMDQ_LOGIC.ADD:
        return (l + r) >>> 0;
      case CMDQ_LOGIC.SUBTRACT:
        return (l - r) >>> 0;
      case CMDQ_LOGIC.MULTIPLY:
        return Math.imul(l, r) >>> 0;
      case CMDQ_LOGIC.XOR:
        return (l ^ r) >>> 0;
      case CMDQ_LOGIC.NOT:
        return ~l >>> 0;
      case CMDQ_LOGIC.OR:
        return (l | r) >>> 0;
      case CMDQ_LOGIC.AND:
        return (l & r) >>> 0;
      case CMDQ_LOGIC.LEFT_SHIFT:
        return (l << (r & 31)) >>> 0;
      case CMDQ_LOGIC.RIGHT_SHIFT:
        return l >>> (r & 31);
    }
  }

  /** An error IRQ (INVALID_INSTN or INSTN_TIMEOUT): the thread stops at the faulting PC. Never throws. */
  private fail(th: GceThread, bits: number, reason: string): void {
    th.irqStatus |= bits;
    th.halted = true;
    this.dirty = true;
    th.polling = false;
    th.errors++;
    this.errorCount++;
    if (this.tracer.on) {
      this.tracer.emit(gceEvents.gce_error, th.track, th.pc, bits, reason);
      this.tracer.emit(simEvents.guest_error, this.name, `thread ${th.index}: ${reason}`);
      this.closePacket(th);
    }
    this.updateIrq();
  }

  private becomeIdle(th: GceThread): void {
    this.dirty = true;
    if (this.tracer.on) {
      this.tracer.emit(gceEvents.gce_idle, th.track, th.pc);
      this.closePacket(th);
    }
  }

  // Prefetch model: a stopped thread keeps the next `prefetch` words it had fetched.

  private takePrefetch(th: GceThread): void {
    const depth = this.prefetch;
    const dram = this.dram;
    th.pfCount = 0;
    if (depth === 0 || dram === undefined || !th.enabled || th.halted || th.pc === th.end) return;
    let count = 0;
    for (let pc = th.pc; count < depth && pc !== th.end && dram.contains(pc, CMDQ_INST_SIZE) && pc % CMDQ_INST_SIZE === 0; pc += CMDQ_INST_SIZE) {
      th.pf[2 * count] = dram.readU32(pc);
      th.pf[2 * count + 1] = dram.readU32(pc + 4);
      count++;
    }
    th.pfBase = th.pc;
    th.pfCount = count;
  }

  /** True when `pc` is one of the prefetched instructions; leaving the window drops it. */
  private inPrefetch(th: GceThread, pc: number): boolean {
    const d = pc - th.pfBase;
    if (d >= 0 && d < th.pfCount * CMDQ_INST_SIZE && d % CMDQ_INST_SIZE === 0) return true;
    th.pfCount = 0;
    return false;
  }

  // Trace slices (only while tracing).

  private openExec(th: GceThread): void {
    if (!th.packetOpen) {
      th.packetOpen = true;
      this.tracer.emit(gceEvents.gce_packet_begin, th.packetTrack, th.pc);
    }
    if (!th.execOpen) {
      th.execOpen = true;
      this.tracer.emit(gceEvents.gce_exec_begin, th.track, th.pc);
      this.traceState(th);
    }
    this.traceExec = th;
  }

  private closeExec(th: GceThread): void {
    if (this.traceExec === th) this.traceExec = null;
    if (!th.execOpen) return;
    th.execOpen = false;
    if (!this.tracer.on) return;
    this.tracer.emit(gceEvents.gce_exec_end, th.track, th.pc);
    if (th.waitEvent !== NO_EVENT && !th.wfeOpen) {
      th.wfeOpen = true;
      this.tracer.emit(gceEvents.gce_wfe_begin, th.track, th.waitEvent);
    }
    this.traceState(th);
  }

  private closePacket(th: GceThread): void {
    if (!th.packetOpen) return;
    th.packetOpen = false;
    this.tracer.emit(gceEvents.gce_packet_end, th.packetTrack, th.pc);
  }

  /** Closes every slice of a thread that stops (disable, reset). */
  private stopTraces(th: GceThread): void {
    const on = this.tracer.on;
    if (this.traceExec === th) this.traceExec = null;
    if (th.execOpen) {
      th.execOpen = false;
      if (on) this.tracer.emit(gceEvents.gce_exec_end, th.track, th.pc);
    }
    if (th.wfeOpen) {
      th.wfeOpen = false;
      if (on) this.tracer.emit(gceEvents.gce_wfe_end, th.track, th.waitEvent);
    }
    if (th.packetOpen) {
      th.packetOpen = false;
      if (on) this.tracer.emit(gceEvents.gce_packet_end, th.packetTrack, th.pc);
    }
    this.traceState(th);
  }

  /** The thread's state wire (sinks write only its changes). */
  private traceState(th: GceThread): void {
    if (this.tracer.on) this.tracer.emit(gceEvents.gce_thread_state, th.track, threadState(th));
  }

  private guestError(message: string): void {
    if (this.tracer.on) this.tracer.emit(simEvents.guest_error, this.name, message);
  }

  private unimp(message: string): void {
    if (this.tracer.on) this.tracer.emit(simEvents.unimp, this.name, message);
  }

  // ---------------------------------------------------------------------------------------
  // Library API

  /** A thread's state, for tests and summaries. */
  threadState(n: number): GceThreadState {
    const th = this.threads[n];
    if (th === undefined) throw new RangeError(`GCE has no thread ${n}`);
    return {
      activity: this.activity(th),
      enabled: th.enabled,
      suspended: th.suspended,
      pc: th.pc,
      end: th.end,
      priority: th.priority,
      irqStatus: th.irqStatus,
      irqEnable: th.irqEnable,
      waitEvent: th.waitEvent,
      spr: Array.from(th.spr),
      instructions: th.instructions,
      eocs: th.eocs,
      errors: th.errors,
    };
  }

  private activity(th: GceThread): ThreadActivity {
    if (!th.enabled) return "disabled";
    if (th.suspended) return "suspended";
    if (th.halted) return "halted";
    if (th.waitEvent !== NO_EVENT) return "waiting";
    if (th.pc === th.end) return "idle";
    return th.polling ? "polling" : "runnable";
  }

  /** The shared GPR R`n`. */
  gprValue(n: number): number {
    const v = this.gpr[n];
    if (v === undefined) throw new RangeError(`GCE has no GPR R${n}`);
    return v;
  }

  stats(): GceStats {
    return {
      instructions: this.instructions,
      batches: this.batches,
      eocs: this.eocCount,
      eocIrqs: this.eocIrqs,
      errors: this.errorCount,
      waits: this.waits,
      pollReads: this.pollReads,
      eventUpdates: this.eventUpdates,
      busyNs: this.busyNs,
    };
  }
}

/**
 * The region a 32-bit write to `addr` goes to when the bus would pass it straight to the region
 * (mapped, 4-byte accesses accepted, aligned), so that the caller may call the region itself;
 * undefined when the bus must handle it (and report the error).
 */
function fastWriteRegion(bus: Bus, addr: number): Region | undefined {
  const r = bus.find(addr);
  if (r === undefined || (r.sizeMask & 4) === 0 || (addr & 3) !== 0 || addr + 4 > r.end) return undefined;
  return r;
}

function hex8(x: number): string {
  return (x >>> 0).toString(16).padStart(8, "0");
}
