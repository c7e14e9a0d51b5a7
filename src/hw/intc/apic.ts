/**
 * Local APICs (xAPIC, one per CPU) and the APIC bus that links them to interrupt messages
 * (IOAPIC messages, device MSI/FSB writes, IPIs).
 *
 * Upstream: QEMU hw/intc/apic.c (apic_set_irq, apic_get_interrupt, apic_eoi, apic_irq_pending,
 * apic_get_ppr, apic_bus_deliver, apic_get_delivery_bitmask, apic_send_msi, apic_mem_read/write)
 * and apic_common.c (apic_next_timer, apic_get_current_count, reset), read to get the semantics
 * right; the architecture is Intel SDM vol. 3A ch. 11 (sections cited in apic.regs.ts and below).
 *
 * The CPU-facing interface (interrupts reach CPUs only at event boundaries):
 * - `lapic.intr` is an IrqLine: high while an interrupt is deliverable (the APIC is software-
 *   enabled and the highest IRR vector's priority class beats PPR's). The LAPIC never calls CPU
 *   or driver code: a register write or an incoming message only updates IRR and this line.
 * - The platform connects a sink to `intr` that only *schedules* (e.g. arms a zero-delay clock
 *   timer of that CPU). At the event boundary, if the CPU accepts interrupts (not inside
 *   `local_irq_save`), it calls `lapic.acknowledge()`: the highest deliverable vector moves
 *   IRR → ISR and is returned; if the interrupt became undeliverable meanwhile (TPR raised) the
 *   spurious vector (SVR[7:0]) is returned and ISR is untouched (SDM §11.9); -1 means nothing is
 *   pending. The handler ends with an EOI write (0xB0). The platform loops while `intr.level`,
 *   since the line does not re-notify for a second vector while it stays high.
 *
 * The 0xFEE00000 window (QEMU's "apic-msi" region, APIC_SPACE_SIZE 1 MiB): `ApicBus` is its
 * MmioOps. A write whose offset is ≥ 0x1000 or < 0x10 is an interrupt message: MSI addresses have
 * bits 11:4 reserved (0), and offset 0x000 is a reserved LAPIC register, so the two uses never
 * collide. QEMU apic_mem_write: "MSI and MMIO APIC are at the same memory location … Mapping them
 * on the global bus happens to work because MSI registers are reserved in APIC MMIO and vice
 * versa." Every other access is a register access by the CPU making it, found through the
 * platform's `currentCpu()` (QEMU cpu_get_current_apic()). A platform that gives each CPU its
 * own address space may map `lapics[n]` (each is an MmioOps of its 4 KiB page) instead. The
 * HPET's FSB delivery is just `bus.write32(Tn_FSB_INT_ADDR, Tn_FSB_INT_VAL)` landing here.
 *
 * LVT timer: one-shot and periodic, counted lazily from the clock (never ticked). The input is
 * the bus clock (default 1 ns per cycle: QEMU's timer works on ns >> count_shift, and KVM's
 * APIC_BUS_CYCLE_NS is 1, i.e. 1 GHz) through the divider, so with divide-by-16 an initial count
 * of 1000 expires 16 000 ns after TMICT is written, and current count = initial − elapsed/16.
 * SDM §11.5.4 "APIC Timer": a masked LVTT keeps counting but raises nothing; writing 0 to TMICT
 * stops the timer; changing the LVTT mode does not start it. `stopsInDeepIdle`: without ARAT
 * (CPUID.06H:EAX[2]) "the APIC timer may temporarily stop while the processor is in deep
 * C-states", which is why Linux flags the LAPIC clock-event device C3STOP and keeps a broadcast
 * device (the HPET) for CPUs in deep idle; here, while the platform holds a CPU in deep idle,
 * its timer count freezes and no expiry is raised; it resumes counting on exit.
 *
 * MODEL: QEMU expires a count of N after N + 1 ticks (apic_next_timer uses initial_count + 1);
 * the SDM, KVM and the tests expect N ticks. `timerCount: "qemu"` selects QEMU's.
 * MODEL: lowest-priority delivery picks the target with the lowest TPR class, ties to the lowest
 * CPU index (QEMU always picks the first target: "XXX: search for focus processor, arbitration").
 * MODEL: APR reads 0 (QEMU: "XXX: arbitration"). LINT0/LINT1 inputs take logical levels (the
 * polarity bit is stored, not applied, as QEMU) and have no Remote IRR.
 *
 * Not modelled: TSC-deadline mode (needs a TSC and IA32_TSC_DEADLINE; selecting it is traced
 * as unimplemented and the timer then never fires), x2APIC and the IA32_APIC_BASE MSR
 * (relocation, hardware disable), NMI/SMI/INIT/SIPI/ExtINT delivery (traced as unimplemented),
 * focus-processor checking, EOI-broadcast suppression, thermal and performance-counter
 * interrupt sources (their LVT entries are stored), checksum and accept errors, and
 * snapshot/restore.
 */
import type { MmioOps } from "../../sim/bus.js";
import type { Reg32 } from "../../sim/regs.js";
import type { Clock, Timer } from "../../sim/clock.js";
import { IrqLine, type IrqSink } from "../../sim/irq.js";
import { nsAtTick, ticksAt, type Ns } from "../../sim/time.js";
import type { Tracer } from "../../sim/trace.js";
import { events as simEvents } from "../../sim/trace-events.js";
import {
  APIC,
  APIC_DEFAULT_BASE,
  APIC_FIRST_VALID_VECTOR,
  APIC_PAGE_SIZE,
  APIC_WINDOW_SIZE,
  DELIVERY_MODE_NAMES,
  DeliveryMode,
  ESR_ILLEGAL_REG_ADDRESS,
  ESR_RECV_ILLEGAL_VECTOR,
  ESR_SEND_ILLEGAL_VECTOR,
  LVT_MASKED,
  LVT_REGS,
  LVT_VECTOR_MASK,
  Lvt,
  MSI_ADDR_DEST_LOGICAL,
  MSI_ADDR_DEST_SHIFT,
  MSI_DATA_DM_SHIFT,
  MSI_DATA_TRIGGER_LEVEL,
  TimerMode,
  tdcrDivisor,
  type MsiSink,
} from "./apic.regs.js";
import { apicEvents as ev } from "./trace-events.js";

/** Something that wants EOI broadcasts for level-triggered vectors (an IoApic). */
export interface EoiListener {
  eoiBroadcast(vector: number): void;
}

export interface LocalApicOptions {
  /** Period of the bus clock feeding the timer divider, in fs (default 1 000 000 = 1 ns, 1 GHz; at most 1 GHz). */
  readonly busPeriodFs?: number;
  /** The timer stops while the CPU is in deep idle (a CPU without ARAT). Default false. */
  readonly stopsInDeepIdle?: boolean;
  /** "sdm" (default): a count of N expires after N ticks; "qemu": after N + 1. */
  readonly timerCount?: "sdm" | "qemu";
}

export interface ApicBusProps extends LocalApicOptions {
  readonly clock: Clock;
  readonly tracer: Tracer;
  /** Number of CPUs, each with a local APIC (1..255). */
  readonly cpus: number;
  /** APIC ID of each CPU (default: the CPU index). 0xFF is the broadcast ID and not allowed. */
  readonly apicIds?: readonly number[];
  /**
   * Index of the CPU whose code is making the current access, or -1 when none is (a device's
   * timer callback). Used for register accesses through the shared window. Default: CPU 0 on a
   * uniprocessor, -1 otherwise.
   */
  readonly currentCpu?: () => number;
}

const enum TimerState {
  /** Count 0: TMICT is 0 or a one-shot count ran out. */
  Stopped,
  /** Counting down from `baseCount` since `baseNs`. */
  Counting,
  /** Deep idle stopped the count at `baseCount`. */
  Frozen,
}

/** What a register offset (>> 4) selects; LVT and 256-bit registers carry an index. */
const enum R {
  None,
  Id,
  Version,
  Tpr,
  Apr,
  Ppr,
  Eoi,
  Rrd,
  Ldr,
  Dfr,
  Svr,
  Isr,
  Tmr,
  Irr,
  Esr,
  IcrLo,
  IcrHi,
  Lvt,
  Tmict,
  Tmcct,
  Tdcr,
}

/** Register at each 16-byte slot of the page's first 1 KiB (SDM Table 11-1). */
const REG_AT = new Uint8Array(0x40);
function place(offset: number, r: R, count = 1): void {
  for (let i = 0; i < count; i++) REG_AT[(offset >> 4) + i] = r;
}
place(APIC.ID.offset, R.Id);
place(APIC.VERSION.offset, R.Version);
place(APIC.TPR.offset, R.Tpr);
place(APIC.APR.offset, R.Apr);
place(APIC.PPR.offset, R.Ppr);
place(APIC.EOI.offset, R.Eoi);
place(APIC.RRD.offset, R.Rrd);
place(APIC.LDR.offset, R.Ldr);
place(APIC.DFR.offset, R.Dfr);
place(APIC.SVR.offset, R.Svr);
place(APIC.ISR0.offset, R.Isr, 8);
place(APIC.TMR0.offset, R.Tmr, 8);
place(APIC.IRR0.offset, R.Irr, 8);
place(APIC.ESR.offset, R.Esr);
place(APIC.ICR_LO.offset, R.IcrLo);
place(APIC.ICR_HI.offset, R.IcrHi);
place(APIC.LVT_TIMER.offset, R.Lvt, LVT_REGS.length);
place(APIC.TMICT.offset, R.Tmict);
place(APIC.TMCCT.offset, R.Tmcct);
place(APIC.TDCR.offset, R.Tdcr);

const { APIC_ENABLED, SPURIOUS_VECTOR } = APIC.SVR.f;
const { TIMER_MODE } = APIC.LVT_TIMER.f;
const SVR_ENABLED = APIC_ENABLED.mask;
const LINT_TRIGGER_LEVEL = APIC.LVT_LINT0.f.TRIGGER_LEVEL.mask;

function unreachable(x: never): never {
  throw new Error(`apic: unreachable ${String(x)}`);
}

/** Highest set bit of a 256-bit register held as 8 words, or -1 (QEMU get_highest_priority_int). */
function highest(words: Uint32Array): number {
  for (let i = 7; i >= 0; i--) {
    const w = words[i]!;
    if (w !== 0) return i * 32 + 31 - Math.clz32(w);
  }
  return -1;
}

/** One CPU's local APIC. Created by ApicBus. */
export class LocalApic implements MmioOps, IrqSink {
  /** High while an interrupt is deliverable to the CPU (see the file comment). */
  readonly intr: IrqLine;
  readonly name: string;

  private readonly clock: Clock;
  private readonly tracer: Tracer;
  private readonly timer: Timer;
  private readonly busPeriodFs: number;
  private readonly stopsInDeepIdle: boolean;
  /** Extra tick per count in QEMU's timer semantics. */
  private readonly countExtra: number;

  private idReg = 0;
  private tpr = 0;
  private ldr = 0;
  private dfr = 0;
  private svr = 0;
  private esr = 0;
  /** Errors detected since the last ESR write (SDM §11.5.3). */
  private esrPending = 0;
  private icrLo = 0;
  private icrHi = 0;
  private readonly lvt = new Uint32Array(LVT_REGS.length);
  private tmict = 0;
  private tdcr = 0;
  private tickFs = 0;
  private readonly irr = new Uint32Array(8);
  private readonly isr = new Uint32Array(8);
  private readonly tmr = new Uint32Array(8);
  /** Bit 0: LINT0 asserted, bit 1: LINT1. */
  private lint = 0;
  private inErrorDelivery = false;

  private timerState = TimerState.Stopped;
  private baseNs = 0;
  private baseCount = 0;
  private deepIdle = false;

  /** Vectors accepted into IRR, and those that were already pending there (statistics). */
  accepted = 0;
  coalesced = 0;
  /** Interrupts the CPU took, and spurious acknowledges. */
  acknowledged = 0;
  spurious = 0;
  /** LVT timer expiries that raised the timer vector. */
  timerExpiries = 0;

  /** @internal Use `ApicBus`; its `lapics[cpu]` are these. */
  constructor(
    private readonly apicBus: ApicBus,
    readonly cpu: number,
    private readonly initialApicId: number,
    clock: Clock,
    tracer: Tracer,
    options: LocalApicOptions,
  ) {
    this.clock = clock;
    this.tracer = tracer;
    this.name = `lapic${cpu}`;
    this.intr = new IrqLine(`${this.name}.intr`, tracer);
    this.busPeriodFs = options.busPeriodFs ?? 1_000_000;
    this.stopsInDeepIdle = options.stopsInDeepIdle ?? false;
    this.countExtra = (options.timerCount ?? "sdm") === "qemu" ? 1 : 0;
    // ticksAt/nsAtTick need period · 10^6 < 2^53 at the largest divider (128).
    // A bus faster than 1 GHz would make several ticks share a nanosecond.
    if (!Number.isSafeInteger(this.busPeriodFs) || this.busPeriodFs < 1_000_000 || this.busPeriodFs * 128 * 1_000_000 > Number.MAX_SAFE_INTEGER) {
      throw new RangeError(`${this.name}: busPeriodFs must be an integer in [1 000 000, 70 368 744] fs (1 GHz to 14.2 MHz), got ${this.busPeriodFs}`);
    }
    this.timer = clock.newTimer(`${this.name}.timer`, () => this.onTimer());
    tracer.declareSignal(ev.apic_timer_armed, this.name, () => (this.timer.pending ? 1 : 0));
    this.reset();
  }

  /** Power-up / RESET state (SDM §11.4.7.1); the count stops and INTR drops. */
  reset(): void {
    this.idReg = APIC.ID.f.APIC_ID.set(0, this.initialApicId);
    this.tpr = APIC.TPR.reset;
    this.ldr = APIC.LDR.reset;
    this.dfr = APIC.DFR.reset;
    this.svr = APIC.SVR.reset;
    this.esr = 0;
    this.esrPending = 0;
    this.icrLo = APIC.ICR_LO.reset;
    this.icrHi = APIC.ICR_HI.reset;
    for (let n = 0; n < LVT_REGS.length; n++) this.lvt[n] = LVT_REGS[n]!.reset;
    this.irr.fill(0);
    this.isr.fill(0);
    this.tmr.fill(0);
    this.tmict = 0;
    this.tdcr = APIC.TDCR.reset;
    this.tickFs = this.busPeriodFs * tdcrDivisor(this.tdcr);
    this.timerState = TimerState.Stopped;
    this.timer.del();
    this.traceArmed();
    this.updateIntr();
  }

  /** The APIC ID (ID[31:24]); the bus routes physical destinations by it. */
  get apicId(): number {
    return this.idReg >>> 24;
  }

  /** SVR[7:0]: what `acknowledge` returns for a spurious interrupt. */
  get spuriousVector(): number {
    return SPURIOUS_VECTOR.get(this.svr);
  }

  /** Whether the platform holds this CPU in deep idle. */
  get inDeepIdle(): boolean {
    return this.deepIdle;
  }

  /** When the LVT timer will next raise its vector, if armed. */
  get timerExpires(): Ns | undefined {
    return this.timer.expires;
  }

  // ---------------------------------------------------------------------------------------------
  // Acceptance, priority, acknowledge, EOI

  /**
   * @internal Accepts `vector` into IRR (QEMU apic_set_irq); `level` sets its TMR bit. Called by
   * the bus for messages and IPIs and by local LVT sources. Vectors 0–15 are refused with
   * "Received Illegal Vector" (SDM §11.5.2).
   */
  accept(vector: number, level: boolean): void {
    if (vector < APIC_FIRST_VALID_VECTOR) {
      this.error(ESR_RECV_ILLEGAL_VECTOR, `received illegal vector ${vector}`);
      return;
    }
    const word = vector >>> 5;
    const bit = 1 << (vector & 31);
    const coalesced = (this.irr[word]! & bit) !== 0;
    this.irr[word]! |= bit;
    if (level) this.tmr[word]! |= bit;
    else this.tmr[word]! &= ~bit;
    this.accepted++;
    if (coalesced) this.coalesced++;
    if (this.tracer.on) this.tracer.emit(ev.apic_set_irq, this.name, vector, level ? 1 : 0, coalesced ? 1 : 0);
    this.updateIntr();
  }

  /** PPR (SDM §11.8.3.1): TPR if its class is at least the highest in-service class, else that class. */
  private ppr(): number {
    const isrv = highest(this.isr);
    const isrClass = isrv < 0 ? 0 : isrv >>> 4;
    return this.tpr >>> 4 >= isrClass ? this.tpr : isrClass << 4;
  }

  /** The deliverable vector; 0 when nothing is pending; -1 when pending vectors are blocked by PPR (QEMU apic_irq_pending). */
  private pending(): number {
    if (!(this.svr & SVR_ENABLED)) return 0;
    const irrv = highest(this.irr);
    if (irrv < 0) return 0;
    return irrv >>> 4 > this.ppr() >>> 4 ? irrv : -1;
  }

  /** Derives INTR from state; idempotent. */
  private updateIntr(): void {
    this.intr.set(this.pending() > 0);
  }

  /**
   * The CPU takes an interrupt (INTA): returns the highest deliverable vector, moved from IRR to
   * ISR; the spurious vector if the pending ones are now blocked by TPR/ISR priority; -1 if nothing
   * is pending or the APIC is software-disabled. Call only at an event boundary.
   */
  acknowledge(): number {
    const p = this.pending();
    if (p === 0) return -1;
    if (p < 0) {
      this.spurious++;
      const v = this.spuriousVector;
      if (this.tracer.on) this.tracer.emit(ev.apic_acknowledge, this.name, v, 1);
      return v;
    }
    const word = p >>> 5;
    const bit = 1 << (p & 31);
    this.irr[word]! &= ~bit;
    this.isr[word]! |= bit;
    this.acknowledged++;
    if (this.tracer.on) this.tracer.emit(ev.apic_acknowledge, this.name, p, 0);
    this.updateIntr();
    return p;
  }

  /**
   * End of interrupt (the effect of a write to EOI): clears the highest ISR bit and, if that
   * vector was accepted level-triggered (TMR set), broadcasts the EOI to the IOAPICs (SDM §11.8.5).
   */
  eoi(): void {
    const v = highest(this.isr);
    if (v < 0) {
      if (this.tracer.on) this.tracer.emit(ev.apic_eoi, this.name, -1, 0);
      return;
    }
    const word = v >>> 5;
    const bit = 1 << (v & 31);
    this.isr[word]! &= ~bit;
    const level = (this.tmr[word]! & bit) !== 0;
    if (this.tracer.on) this.tracer.emit(ev.apic_eoi, this.name, v, level ? 1 : 0);
    if (level) this.apicBus.broadcastEoi(v);
    this.updateIntr();
  }

  /** Records an APIC error (ESR) and raises the LVT error vector if unmasked (SDM §11.5.3). */
  private error(bits: number, message: string): void {
    this.esrPending |= bits;
    if (this.tracer.on) this.tracer.emit(simEvents.guest_error, this.name, message);
    if (this.inErrorDelivery) return;
    this.inErrorDelivery = true;
    this.localDeliver(Lvt.Error);
    this.inErrorDelivery = false;
  }

  /** Raises LVT entry `n`'s interrupt (QEMU apic_local_deliver). */
  private localDeliver(n: Lvt): void {
    const lvt = this.lvt[n]!;
    if (lvt & LVT_MASKED) return;
    // The timer and error entries have no delivery-mode field: always Fixed, edge.
    const mode = n === Lvt.Timer || n === Lvt.Error ? DeliveryMode.Fixed : (lvt >> 8) & 7;
    switch (mode) {
      case DeliveryMode.Fixed:
        this.accept(lvt & LVT_VECTOR_MASK, (n === Lvt.Lint0 || n === Lvt.Lint1) && (lvt & LINT_TRIGGER_LEVEL) !== 0);
        return;
      case DeliveryMode.Smi:
      case DeliveryMode.Nmi:
      case DeliveryMode.ExtInt:
      case DeliveryMode.Init:
        if (this.tracer.on) this.tracer.emit(simEvents.unimp, this.name, `LVT ${n}: ${DELIVERY_MODE_NAMES[mode]!} delivery is not modelled; dropped`);
        return;
      default:
        if (this.tracer.on) this.tracer.emit(simEvents.guest_error, this.name, `LVT ${n}: reserved delivery mode ${mode}`);
        return;
    }
  }

  /**
   * LINT0 (pin 0) and LINT1 (pin 1) inputs, logical levels. Fixed mode: an edge entry accepts its
   * vector on assertion; a level entry accepts it level-triggered, and a release withdraws it from
   * IRR if still pending (QEMU apic_deliver_pic_intr). Another pin is a wiring bug.
   */
  setIrq(pin: number, level: boolean): void {
    if (pin !== 0 && pin !== 1) throw new RangeError(`${this.name}: no LINT input ${pin}`);
    const bit = 1 << pin;
    if (((this.lint & bit) !== 0) === level) return;
    this.lint ^= bit;
    const n = pin === 0 ? Lvt.Lint0 : Lvt.Lint1;
    if (level) {
      this.localDeliver(n);
      return;
    }
    const lvt = this.lvt[n]!;
    if (((lvt >> 8) & 7) === DeliveryMode.Fixed && lvt & LINT_TRIGGER_LEVEL) {
      const vector = lvt & LVT_VECTOR_MASK;
      this.irr[vector >>> 5]! &= ~(1 << (vector & 31));
      this.updateIntr();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // LVT timer (lazy: the count is a function of the clock)

  private periodic(): boolean {
    return TIMER_MODE.get(this.lvt[Lvt.Timer]!) === TimerMode.Periodic;
  }

  /** Ticks since `baseNs`. */
  private ticks(): number {
    return ticksAt(this.clock.now - this.baseNs, this.tickFs);
  }

  /** TMCCT: the current count, derived. */
  private currentCount(): number {
    switch (this.timerState) {
      case TimerState.Stopped:
        return 0;
      case TimerState.Frozen:
        return this.baseCount;
      case TimerState.Counting: {
        const t = this.ticks();
        const first = this.baseCount + this.countExtra;
        if (t < first || !this.periodic()) return Math.max(0, this.baseCount - t);
        return this.tmict - ((t - first) % (this.tmict + this.countExtra));
      }
      default:
        return unreachable(this.timerState);
    }
  }

  /** The first expiry tick after tick `t` (counted from `baseNs`), or -1. */
  private nextExpiryTick(t: number): number {
    const first = this.baseCount + this.countExtra;
    if (t < first) return first;
    if (!this.periodic()) return -1;
    const period = this.tmict + this.countExtra;
    return first + (Math.floor((t - first) / period) + 1) * period;
  }

  /**
   * Moves the counting base to the latest tick boundary with the count reached there, so that
   * the mode or the divider can change without a jump (or stops an expired one-shot).
   */
  private rebase(): void {
    if (this.timerState !== TimerState.Counting) return;
    const t = this.ticks();
    const first = this.baseCount + this.countExtra;
    let count: number;
    if (t < first) count = this.baseCount - t;
    else if (!this.periodic()) {
      this.timerState = TimerState.Stopped;
      return;
    } else count = this.tmict - ((t - first) % (this.tmict + this.countExtra));
    this.baseNs += nsAtTick(t, this.tickFs);
    this.baseCount = count;
  }

  /** Arms or disarms the clock timer for the next expiry that would raise the vector. */
  private armTimer(): void {
    const lvt = this.lvt[Lvt.Timer]!;
    const mode = TIMER_MODE.get(lvt);
    if (this.timerState !== TimerState.Counting || lvt & LVT_MASKED || (mode !== TimerMode.OneShot && mode !== TimerMode.Periodic)) {
      this.timer.del();
      this.traceArmed();
      return;
    }
    const e = this.nextExpiryTick(this.ticks());
    if (e < 0) {
      this.timer.del();
      this.traceArmed();
      return;
    }
    const deadline = this.baseNs + nsAtTick(e, this.tickFs);
    this.timer.mod(deadline);
    if (this.tracer.on) this.tracer.emit(ev.apic_timer_arm, this.name, deadline);
    this.traceArmed();
  }

  /** The `lapicN.timer_armed` wire follows the clock timer (sinks write only its changes). */
  private traceArmed(): void {
    if (this.tracer.on) this.tracer.emit(ev.apic_timer_armed, this.name, this.timer.pending ? 1 : 0);
  }

  private onTimer(): void {
    const vector = this.lvt[Lvt.Timer]! & LVT_VECTOR_MASK;
    this.timerExpiries++;
    if (this.tracer.on) this.tracer.emit(ev.apic_timer_expire, this.name, vector);
    if (!this.periodic()) this.timerState = TimerState.Stopped;
    this.localDeliver(Lvt.Timer);
    this.armTimer();
  }

  /** Starts the count from TMICT now (SDM: a TMICT write (re)starts the timer; 0 stops it). */
  private startCount(): void {
    if (this.tmict === 0) {
      this.timerState = TimerState.Stopped;
    } else {
      this.baseNs = this.clock.now;
      this.baseCount = this.tmict;
      this.timerState = this.deepIdle && this.stopsInDeepIdle ? TimerState.Frozen : TimerState.Counting;
    }
    this.armTimer();
  }

  /**
   * The platform puts this CPU into (true) or takes it out of (false) a deep idle state such as
   * C3. With `stopsInDeepIdle` the timer count freezes meanwhile and raises nothing; it resumes
   * from the frozen count on exit. Other interrupts are still accepted (and should wake the CPU:
   * that is the platform's business, through `intr`).
   */
  setDeepIdle(on: boolean): void {
    if (on === this.deepIdle) return;
    this.deepIdle = on;
    if (this.tracer.on) this.tracer.emit(ev.apic_deep_idle, this.name, on ? 1 : 0, this.stopsInDeepIdle ? 1 : 0);
    if (!this.stopsInDeepIdle) return;
    if (on) {
      this.rebase();
      if (this.timerState === TimerState.Counting) this.timerState = TimerState.Frozen;
      this.timer.del();
      this.traceArmed();
    } else if (this.timerState === TimerState.Frozen) {
      this.baseNs = this.clock.now;
      this.timerState = TimerState.Counting;
      this.armTimer();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // MMIO (the 4 KiB register page)

  read(offset: number, size: 1 | 2 | 4): number {
    const val = this.readReg(offset, size);
    if (this.tracer.on) this.tracer.emit(ev.apic_mem_readl, this.name, offset, val);
    return val;
  }

  private readReg(offset: number, size: 1 | 2 | 4): number {
    const r = this.decode(offset, size);
    if (r === R.None) return 0;
    const index = (offset >> 4) & 7;
    switch (r) {
      case R.Id:
        return this.idReg;
      case R.Version:
        return APIC.VERSION.reset;
      case R.Tpr:
        return this.tpr;
      case R.Apr:
        return 0;
      case R.Ppr:
        return this.ppr();
      case R.Eoi:
        this.guestErrorMsg("read of the write-only EOI register");
        return 0;
      case R.Rrd:
        return 0;
      case R.Ldr:
        return this.ldr;
      case R.Dfr:
        return this.dfr;
      case R.Svr:
        return this.svr;
      case R.Isr:
        return this.isr[index]!;
      case R.Tmr:
        return this.tmr[index]!;
      case R.Irr:
        return this.irr[index]!;
      case R.Esr:
        return this.esr;
      case R.IcrLo:
        return this.icrLo;
      case R.IcrHi:
        return this.icrHi;
      case R.Lvt:
        return this.lvt[(offset - APIC.LVT_TIMER.offset) >> 4]!;
      case R.Tmict:
        return this.tmict;
      case R.Tmcct:
        return this.currentCount();
      case R.Tdcr:
        return this.tdcr;
      default:
        return unreachable(r);
    }
  }

  /**
   * Decodes an access; returns R.None (after tracing) for a narrow or misaligned access, and for a
   * reserved offset, which also flags "Illegal Register Address" in ESR (SDM §11.5.3).
   */
  private decode(offset: number, size: 1 | 2 | 4): R {
    if (offset < 0 || offset >= APIC_PAGE_SIZE) {
      this.guestErrorMsg(`access at 0x${offset.toString(16)} is outside the register page`);
      return R.None;
    }
    if (size !== 4 || (offset & 0xf) !== 0) {
      // SDM §11.4.1: registers are 32-bit, 16-byte aligned; other accesses are undefined.
      this.guestErrorMsg(`${size}-byte access at 0x${offset.toString(16)} (registers take aligned 32-bit accesses)`);
      return R.None;
    }
    const r: R = REG_AT[offset >> 4] ?? R.None;
    if (r === R.None) this.error(ESR_ILLEGAL_REG_ADDRESS, `illegal register address 0x${offset.toString(16)}`);
    return r;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    value >>>= 0;
    if (this.tracer.on) this.tracer.emit(ev.apic_mem_writel, this.name, offset, value);
    const r = this.decode(offset, size);
    if (r === R.None) return;
    switch (r) {
      case R.Id:
        this.idReg = this.applyChecked(APIC.ID, this.idReg, value);
        return;
      case R.Tpr:
        this.tpr = this.applyChecked(APIC.TPR, this.tpr, value);
        this.updateIntr();
        return;
      case R.Eoi:
        this.eoi();
        return;
      case R.Ldr:
        this.ldr = this.applyChecked(APIC.LDR, this.ldr, value);
        return;
      case R.Dfr:
        this.dfr = this.applyChecked(APIC.DFR, this.dfr, value);
        return;
      case R.Svr:
        this.writeSvr(value);
        return;
      case R.Esr:
        // SDM §11.5.3: a write (any value) latches the errors detected since the last write.
        this.esr = this.esrPending;
        this.esrPending = 0;
        return;
      case R.IcrLo:
        this.icrLo = this.applyChecked(APIC.ICR_LO, this.icrLo, value);
        this.sendIpi();
        return;
      case R.IcrHi:
        this.icrHi = this.applyChecked(APIC.ICR_HI, this.icrHi, value);
        return;
      case R.Lvt:
        this.writeLvt((offset - APIC.LVT_TIMER.offset) >> 4, value);
        return;
      case R.Tmict:
        this.tmict = value;
        this.startCount();
        return;
      case R.Tdcr:
        this.rebase();
        this.tdcr = this.applyChecked(APIC.TDCR, this.tdcr, value);
        this.tickFs = this.busPeriodFs * tdcrDivisor(this.tdcr);
        this.armTimer();
        return;
      case R.Version:
      case R.Apr:
      case R.Ppr:
      case R.Rrd:
      case R.Isr:
      case R.Tmr:
      case R.Irr:
      case R.Tmcct:
        this.guestErrorMsg(`write to read-only register 0x${offset.toString(16)}`);
        return;
      default:
        unreachable(r);
    }
  }

  private applyChecked(reg: Reg32, old: number, value: number): number {
    if (reg.reservedBits(value) !== 0) this.guestErrorMsg(`${reg.name} write 0x${value.toString(16)} sets reserved bits`);
    return reg.applyWrite(old, value);
  }

  private writeSvr(value: number): void {
    this.svr = this.applyChecked(APIC.SVR, this.svr, value);
    if (!(this.svr & SVR_ENABLED)) {
      // SDM §11.4.7.2: software disable sets every LVT mask bit.
      for (let n = 0; n < LVT_REGS.length; n++) this.lvt[n]! |= LVT_MASKED;
      this.armTimer();
    }
    this.updateIntr();
  }

  private writeLvt(n: number, value: number): void {
    const reg = LVT_REGS[n]!;
    const old = this.lvt[n]!;
    let v = this.applyChecked(reg, old, value);
    // SDM §11.4.7.2: while software-disabled, mask bits cannot be cleared.
    if (!(this.svr & SVR_ENABLED)) v |= LVT_MASKED;
    if (n !== Lvt.Timer) {
      this.lvt[n] = v;
      return;
    }
    const mode = TIMER_MODE.get(v);
    if (mode === TimerMode.TscDeadline || mode === TimerMode.Reserved) {
      if (this.tracer.on) {
        const what = mode === TimerMode.TscDeadline ? "TSC-deadline timer mode is not modelled" : "reserved timer mode 3";
        this.tracer.emit(mode === TimerMode.TscDeadline ? simEvents.unimp : simEvents.guest_error, this.name, `${what}; the timer will not fire`);
      }
    }
    // The count continues in the new mode from where it is (a mode change does not start it).
    if (TIMER_MODE.get(old) !== mode) this.rebase();
    this.lvt[n] = v;
    this.armTimer();
  }

  /** Sends the IPI described by ICR (QEMU apic_deliver; SDM §11.6.1). */
  private sendIpi(): void {
    const lo = this.icrLo;
    const f = APIC.ICR_LO.f;
    const vector = f.VECTOR.get(lo);
    const mode = f.DELIVERY_MODE.get(lo);
    switch (mode) {
      case DeliveryMode.Fixed:
      case DeliveryMode.LowestPriority:
        if (vector < APIC_FIRST_VALID_VECTOR) {
          this.error(ESR_SEND_ILLEGAL_VECTOR, `sent illegal vector ${vector}`);
          return;
        }
        // SDM §11.6.1: the trigger-mode bit only matters for INIT level de-assert; IPIs are edge.
        this.apicBus.deliverIpi(this, f.SHORTHAND.get(lo), APIC.ICR_HI.f.DEST.get(this.icrHi), f.DEST_LOGICAL.get(lo) !== 0, mode, vector);
        return;
      case DeliveryMode.Smi:
      case DeliveryMode.Nmi:
      case DeliveryMode.Init:
      case DeliveryMode.StartUp:
        if (this.tracer.on) this.tracer.emit(simEvents.unimp, this.name, `${DELIVERY_MODE_NAMES[mode]!} IPI is not modelled; dropped`);
        return;
      default:
        this.guestErrorMsg(`IPI with reserved delivery mode ${mode}; dropped`);
        return;
    }
  }

  /** @internal Whether this APIC is a target of `dest` (QEMU apic_get_delivery_bitmask; SDM §11.6.2). */
  matches(dest: number, logical: boolean): boolean {
    if (!logical) return dest === 0xff || dest === this.apicId;
    const ldr = this.ldr >>> 24;
    switch (this.dfr >>> 28) {
      case 0xf:
        return (dest & ldr) !== 0;
      case 0x0:
        return dest >>> 4 === ldr >>> 4 && (dest & ldr & 0xf) !== 0;
      default:
        return false;
    }
  }

  /** @internal TPR class, for lowest-priority arbitration. */
  get priorityClass(): number {
    return this.tpr >>> 4;
  }

  private guestErrorMsg(message: string): void {
    if (this.tracer.on) this.tracer.emit(simEvents.guest_error, this.name, message);
  }
}

/**
 * The local APICs of all CPUs and the message path between them (QEMU's local_apics[] with
 * apic_deliver_irq / apic_send_msi / ioapic_eoi_broadcast). It is the MmioOps of the whole
 * 0xFEE00000 window (register accesses by the current CPU, interrupt messages by anyone) and an
 * MsiSink for IOAPICs wired to it directly.
 */
export class ApicBus implements MmioOps, MsiSink {
  readonly lapics: readonly LocalApic[];
  private readonly tracer: Tracer;
  private readonly currentCpu: () => number;
  private readonly eoiListeners: EoiListener[] = [];
  /** Messages that reached no local APIC (statistics). */
  undelivered = 0;

  constructor(props: ApicBusProps) {
    const { clock, tracer, cpus } = props;
    if (!Number.isInteger(cpus) || cpus < 1 || cpus > 255) throw new RangeError(`apic: cpus must be 1..255, got ${cpus}`);
    const ids = props.apicIds ?? Array.from({ length: cpus }, (_, i) => i);
    if (ids.length !== cpus) throw new RangeError(`apic: ${ids.length} APIC IDs for ${cpus} CPUs`);
    if (new Set(ids).size !== ids.length) throw new RangeError("apic: APIC IDs must be distinct");
    for (const id of ids) if (!Number.isInteger(id) || id < 0 || id > 0xfe) throw new RangeError(`apic: APIC ID ${id} is not 0..254`);
    const timerCount = props.timerCount ?? "sdm";
    if (timerCount !== "sdm" && timerCount !== "qemu") throw new RangeError(`apic: timerCount must be "sdm" or "qemu"`);
    this.tracer = tracer;
    this.currentCpu = props.currentCpu ?? (cpus === 1 ? () => 0 : () => -1);
    this.lapics = ids.map((id, cpu) => new LocalApic(this, cpu, id, clock, tracer, props));
  }

  /** Registers an IOAPIC for EOI broadcasts of level-triggered vectors. */
  addEoiListener(listener: EoiListener): void {
    this.eoiListeners.push(listener);
  }

  /** @internal Called by a LocalApic's EOI of a level-triggered vector. */
  broadcastEoi(vector: number): void {
    for (let i = 0; i < this.eoiListeners.length; i++) this.eoiListeners[i]!.eoiBroadcast(vector);
  }

  /**
   * Delivers an interrupt message (QEMU apic_deliver_irq → apic_bus_deliver). Fixed goes to every
   * target; LowestPriority to the one with the lowest TPR class (ties: lowest CPU index).
   */
  deliver(dest: number, logical: boolean, mode: number, vector: number, level: boolean): void {
    if (this.tracer.on) this.tracer.emit(ev.apic_deliver_irq, dest, logical ? 1 : 0, DELIVERY_MODE_NAMES[mode & 7]!, vector, level ? 1 : 0);
    const lapics = this.lapics;
    switch (mode) {
      case DeliveryMode.Fixed: {
        let hit = false;
        for (let i = 0; i < lapics.length; i++) {
          const l = lapics[i]!;
          if (l.matches(dest, logical)) {
            hit = true;
            l.accept(vector, level);
          }
        }
        if (!hit) this.undelivered++;
        return;
      }
      case DeliveryMode.LowestPriority: {
        let best: LocalApic | undefined;
        for (let i = 0; i < lapics.length; i++) {
          const l = lapics[i]!;
          if (l.matches(dest, logical) && (best === undefined || l.priorityClass < best.priorityClass)) best = l;
        }
        if (best === undefined) this.undelivered++;
        else best.accept(vector, level);
        return;
      }
      case DeliveryMode.Smi:
      case DeliveryMode.Nmi:
      case DeliveryMode.Init:
      case DeliveryMode.StartUp:
      case DeliveryMode.ExtInt:
        if (this.tracer.on) this.tracer.emit(simEvents.unimp, "apic", `${DELIVERY_MODE_NAMES[mode]!} message is not modelled; dropped`);
        return;
      default:
        if (this.tracer.on) this.tracer.emit(simEvents.guest_error, "apic", `message with reserved delivery mode ${mode}; dropped`);
        return;
    }
  }

  /** @internal An IPI from `from` (ICR destination shorthand: 0 none, 1 self, 2 all incl. self, 3 all excl. self). */
  deliverIpi(from: LocalApic, shorthand: number, dest: number, logical: boolean, mode: number, vector: number): void {
    if (shorthand === 0) {
      this.deliver(dest, logical, mode, vector, false);
      return;
    }
    if (this.tracer.on) this.tracer.emit(ev.apic_deliver_irq, shorthand === 1 ? from.apicId : 0xff, 0, DELIVERY_MODE_NAMES[mode & 7]!, vector, 0);
    if (shorthand === 1) {
      from.accept(vector, false);
      return;
    }
    // MODEL: a lowest-priority IPI to "all" is delivered to all (SDM: not supported with shorthands).
    for (let i = 0; i < this.lapics.length; i++) {
      const l = this.lapics[i]!;
      if (shorthand === 2 || l !== from) l.accept(vector, false);
    }
  }

  /** Decodes an interrupt message at window offset `offset` (QEMU apic_send_msi; SDM §11.11; RH is ignored). */
  private sendMsi(offset: number, data: number): void {
    if (data & 0xffff_3800) this.guestError(`interrupt message data 0x${(data >>> 0).toString(16)} sets reserved bits`);
    const dest = (offset >>> MSI_ADDR_DEST_SHIFT) & 0xff;
    const logical = (offset & MSI_ADDR_DEST_LOGICAL) !== 0;
    this.deliver(dest, logical, (data >>> MSI_DATA_DM_SHIFT) & 7, data & 0xff, (data & MSI_DATA_TRIGGER_LEVEL) !== 0);
  }

  /** Offsets of the window that carry interrupt messages rather than register accesses. */
  private static isMessage(offset: number): boolean {
    return offset >= APIC_PAGE_SIZE || offset < 0x10;
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (offset >= APIC_PAGE_SIZE) return this.guestError(`read at 0x${offset.toString(16)} in the interrupt-message space`);
    const l = this.current();
    return l === undefined ? 0 : l.read(offset, size);
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (ApicBus.isMessage(offset)) {
      if (size !== 4 || (offset & 3) !== 0) {
        this.guestError(`${size}-byte interrupt message at 0x${offset.toString(16)} (must be an aligned 32-bit write)`);
        return;
      }
      this.sendMsi(offset, value >>> 0);
      return;
    }
    const l = this.current();
    if (l !== undefined) l.write(offset, size, value);
  }

  /** MsiSink: a 32-bit interrupt-message write at absolute address `addr` (0xFEExxxxx). */
  write32(addr: number, value: number): void {
    const offset = addr - APIC_DEFAULT_BASE;
    if (offset < 0 || offset >= APIC_WINDOW_SIZE || !ApicBus.isMessage(offset)) {
      this.guestError(`interrupt message to 0x${(addr >>> 0).toString(16)} is outside the message space`);
      return;
    }
    this.write(offset, 4, value);
  }

  private current(): LocalApic | undefined {
    const cpu = this.currentCpu();
    const l = this.lapics[cpu];
    if (l === undefined) this.guestError(cpu < 0 ? "LAPIC register access with no current CPU" : `LAPIC register access from unknown CPU ${cpu}`);
    return l;
  }

  private guestError(message: string): 0 {
    if (this.tracer.on) this.tracer.emit(simEvents.guest_error, "apic", message);
    return 0;
  }
}
