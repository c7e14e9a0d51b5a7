/**
 * HPET: the IA-PC High Precision Event Timer, register-level, in virtual time.
 *
 * Sources: IA-PC HPET specification 1.0a §2.3 (registers) and §2.3.9 (timer modes), Intel PCH
 * and C2000 datasheets ("High Precision Event Timers", "Programming the HPET"), as collected in
 * ../shared/spec/hpet-clockevents.md §1 (§1.1–§1.10 are cited below by number). The `qemu-7.2`
 * profile follows QEMU 7.2.22 hw/timer/hpet.c as recorded in ../shared/tools/qemu-hpet/README.md
 * and its scenario traces; hpet.profiles.ts names every option in which the two differ.
 *
 * The main counter is never ticked: while it runs, MAIN_CNT = value at enable + ticks elapsed
 * since the enable (exact integer femtosecond arithmetic, sim/time.ts). Each timer has one clock
 * timer armed at its next comparator event. Interrupt outputs are IrqLines indexed by I/O APIC
 * input (Tn_INT_ROUTE_CNF values 0–31); the platform connects them. FSB delivery is a 32-bit
 * write on the bus. The device only sets line levels and performs bus writes; delivering to a
 * CPU is the interrupt controllers' job, at event boundaries.
 *
 * Not modelled:
 * - a 32-bit main counter (COUNT_SIZE_CAP = 0) and counters that stop in deep C-states;
 * - comparator write latency (a write takes effect at the access's virtual time);
 * - the 8259 side of legacy routing (IRQ0/IRQ8 on the PIC): outputs are I/O APIC inputs only;
 * - deadlines beyond 2^53 ns (about 104 days) of virtual time: such a comparator never fires;
 * - QEMU 7.2's live "ghost" timer at index NUM_TIM_CAP + 1 (an off-by-one, deliberately not copied);
 * - timers 24–31 are counted in NUM_TIM_CAP but, as in QEMU, their registers lie outside the
 *   1 KiB window.
 */
import { Region, type Bus, type MmioOps } from "../../sim/bus.js";
import type { Clock, Timer } from "../../sim/clock.js";
import { IrqLine, type IrqSink } from "../../sim/irq.js";
import { RegisterMap, type Reg } from "../../sim/regs.js";
import { ticksAt } from "../../sim/time.js";
import type { Tracer } from "../../sim/trace.js";
import { events as simEvents } from "../../sim/trace-events.js";
import {
  GEN_ENABLE,
  GEN_LEG_RT,
  GEN_WRITABLE,
  HPET,
  HPET_DEFAULT_BASE,
  HPET_GLOBAL_REGS,
  HPET_MAX_TIMERS,
  HPET_MIN_TIMERS,
  HPET_TIMER,
  HPET_WINDOW_SIZE,
  TN_32MODE,
  TN_CFG_WRITABLE,
  TN_FSB_CAP,
  TN_FSB_EN,
  TN_INT_ENB,
  TN_INT_ROUTE,
  TN_INT_ROUTE_SHIFT,
  TN_INT_TYPE,
  TN_PER_INT_CAP,
  TN_SIZE_CAP,
  TN_TYPE,
  TN_VAL_SET,
  gcapIdLow,
} from "./hpet.regs.js";
import { SPEC_PROFILE, profileByName, type HpetOptions, type HpetProfile, type HpetProfileName, type HpetTimerCaps } from "./hpet.profiles.js";
import { hpetEvents } from "./trace-events.js";

export { HPET_DEFAULT_BASE, HPET_WINDOW_SIZE } from "./hpet.regs.js";

/** Construction properties (QEMU's DEFINE_PROP_*); every field has a default from the profile. */
export interface HpetProps {
  /** Behaviour profile (default `spec`). */
  readonly profile?: HpetProfileName | HpetProfile;
  /** Individual options on top of the profile's. */
  readonly options?: Partial<HpetOptions>;
  /** Number of timers, 3–32 (default: the profile's, 3). */
  readonly timers?: number;
  /** COUNTER_CLK_PERIOD in femtoseconds, 1 000 000 – 100 000 000 (1 GHz – 10 MHz). */
  readonly periodFs?: number;
  /** Capabilities for every timer, or per timer (missing fields and timers keep the profile's). */
  readonly timerCaps?: Partial<HpetTimerCaps> | readonly Partial<HpetTimerCaps>[];
  /** Output lines the platform owns, indexed by I/O APIC input; missing ones are created. */
  readonly irqs?: readonly IrqLine[];
  /** Name for traces and line names (default `hpet`). */
  readonly name?: string;
}

/** One timer's registers and hidden state (plain data). */
export interface HpetTimerState {
  /** Tn_CONF_CAP bits 31:0, capability bits included (the high dword is the route cap). */
  config: number;
  cmpLo: number;
  cmpHi: number;
  /** The hidden increment of periodic mode ("the value last written", QEMU's `period`). */
  perLo: number;
  perHi: number;
  fsbLo: number;
  fsbHi: number;
  /** `qemu-7.2` wrap interrupt: the armed event is the one-shot wrap (QEMU's wrap_flag). */
  wrapPending: boolean;
  /** False while Tn_INT_ROUTE_CNF was written outside the route cap (`routeOutsideCap: unrouted`). */
  routed: boolean;
}

export interface HpetState {
  /** GEN_CONF bits 1:0. */
  genConf: number;
  /** GINTR_STA bits 31:0. */
  isr: number;
  /** MAIN_CNT while halted; its value at the enable instant while running. */
  cntLo: number;
  cntHi: number;
  /** Virtual time of the last counter enable. */
  enableNs: number;
  /** Levels of the legacy inputs (8254 PIT output, RTC IRQ8). */
  pitLevel: boolean;
  rtcLevel: boolean;
  timers: HpetTimerState[];
}

export interface HpetSnapshot {
  readonly version: 1;
  readonly state: HpetState;
  /** Pending deadline of each timer's clock event. */
  readonly deadlines: readonly (number | null)[];
  /** `equality`: the tick each pending event is at. */
  readonly armedTicks: readonly number[];
  /** The pin each timer drives (-1: none) and the level of every output line. */
  readonly assertPins: readonly number[];
  readonly lineLevels: readonly boolean[];
}

/** The HPET model's construction or option error (a platform bug, not a guest error). */
export class HpetConfigError extends RangeError {
  override readonly name = "HpetConfigError";
}

type GlobalReg = "GCAP_ID" | "GEN_CONF" | "GINTR_STA" | "MAIN_CNT";
type TimerReg = "CONF_CAP" | "COMPARATOR" | "FSB_INT_ROUTE";
type Decoded =
  | { readonly kind: "global"; readonly reg: GlobalReg; readonly hi: boolean }
  | { readonly kind: "timer"; readonly n: number; readonly reg: TimerReg; readonly hi: boolean }
  | { readonly kind: "hole" };

const HOLE: Decoded = Object.freeze({ kind: "hole" });

/** One decoded entry per aligned dword of the window, built once from the declarations. */
const DECODE: readonly Decoded[] = (() => {
  const map = new RegisterMap(HPET_WINDOW_SIZE, HPET_GLOBAL_REGS, [HPET_TIMER]);
  const globals = new Map<Reg, GlobalReg>(Object.entries(HPET).map(([k, r]) => [r, k as GlobalReg]));
  const timerRegs = new Map<Reg, TimerReg>(Object.entries(HPET_TIMER.regs).map(([k, r]) => [r, k as TimerReg]));
  const table: Decoded[] = [];
  for (let off = 0; off < HPET_WINDOW_SIZE; off += 4) {
    const d = map.decode(off);
    if (d === undefined) {
      table.push(HOLE);
      continue;
    }
    const hi = d.byte === 4;
    if (d.instance < 0) table.push(Object.freeze({ kind: "global", reg: globals.get(d.reg)!, hi }));
    else table.push(Object.freeze({ kind: "timer", n: d.instance, reg: timerRegs.get(d.reg)!, hi }));
  }
  return table;
})();

const TWO32 = 0x1_0000_0000;
const U32 = 0xffff_ffff;
const M64 = 1n << 64n;
const I64_MIN = 1n << 63n;
const OUTPUTS = 32;
/** Legacy inputs (QEMU's HPET_LEGACY_PIT_INT / HPET_LEGACY_RTC_INT). */
const LEGACY_PIT = 0;
const LEGACY_RTC = 1;
const RTC_PIN = 8;
/** Which comparator write touches which half. */
const LO = 1;
const HI = 2;

function assertNever(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}

function bit(n: number): number {
  return (1 << n) >>> 0;
}

function u64(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * floor(a / d) for integers 0 ≤ a < 2^53 and 0 < d < 2^21, exactly. The double quotient is off
 * by at most one, and q · d stays exact, so one correction step fixes it; this avoids `%`, which
 * V8 turns into a call to fmod for numbers past 2^31.
 */
function floorDiv(a: number, d: number): number {
  let q = Math.floor(a / d);
  const r = a - q * d;
  if (r < 0) q--;
  else if (r >= d) q++;
  return q;
}

/** ceil(k · periodFs / 10^6): the first nanosecond at tick k (sim/time.ts nsAtTick, for the hot path). */
function nsAtTickFast(k: number, periodFs: number): number {
  const kHi = floorDiv(k, 1_000_000);
  const x = (k - kHi * 1_000_000) * periodFs; // < 10^6 · 10^8: exact
  const q = floorDiv(x, 1_000_000);
  return kHi * periodFs + q + (x - q * 1_000_000 > 0 ? 1 : 0);
}

function hex(v: number): string {
  return `0x${v.toString(16)}`;
}

export class Hpet implements MmioOps {
  readonly name: string;
  readonly options: HpetOptions;
  readonly periodFs: number;
  /** Number of timers (NUM_TIM_CAP + 1). */
  readonly numTimers: number;
  readonly caps: readonly HpetTimerCaps[];
  /** Output lines by I/O APIC input (route value); connect them with `connect` or own them via props. */
  readonly irqs: readonly IrqLine[];
  /** Legacy inputs: pin 0 is the 8254 PIT's output, pin 1 the RTC's IRQ8. */
  readonly legacyIn: IrqSink;
  /** High while the 8254 may interrupt (LEG_RT_CNF = 0); QEMU's `pit_enabled` GPIO. */
  readonly pitEnable: IrqLine;

  private readonly st: HpetState;
  private readonly timers: Timer[];
  private readonly gcapLo: number;
  /** Whole nanoseconds per tick, or 0 when the period is not a whole number of nanoseconds. */
  private readonly nsPerTick: number;
  private readonly qemuMatch: boolean;
  private readonly qemuLines: boolean;
  private readonly wiredOr: boolean;
  /** The pin each timer drives under `follow-state` or `wired-or` (-1: none). */
  private readonly assertPin: Int8Array;
  /** Wired OR: timers driving each pin, and the legacy inputs driving it (bit 0 PIT, bit 1 RTC). */
  private readonly pinTimers = new Uint32Array(OUTPUTS);
  private readonly pinLegacy = new Uint8Array(OUTPUTS);
  /** The counter sampled by `sample()`, as halves, and the ticks since the enable. */
  private curLo = 0;
  private curHi = 0;
  /** The last cmpMinusCounter result. */
  private diffLo = 0;
  private diffHi = 0;
  private elapsed = 0;
  /** Ticks after the enable that still map to a safe nanosecond. */
  private tickLimit = 0;
  /** `equality`: the tick (after the enable) each timer's pending event is at. */
  private readonly armedTick: Float64Array;

  constructor(
    private readonly clock: Clock,
    private readonly bus: Bus,
    private readonly tracer: Tracer,
    props: HpetProps = {},
  ) {
    const profile = typeof props.profile === "string" ? profileByName(props.profile) : (props.profile ?? SPEC_PROFILE);
    this.name = props.name ?? "hpet";
    this.options = Object.freeze({ ...profile.options, ...props.options });
    this.periodFs = props.periodFs ?? profile.periodFs;
    this.numTimers = props.timers ?? profile.timers;
    const o = this.options;
    if (!Number.isInteger(this.numTimers) || this.numTimers < HPET_MIN_TIMERS || this.numTimers > HPET_MAX_TIMERS) {
      throw new HpetConfigError(`hpet: timers must be ${HPET_MIN_TIMERS}–${HPET_MAX_TIMERS}, got ${this.numTimers}`);
    }
    // §1.2: the period must be nonzero and at most 10^8 fs; below 10^6 fs (1 GHz) two ticks could share a nanosecond.
    if (!Number.isInteger(this.periodFs) || this.periodFs < 1_000_000 || this.periodFs > 100_000_000) {
      throw new HpetConfigError(`hpet: periodFs must be an integer in [1e6, 1e8] fs, got ${this.periodFs}`);
    }
    this.nsPerTick = this.periodFs % 1_000_000 === 0 ? this.periodFs / 1_000_000 : 0;
    this.qemuMatch = o.comparatorMatch === "qemu-7.2";
    this.qemuLines = o.statusAndLines === "qemu-7.2";
    this.wiredOr = o.sharedLines === "wired-or";
    if ((this.qemuMatch || o.timeArithmetic === "qemu-u64-ns") && this.nsPerTick === 0) {
      throw new HpetConfigError(`hpet: QEMU's arithmetic needs a whole number of nanoseconds per tick, got ${this.periodFs} fs`);
    }
    if (o.periodicAccumulator === "qemu-7.2" && !this.qemuMatch) {
      throw new HpetConfigError("hpet: periodicAccumulator 'qemu-7.2' needs comparatorMatch 'qemu-7.2'");
    }
    if (o.oneShot32Wrap === "qemu-7.2" && !this.qemuMatch) throw new HpetConfigError("hpet: oneShot32Wrap 'qemu-7.2' needs comparatorMatch 'qemu-7.2'");
    if (o.oneShot32Wrap === "on-rollover" && this.qemuMatch) throw new HpetConfigError("hpet: oneShot32Wrap 'on-rollover' needs comparatorMatch 'equality'");

    const overrides = props.timerCaps;
    const caps: HpetTimerCaps[] = [];
    for (let n = 0; n < this.numTimers; n++) {
      const over = overrides === undefined ? {} : Array.isArray(overrides) ? (overrides[n] ?? {}) : (overrides as Partial<HpetTimerCaps>);
      const c = { ...profile.timerCaps(n), ...over };
      if (!Number.isInteger(c.routeCap) || c.routeCap < 0 || c.routeCap > U32) throw new HpetConfigError(`hpet: timer ${n} routeCap ${c.routeCap} is not a u32`);
      if (o.routeOutsideCap === "unrouted" && (c.routeCap & 1) !== 0) {
        throw new HpetConfigError(`hpet: timer ${n} advertises input 0, which reads back as 'unrouted' under routeOutsideCap 'unrouted'`);
      }
      caps.push(Object.freeze(c));
    }
    // The arrays stay unfrozen (their type is readonly): Node 20's optimizing compiler reads an
    // element of a frozen array through a generic call, about five times slower (measured: four
    // of them on every x86-pc tick).
    this.caps = caps;
    this.gcapLo = gcapIdLow(this.numTimers, profile.vendorId, profile.revId);

    const given = props.irqs ?? [];
    if (given.length > OUTPUTS) throw new HpetConfigError(`hpet: at most ${OUTPUTS} output lines, got ${given.length}`);
    const lines: IrqLine[] = [];
    for (let p = 0; p < OUTPUTS; p++) lines.push(given[p] ?? new IrqLine(`${this.name}.irq${p}`, tracer));
    this.irqs = lines;
    this.pitEnable = new IrqLine(`${this.name}.pit-enable`, tracer);
    this.legacyIn = { setIrq: (pin, level) => this.onLegacyInput(pin, level) };
    this.assertPin = new Int8Array(this.numTimers).fill(-1);
    this.armedTick = new Float64Array(this.numTimers);
    this.timers = [];
    for (let n = 0; n < this.numTimers; n++) this.timers.push(clock.newTimer(`${this.name}.t${n}`, () => this.onTimer(n)));
    this.st = { genConf: 0, isr: 0, cntLo: 0, cntHi: 0, enableNs: 0, pitLevel: false, rtcLevel: false, timers: [] };
    for (let n = 0; n < this.numTimers; n++) {
      this.st.timers.push({ config: 0, cmpLo: U32, cmpHi: U32, perLo: 0, perHi: 0, fsbLo: 0, fsbHi: 0, wrapPending: false, routed: false });
      tracer.declareSignal(hpetEvents.hpet_timer_int_enb, n, () => this.intEnb(n));
    }
    this.reset();
  }

  /** Connects outputs 0…pins−1 to the same-numbered inputs of `sink` (an I/O APIC). */
  connect(sink: IrqSink, pins = 24): void {
    for (let p = 0; p < pins && p < OUTPUTS; p++) this.irqs[p]!.connect(sink, p);
  }

  /** The MMIO region for the bus, with the access sizes of the profile's `narrowAccess` policy. */
  region(base: number = HPET_DEFAULT_BASE): Region {
    const qemu = this.options.narrowAccess === "read-zero";
    return new Region(this.name, base, HPET_WINDOW_SIZE, this, { sizes: qemu ? [1, 2, 4, 8] : [4, 8], unaligned: qemu });
  }

  /** MAIN_CNT now. */
  counter(): bigint {
    this.sample();
    return u64(this.curHi, this.curLo);
  }

  /** Device reset (QEMU hpet_reset): counter halted at 0, comparators all ones, lines low. */
  reset(): void {
    const s = this.st;
    for (let n = 0; n < this.numTimers; n++) {
      this.timers[n]!.del();
      if (this.qemuLines) this.qemuUpdateIrq(n, false);
      else this.assertAt(n, -1);
      const c = this.caps[n]!;
      const t = s.timers[n]!;
      t.config = (c.periodic ? TN_PER_INT_CAP : 0) | (c.size64 ? TN_SIZE_CAP : 0) | (c.fsb ? TN_FSB_CAP : 0);
      t.cmpLo = U32;
      t.cmpHi = c.size64 ? U32 : 0;
      t.perLo = t.perHi = t.fsbLo = t.fsbHi = 0;
      t.wrapPending = false;
      t.routed = this.routable(n, 0);
      this.traceIntEnb(n);
    }
    s.genConf = 0;
    s.isr = 0;
    s.cntLo = s.cntHi = 0;
    s.enableNs = this.clock.now;
    s.rtcLevel = false;
    this.pitEnable.raise();
    if (!this.qemuLines) this.updateLegacy();
  }

  // ---- MMIO ---------------------------------------------------------------------------------

  read(offset: number, size: 1 | 2 | 4): number {
    if (size === 4 && (offset & 3) === 0) return this.read32(offset);
    let v = 0;
    this.splitAccess(offset, size, (at, len) => {
      if (len === 4) v += this.read32(at) * 2 ** ((at - offset) * 8);
      else this.narrow(at, len, false);
    });
    return v >>> 0;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (size === 4 && (offset & 3) === 0) {
      this.write32(offset, value >>> 0);
      return;
    }
    this.splitAccess(offset, size, (at, len) => {
      if (len === 4) this.write32(at, Math.floor(value / 2 ** ((at - offset) * 8)) >>> 0);
      else this.narrow(at, len, true);
    });
  }

  read64(offset: number): bigint {
    if (this.options.access64 === "native" && (offset & 7) === 0) {
      const lo = this.read32Raw(offset);
      const v = u64(this.read32Raw(offset + 4), lo);
      if (this.tracer.on) this.tracer.emit(hpetEvents.hpet_ram_read, offset, 8, v);
      return v;
    }
    let v = 0n;
    this.splitAccess(offset, 8, (at, len) => {
      if (len === 4) v |= BigInt(this.read32(at)) << BigInt((at - offset) * 8);
      else this.narrow(at, len, false);
    });
    return v;
  }

  write64(offset: number, value: bigint): void {
    const lo = Number(value & 0xffff_ffffn);
    const hi = Number((value >> 32n) & 0xffff_ffffn);
    if (this.options.access64 === "native" && (offset & 7) === 0) {
      if (this.tracer.on) this.tracer.emit(hpetEvents.hpet_ram_write, offset, 8, value);
      const d = DECODE[offset >>> 2]!;
      // A native 64-bit comparator write is one access: VAL_SET covers both halves (§1.8).
      if (d.kind === "timer" && d.reg === "COMPARATOR" && d.n < this.numTimers) this.writeComparator(d.n, LO | HI, lo, hi);
      else {
        this.write32Raw(offset, lo);
        this.write32Raw(offset + 4, hi);
      }
      return;
    }
    this.splitAccess(offset, 8, (at, len) => {
      const shift = BigInt((at - offset) * 8);
      if (len === 4) this.write32(at, Number((value >> shift) & 0xffff_ffffn));
      else this.narrow(at, len, true);
    });
  }

  /**
   * Splits an access the way QEMU's memory core does for a region valid for 4-byte accesses
   * only (memory_access_size): pieces of at most 4 bytes, bounded by the address's alignment.
   * Only aligned 4-byte pieces reach the registers.
   */
  private splitAccess(offset: number, size: number, piece: (at: number, len: number) => void): void {
    let at = offset;
    let left = size;
    while (left > 0) {
      let len = Math.min(left, 4);
      const align = at & -at;
      if (align !== 0 && align < len) len = align;
      if (len === 3) len = 2;
      piece(at, len);
      at += len;
      left -= len;
    }
  }

  private narrow(at: number, len: number, isWrite: boolean): void {
    if (this.tracer.on) this.tracer.emit(simEvents.guest_error, this.name, `${len}-byte ${isWrite ? "write" : "read"} at ${hex(at)} refused (reads 0)`);
  }

  private read32(offset: number): number {
    const v = this.read32Raw(offset);
    if (this.tracer.on) this.tracer.emit(hpetEvents.hpet_ram_read, offset, 4, BigInt(v));
    return v;
  }

  private write32(offset: number, value: number): void {
    if (this.tracer.on) this.tracer.emit(hpetEvents.hpet_ram_write, offset, 4, BigInt(value));
    this.write32Raw(offset, value);
  }

  private read32Raw(offset: number): number {
    const d = DECODE[offset >>> 2];
    if (d === undefined) return this.hole(offset, false);
    switch (d.kind) {
      case "hole":
        return this.hole(offset, false);
      case "global": {
        const reg = d.reg;
        switch (reg) {
          case "GCAP_ID":
            return d.hi ? this.periodFs : this.gcapLo;
          case "GEN_CONF":
            return d.hi ? 0 : this.st.genConf;
          case "GINTR_STA":
            return d.hi ? 0 : this.st.isr;
          case "MAIN_CNT":
            this.sample();
            return d.hi ? this.curHi : this.curLo;
          default:
            return assertNever(reg);
        }
      }
      case "timer": {
        if (d.n >= this.numTimers) return this.hole(offset, false);
        const t = this.st.timers[d.n]!;
        const reg = d.reg;
        switch (reg) {
          case "CONF_CAP":
            return d.hi ? this.caps[d.n]!.routeCap : t.config;
          case "COMPARATOR":
            return d.hi ? t.cmpHi : t.cmpLo;
          case "FSB_INT_ROUTE":
            return d.hi ? t.fsbHi : t.fsbLo;
          default:
            return assertNever(reg);
        }
      }
      default:
        return assertNever(d);
    }
  }

  private write32Raw(offset: number, v: number): void {
    const d = DECODE[offset >>> 2];
    if (d === undefined) {
      this.hole(offset, true);
      return;
    }
    switch (d.kind) {
      case "hole":
        this.hole(offset, true);
        return;
      case "global": {
        const reg = d.reg;
        switch (reg) {
          case "GCAP_ID":
            this.guestError(`write ${hex(v)} to read-only GCAP_ID+${d.hi ? 4 : 0} ignored`);
            return;
          case "GEN_CONF":
            if (d.hi) this.reservedWrite(offset, v);
            else this.writeGenConf(v);
            return;
          case "GINTR_STA":
            if (d.hi) this.reservedWrite(offset, v);
            else this.writeStatus(v);
            return;
          case "MAIN_CNT":
            this.writeCounter(d.hi, v);
            return;
          default:
            return assertNever(reg);
        }
      }
      case "timer": {
        if (d.n >= this.numTimers) {
          this.hole(offset, true);
          return;
        }
        const t = this.st.timers[d.n]!;
        const reg = d.reg;
        switch (reg) {
          case "CONF_CAP":
            if (d.hi) this.guestError(`write ${hex(v)} to read-only T${d.n}_INT_ROUTE_CAP ignored`);
            else this.writeTimerConfig(d.n, v);
            return;
          case "COMPARATOR":
            this.writeComparator(d.n, d.hi ? HI : LO, v, v);
            return;
          case "FSB_INT_ROUTE":
            if (d.hi) t.fsbHi = v;
            else t.fsbLo = v;
            return;
          default:
            return assertNever(reg);
        }
      }
      default:
        return assertNever(d);
    }
  }

  private hole(offset: number, isWrite: boolean): number {
    if (this.tracer.on) this.tracer.emit(simEvents.guest_error, this.name, `${isWrite ? "write to" : "read of"} unimplemented offset ${hex(offset)}`);
    return 0;
  }

  private reservedWrite(offset: number, v: number): void {
    if (v !== 0) this.guestError(`write ${hex(v)} to reserved offset ${hex(offset)} ignored`);
  }

  private guestError(message: string): void {
    if (this.tracer.on) this.tracer.emit(simEvents.guest_error, this.name, message);
  }

  // ---- register writes ----------------------------------------------------------------------

  /** §1.3 GEN_CONF: counter enable/halt and legacy replacement routing. */
  private writeGenConf(v: number): void {
    const s = this.st;
    const old = s.genConf;
    if ((v & ~GEN_WRITABLE) !== 0) this.guestError(`GEN_CONF reserved bits ${hex(v & ~GEN_WRITABLE)} ignored`);
    const now = v & GEN_WRITABLE;
    if (!(old & GEN_ENABLE) && now & GEN_ENABLE) {
      s.genConf = now;
      s.enableNs = this.clock.now;
      this.tickLimit = ticksAt(Number.MAX_SAFE_INTEGER - s.enableNs, this.periodFs);
      if (this.tracer.on) this.tracer.emit(hpetEvents.hpet_counter, 1, u64(s.cntHi, s.cntLo));
      for (let n = 0; n < this.numTimers; n++) {
        const t = s.timers[n]!;
        // QEMU arms every timer whose 64-bit comparator is not all ones, enabled or not.
        if (!this.qemuMatch) this.armEquality(n);
        else if (t.cmpLo !== U32 || t.cmpHi !== U32) this.armQemu(n);
      }
    } else if (old & GEN_ENABLE && !(now & GEN_ENABLE)) {
      this.sampleRunning();
      s.cntLo = this.curLo;
      s.cntHi = this.curHi;
      s.genConf = now;
      if (this.tracer.on) this.tracer.emit(hpetEvents.hpet_counter, 0, u64(s.cntHi, s.cntLo));
      for (let n = 0; n < this.numTimers; n++) {
        this.disarm(n);
        if (this.qemuLines) this.qemuUpdateIrq(n, false);
      }
    } else {
      s.genConf = now;
    }
    const legacyOn = !(old & GEN_LEG_RT) && now & GEN_LEG_RT;
    const legacyOff = old & GEN_LEG_RT && !(now & GEN_LEG_RT);
    if (this.qemuLines) {
      // QEMU: entering legacy mode silences the PIT and lowers GSI 0 and 8; leaving it lowers
      // GSI 0, re-enables the PIT and gives GSI 8 back to the RTC. Timer lines are left alone.
      if (legacyOn) {
        this.pitEnable.lower();
        this.legacyDrive(this.options.legacyIrq0Pin, LEGACY_PIT, false);
        this.legacyDrive(RTC_PIN, LEGACY_RTC, false);
      } else if (legacyOff) {
        this.legacyDrive(this.options.legacyIrq0Pin, LEGACY_PIT, false);
        this.pitEnable.raise();
        this.legacyDrive(RTC_PIN, LEGACY_RTC, s.rtcLevel);
      }
    } else if ((old ^ now) !== 0) {
      // §1.3: LEG_RT_CNF reroutes timers 0/1 and blocks the PIT/RTC; ENABLE_CNF = 0 blocks every timer interrupt.
      this.pitEnable.set(!(now & GEN_LEG_RT));
      this.updateLegacy();
      for (let n = 0; n < this.numTimers; n++) this.sync(n);
    }
  }

  /** §1.4 GINTR_STA: write 1 to clear. */
  private writeStatus(v: number): void {
    const s = this.st;
    const clear = (v & s.isr) >>> 0;
    if (clear === 0) return;
    for (let n = 0; n < this.numTimers; n++) {
      if (((clear >>> n) & 1) === 0) continue;
      if (this.qemuLines) this.qemuUpdateIrq(n, false);
      else {
        s.isr = (s.isr & ~bit(n)) >>> 0;
        this.sync(n);
      }
    }
  }

  /** §1.5 MAIN_CNT: writable only while halted. */
  private writeCounter(hi: boolean, v: number): void {
    const s = this.st;
    if (s.genConf & GEN_ENABLE) {
      // MODEL: QEMU stores it but the halt that must precede the next enable overwrites it, so
      // ignoring the write is indistinguishable.
      this.guestError(`MAIN_CNT${hi ? "+4" : ""} written while the counter runs: ignored`);
      return;
    }
    if (hi) s.cntHi = v;
    else s.cntLo = v;
  }

  /** Timer n's Tn_INT_ENB_CNF, 0 or 1 (the wire `hpet.timerN.int_enb` of the trace). */
  private intEnb(n: number): number {
    return this.st.timers[n]!.config & TN_INT_ENB ? 1 : 0;
  }

  private traceIntEnb(n: number): void {
    if (this.tracer.on) this.tracer.emit(hpetEvents.hpet_timer_int_enb, n, this.intEnb(n));
  }

  /** §1.6 Tn_CONF_CAP low dword. */
  private writeTimerConfig(n: number, v: number): void {
    const s = this.st;
    const t = s.timers[n]!;
    const c = this.caps[n]!;
    const o = this.options;
    const old = t.config;
    let writable = TN_CFG_WRITABLE;
    if (!c.periodic) writable &= ~TN_TYPE;
    if (!c.size64) writable &= ~TN_32MODE;
    if (!c.fsb && !o.fsbWithoutCap) writable &= ~TN_FSB_EN;
    let now = ((old & ~writable) | (v & writable)) >>> 0;
    if ((v & ~writable & ~old & 0xffff) !== 0) this.guestError(`T${n}_CONF_CAP read-only bits ${hex(v & ~writable & ~old & 0xffff)} ignored`);
    const route = (now & TN_INT_ROUTE) >>> TN_INT_ROUTE_SHIFT;
    t.routed = this.routable(n, route);
    if (!t.routed && o.routeOutsideCap === "unrouted") {
      // §1.6: a route the cap does not allow reads back differently; here as 0, driving nothing.
      now = (now & ~TN_INT_ROUTE) >>> 0;
      if (route !== 0) this.guestError(`T${n} route ${route} outside Tn_INT_ROUTE_CAP ${hex(c.routeCap)}: unrouted`);
    }
    if (this.qemuLines && !(old & TN_FSB_EN) && now & TN_FSB_EN) this.qemuUpdateIrq(n, false);
    t.config = now;
    if ((old ^ now) & TN_INT_ENB) this.traceIntEnb(n);
    if (now & TN_32MODE) {
      // §1.9 (ICH): switching to 32-bit mode zeroes the upper halves; QEMU truncates too.
      t.cmpHi = 0;
      t.perHi = 0;
    }
    const running = (s.genConf & GEN_ENABLE) !== 0;
    if (this.qemuMatch) {
      if (!(old & TN_INT_ENB) && now & TN_INT_ENB) {
        if (running) this.armQemu(n);
      } else if (old & TN_INT_ENB && !(now & TN_INT_ENB)) {
        this.disarm(n);
        if (this.qemuLines) this.qemuUpdateIrq(n, false);
      }
    } else if (running && ((old ^ now) & (TN_TYPE | TN_32MODE)) !== 0) {
      this.armEquality(n);
    }
    if (!this.qemuLines) this.sync(n);
  }

  /** §1.7/§1.8 Tn_COMPARATOR: the comparator, the periodic increment and VAL_SET. */
  private writeComparator(n: number, halves: number, lo: number, hi: number): void {
    const s = this.st;
    const t = s.timers[n]!;
    const cfg = t.config;
    const periodic = (cfg & TN_TYPE) !== 0;
    const setCmp = !periodic || (cfg & TN_VAL_SET) !== 0;
    const is32 = this.is32(n);
    if (this.options.comparatorWrite === "qemu-7.2") {
      // QEMU: without VAL_SET a periodic write sets only the period (31 bits in 32-bit mode);
      // with VAL_SET the low half sets both and the high half the comparator only.
      if (halves & LO) {
        if (setCmp) t.cmpLo = lo;
        if (periodic) t.perLo = is32 ? lo & 0x7fff_ffff : lo;
      }
      if (halves & HI) {
        if (setCmp) t.cmpHi = hi;
        else t.perHi = is32 ? hi & 0x7fff_ffff : hi;
      }
    } else {
      // Intel: every write sets the increment ("the value last written"); VAL_SET (or one-shot
      // mode) also sets the comparator. In 32-bit mode the high halves stay 0.
      if (halves & LO) {
        t.perLo = lo;
        if (setCmp) t.cmpLo = lo;
      }
      if (halves & HI && !is32) {
        t.perHi = hi;
        if (setCmp) t.cmpHi = hi;
      }
    }
    t.config = (cfg & ~TN_VAL_SET) >>> 0;
    if (s.genConf & GEN_ENABLE) {
      if (this.qemuMatch) this.armQemu(n);
      else this.armEquality(n);
    }
  }

  private routable(n: number, route: number): boolean {
    return this.options.routeOutsideCap === "accepted" || ((this.caps[n]!.routeCap >>> route) & 1) === 1;
  }

  private is32(n: number): boolean {
    return (this.st.timers[n]!.config & TN_32MODE) !== 0 || !this.caps[n]!.size64;
  }

  // ---- the counter --------------------------------------------------------------------------

  /** Samples MAIN_CNT into curLo/curHi (and the ticks since the enable into `elapsed`). */
  private sample(): void {
    const s = this.st;
    if (s.genConf & GEN_ENABLE) {
      this.sampleRunning();
      return;
    }
    this.curLo = s.cntLo;
    this.curHi = s.cntHi;
    this.elapsed = 0;
  }

  /** The counter as if running since `enableNs` from cntHi:cntLo. */
  private sampleRunning(): void {
    const dt = this.clock.now - this.st.enableNs;
    const p = this.nsPerTick;
    this.sampleAt(p !== 0 ? floorDiv(dt, p) : ticksAt(dt, this.periodFs), dt);
  }

  /** The counter `e` ticks (`dt` ns) after the enable. */
  private sampleAt(e: number, dt: number): void {
    const s = this.st;
    const p = this.nsPerTick;
    this.elapsed = e;
    if (this.options.timeArithmetic === "qemu-u64-ns" && (s.cntHi + 1) * p > 0x8000_0000) {
      // QEMU: ticks = ((counter · P mod 2^64) + ns since enable) mod 2^64 / P.
      const P = BigInt(p);
      const v = ((((u64(s.cntHi, s.cntLo) * P) % M64) + BigInt(dt)) % M64) / P;
      this.curLo = Number(v & 0xffff_ffffn);
      this.curHi = Number(v >> 32n);
      return;
    }
    const eHi = Math.floor(e / TWO32); // a power of two: exact
    let lo = s.cntLo + (e - eHi * TWO32);
    let carry = 0;
    if (lo >= TWO32) {
      lo -= TWO32;
      carry = 1;
    }
    this.curLo = lo;
    this.curHi = (s.cntHi + eHi + carry) >>> 0;
  }

  // ---- arming -------------------------------------------------------------------------------

  /**
   * `equality` (§1.7): the next tick at which the counter steps onto the comparator (its low
   * 32 bits in 32-bit mode) or, for a 32-bit one-shot with `on-rollover`, onto a multiple of 2^32.
   * A value the counter already holds comes round again after a full wrap.
   */
  private armEquality(n: number, sampled = false): void {
    const t = this.st.timers[n]!;
    if (!sampled) this.sample();
    let delta: number;
    if (this.is32(n)) {
      delta = (t.cmpLo - this.curLo) >>> 0 || TWO32;
      if (!(t.config & TN_TYPE) && this.options.oneShot32Wrap === "on-rollover") {
        const toWrap = TWO32 - this.curLo;
        if (toWrap < delta) delta = toWrap;
      }
    } else {
      this.cmpMinusCounter(t);
      const { diffHi: hi, diffLo: lo } = this;
      // Beyond 2^53 ticks (or a full 2^64 wrap) is beyond any representable virtual time.
      delta = hi >= 0x20_0000 || (hi === 0 && lo === 0) ? Infinity : hi * TWO32 + lo;
    }
    const k = this.elapsed + delta;
    if (k > this.tickLimit) {
      this.disarm(n);
      return;
    }
    this.armedTick[n] = k;
    this.armAt(n, this.st.enableNs + nsAtTickFast(k, this.periodFs), "match");
  }

  /**
   * `qemu-7.2` (hpet_set_timer): the delay is comparator − counter as a signed 32- or 64-bit
   * number, at least one tick; a 32-bit one-shot whose counter wraps first fires at 0xffffffff.
   */
  private armQemu(n: number): void {
    const t = this.st.timers[n]!;
    this.sample();
    t.wrapPending = false;
    if (this.is32(n)) {
      let diff = this.qemuDiff32(t);
      if (!(t.config & TN_TYPE) && this.options.oneShot32Wrap === "qemu-7.2") {
        const toWrap = U32 - this.curLo;
        if (toWrap < diff) {
          diff = toWrap;
          t.wrapPending = true;
        }
      }
      this.armAfterTicks(n, 0, diff, t.wrapPending ? "wrap" : "match");
    } else {
      this.armQemuDiff64(n, t);
    }
  }

  /** hpet_calculate_diff, 32-bit: (int32)(cmp − counter) > 0 ? that : 1. */
  private qemuDiff32(t: HpetTimerState): number {
    const d = (t.cmpLo - this.curLo) >>> 0;
    return d === 0 || d >= 0x8000_0000 ? 1 : d;
  }

  /** comparator − sampled counter, modulo 2^64, as halves in diffHi/diffLo (no allocation). */
  private cmpMinusCounter(t: HpetTimerState): void {
    let lo = t.cmpLo - this.curLo;
    let borrow = 0;
    if (lo < 0) {
      lo += TWO32;
      borrow = 1;
    }
    this.diffLo = lo;
    this.diffHi = (t.cmpHi - this.curHi - borrow) >>> 0;
  }

  /** hpet_calculate_diff, 64-bit, then arm. */
  private armQemuDiff64(n: number, t: HpetTimerState): void {
    this.cmpMinusCounter(t);
    const { diffHi: hi, diffLo: lo } = this;
    if (hi >= 0x8000_0000 || (hi === 0 && lo === 0)) this.armAfterTicks(n, 0, 1, "late");
    else this.armAfterTicks(n, hi, lo, "match");
  }

  /** Arms `hi:lo` ticks after now (QEMU: now + ticks_to_ns(diff), the delay counted from the access). */
  private armAfterTicks(n: number, hi: number, lo: number, kind: string): void {
    const p = this.nsPerTick;
    const now = this.clock.now;
    if (hi < 0x20_0000) {
      const ns = (hi * TWO32 + lo) * p;
      if (ns <= Number.MAX_SAFE_INTEGER - now) this.armAt(n, now + ns, kind);
      else this.disarm(n);
      return;
    }
    if (this.options.timeArithmetic === "qemu-u64-ns" && ((u64(hi, lo) * BigInt(p)) % M64) >= I64_MIN) {
      // MODEL: QEMU adds (int64)(diff · P); past 2^63 ns that is negative, a deadline in the past: due at once.
      this.armAt(n, now, "late");
      return;
    }
    this.disarm(n);
  }

  private armAt(n: number, deadline: number, kind: string): void {
    this.timers[n]!.mod(deadline);
    if (this.tracer.on) this.tracer.emit(hpetEvents.hpet_timer_arm, n, deadline, kind);
  }

  private disarm(n: number): void {
    const timer = this.timers[n]!;
    if (!timer.pending) return;
    timer.del();
    if (this.tracer.on) this.tracer.emit(hpetEvents.hpet_timer_disarm, n);
  }

  // ---- firing -------------------------------------------------------------------------------

  private onTimer(n: number): void {
    if (this.qemuMatch) this.fireQemu(n);
    else this.fireEquality(n);
  }

  private fireEquality(n: number): void {
    const t = this.st.timers[n]!;
    // The event is the tick it was armed for: no need to divide the time again.
    this.sampleAt(this.armedTick[n]!, this.clock.now - this.st.enableNs);
    const is32 = this.is32(n);
    const periodic = (t.config & TN_TYPE) !== 0;
    const match = t.cmpLo === this.curLo && (is32 || t.cmpHi === this.curHi);
    const wrap = is32 && !periodic && this.options.oneShot32Wrap === "on-rollover" && this.curLo === 0;
    if (this.tracer.on) this.tracer.emit(hpetEvents.hpet_timer_fire, n, u64(this.curHi, this.curLo), match ? "match" : "wrap");
    if (match && periodic) {
      // §1.7: at each match the comparator grows by the last value written, wrapping through 0.
      if (is32) t.cmpLo = (t.cmpLo + t.perLo) >>> 0;
      else {
        const lo = t.cmpLo + t.perLo;
        t.cmpLo = lo >>> 0;
        t.cmpHi = (t.cmpHi + t.perHi + (lo >= TWO32 ? 1 : 0)) >>> 0;
      }
    }
    this.armEquality(n, true);
    if (match || wrap) this.deliver(n);
  }

  /** hpet_timer(): advance a periodic accumulator, re-arm, deliver. */
  private fireQemu(n: number): void {
    const t = this.st.timers[n]!;
    this.sample();
    if (this.tracer.on) this.tracer.emit(hpetEvents.hpet_timer_fire, n, u64(this.curHi, this.curLo), t.wrapPending ? "wrap" : "match");
    const periodic = (t.config & TN_TYPE) !== 0;
    const is32 = this.is32(n);
    if (periodic && (t.perLo !== 0 || t.perHi !== 0)) {
      const strict = this.options.periodicAccumulator === "qemu-7.2";
      if (is32) {
        this.advance32(t, strict);
        this.armAfterTicks(n, 0, this.qemuDiff32(t), "match");
      } else {
        this.advance64(t, strict);
        this.armQemuDiff64(n, t);
      }
    } else if (is32 && !periodic && t.wrapPending) {
      this.armAfterTicks(n, 0, this.qemuDiff32(t), "match");
      t.wrapPending = false;
    }
    this.deliver(n);
  }

  /**
   * 32-bit periodic accumulator: add the period while the comparator is behind the counter
   * (strict, QEMU 7.2) or not ahead of it, in closed form instead of QEMU's loop.
   */
  private advance32(t: HpetTimerState, strict: boolean): void {
    const d = (t.cmpLo - this.curLo) | 0;
    if (strict ? d >= 0 : d > 0) return;
    const p = t.perLo >>> 0;
    // MODEL: QEMU loops forever on a zero 32-bit increment with a nonzero high half; we do not advance.
    if (p === 0) return;
    let k: number;
    if (p < 0x8000_0000) k = strict ? Math.ceil(-d / p) : Math.floor(-d / p) + 1;
    else k = Math.floor((d + 0x8000_0000) / (TWO32 - p)) + 1; // a "negative" step: wraps past −2^31
    t.cmpLo = (t.cmpLo + Math.imul(k, p)) >>> 0;
    t.cmpHi = 0; // QEMU: cmp = (uint32_t)(cmp + period)
  }

  /** 64-bit periodic accumulator, as `advance32` (QEMU: while (int64)(cmp − counter) < 0, cmp += period). */
  private advance64(t: HpetTimerState, strict: boolean): void {
    if (t.cmpHi < 0x10_0000 && this.curHi < 0x10_0000 && t.perHi < 0x10_0000) {
      const cmp = t.cmpHi * TWO32 + t.cmpLo;
      const d = cmp - (this.curHi * TWO32 + this.curLo);
      if (strict ? d >= 0 : d > 0) return;
      const p = t.perHi * TWO32 + t.perLo;
      const k = strict ? Math.ceil(-d / p) : Math.floor(-d / p) + 1;
      const next = cmp + k * p;
      t.cmpLo = next % TWO32;
      t.cmpHi = (next - t.cmpLo) / TWO32;
      return;
    }
    const cmp = u64(t.cmpHi, t.cmpLo);
    let d = (cmp - u64(this.curHi, this.curLo) + M64) % M64;
    if (d >= I64_MIN) d -= M64;
    if (strict ? d >= 0n : d > 0n) return;
    const p = u64(t.perHi, t.perLo);
    let k: bigint;
    if (p < I64_MIN) k = strict ? (-d + p - 1n) / p : -d / p + 1n;
    else k = (d + I64_MIN) / (M64 - p) + 1n;
    const next = (cmp + k * p) % M64;
    t.cmpLo = Number(next & 0xffff_ffffn);
    t.cmpHi = Number(next >> 32n);
  }

  /** A comparator event reaches the outside world (status bit, line, FSB write). */
  private deliver(n: number): void {
    if (this.qemuLines) {
      this.qemuUpdateIrq(n, true);
      return;
    }
    const s = this.st;
    const cfg = s.timers[n]!.config;
    if (cfg & TN_FSB_EN) {
      // §1.10: FSB delivery is an edge; no status bit, no pin.
      if (cfg & TN_INT_ENB) this.fsbWrite(n);
    } else if (cfg & TN_INT_TYPE) {
      // §1.4: level mode latches the status bit even with INT_ENB = 0; the line follows it.
      s.isr = (s.isr | bit(n)) >>> 0;
      this.sync(n);
    } else if (cfg & TN_INT_ENB) {
      const pin = this.currentRoute(n);
      if (pin >= 0) this.pulsePin(pin);
    }
  }

  /** QEMU update_irq(timer, set): status bit and line operations on the route computed now. */
  private qemuUpdateIrq(n: number, set: boolean): void {
    const s = this.st;
    const cfg = s.timers[n]!.config;
    const route = this.currentRoute(n);
    const b = bit(n);
    if (!set || !(cfg & TN_INT_ENB) || !(s.genConf & GEN_ENABLE)) {
      s.isr = (s.isr & ~b) >>> 0;
      if (!(cfg & TN_FSB_EN)) this.lineLower(n, route);
    } else if (cfg & TN_FSB_EN) {
      this.fsbWrite(n);
    } else if (cfg & TN_INT_TYPE) {
      s.isr = (s.isr | b) >>> 0;
      this.lineRaise(n, route);
    } else {
      s.isr = (s.isr & ~b) >>> 0;
      if (route >= 0) this.pulsePin(route);
    }
  }

  private fsbWrite(n: number): void {
    const t = this.st.timers[n]!;
    if (this.tracer.on) this.tracer.emit(hpetEvents.hpet_fsb_write, n, t.fsbHi, t.fsbLo);
    this.bus.write32(t.fsbHi, t.fsbLo);
  }

  // ---- lines --------------------------------------------------------------------------------

  /** The pin timer n drives now: legacy replacement (§1.3) for timers 0/1, else its route; -1 if unrouted. */
  private currentRoute(n: number): number {
    if (n <= 1 && this.st.genConf & GEN_LEG_RT) return n === 0 ? this.options.legacyIrq0Pin : RTC_PIN;
    const t = this.st.timers[n]!;
    return t.routed ? (t.config & TN_INT_ROUTE) >>> TN_INT_ROUTE_SHIFT : -1;
  }

  /** `follow-state`: timer n asserts its pin exactly while its status is set and it may interrupt. */
  private sync(n: number): void {
    const s = this.st;
    const cfg = s.timers[n]!.config;
    const want =
      (s.isr >>> n) & 1 && cfg & TN_INT_TYPE && cfg & TN_INT_ENB && s.genConf & GEN_ENABLE && !(cfg & TN_FSB_EN) ? this.currentRoute(n) : -1;
    this.assertAt(n, want);
  }

  /** Moves timer n's drive to `pin` (-1: none). */
  private assertAt(n: number, pin: number): void {
    const old = this.assertPin[n]!;
    if (old === pin) return;
    this.assertPin[n] = pin;
    if (this.wiredOr) {
      const b = bit(n);
      if (old >= 0) {
        this.pinTimers[old] = this.pinTimers[old]! & ~b;
        this.updatePin(old);
      }
      if (pin >= 0) {
        this.pinTimers[pin] = this.pinTimers[pin]! | b;
        this.updatePin(pin);
      }
      return;
    }
    if (old >= 0) this.irqs[old]!.lower();
    if (pin >= 0) this.irqs[pin]!.raise();
  }

  /** `qemu-7.2` raise: per-timer, the route's line; wired OR, this timer's drive moves there. */
  private lineRaise(n: number, route: number): void {
    if (this.wiredOr) this.assertAt(n, route);
    else if (route >= 0) this.irqs[route]!.raise();
  }

  /** `qemu-7.2` lower: per-timer, the route computed now (QEMU's stuck-line behaviour); wired OR, this timer's drive. */
  private lineLower(n: number, route: number): void {
    if (this.wiredOr) this.assertAt(n, -1);
    else if (route >= 0) this.irqs[route]!.lower();
  }

  /** An edge: on a wired-OR pin some other source holds high it is invisible. */
  private pulsePin(pin: number): void {
    if (this.wiredOr && (this.pinTimers[pin] !== 0 || this.pinLegacy[pin] !== 0)) return;
    this.irqs[pin]!.pulse();
  }

  private updatePin(pin: number): void {
    this.irqs[pin]!.set(this.pinTimers[pin] !== 0 || this.pinLegacy[pin] !== 0);
  }

  /** Drives a legacy pass-through source (bit 1 << which) on `pin`. */
  private legacyDrive(pin: number, which: number, level: boolean): void {
    if (!this.wiredOr) {
      this.irqs[pin]!.set(level);
      return;
    }
    const b = 1 << which;
    this.pinLegacy[pin] = level ? this.pinLegacy[pin]! | b : this.pinLegacy[pin]! & ~b;
    this.updatePin(pin);
  }

  /** `follow-state`: the PIT and RTC pass through to IRQ0/IRQ8 unless legacy routing blocks them (§1.3). */
  private updateLegacy(): void {
    const s = this.st;
    const open = !(s.genConf & GEN_LEG_RT);
    this.legacyDrive(this.options.legacyIrq0Pin, LEGACY_PIT, open && s.pitLevel);
    this.legacyDrive(RTC_PIN, LEGACY_RTC, open && s.rtcLevel);
  }

  private onLegacyInput(input: number, level: boolean): void {
    const s = this.st;
    if (input === LEGACY_PIT) s.pitLevel = level;
    else if (input === LEGACY_RTC) s.rtcLevel = level;
    else throw new RangeError(`${this.name} has no legacy input ${input}`);
    if (!this.qemuLines) {
      this.updateLegacy();
      return;
    }
    // QEMU hpet_handle_legacy_irq: passed through outside legacy mode, on every call.
    if (s.genConf & GEN_LEG_RT) return;
    if (input === LEGACY_PIT) this.legacyDrive(this.options.legacyIrq0Pin, LEGACY_PIT, level);
    else this.legacyDrive(RTC_PIN, LEGACY_RTC, level);
  }

  // ---- snapshot -----------------------------------------------------------------------------

  snapshot(): HpetSnapshot {
    const s = this.st;
    return {
      version: 1,
      state: { ...s, timers: s.timers.map((t) => ({ ...t })) },
      deadlines: this.timers.map((t) => t.expires ?? null),
      armedTicks: Array.from(this.armedTick),
      assertPins: Array.from(this.assertPin),
      lineLevels: this.irqs.map((l) => l.level),
    };
  }

  /** Restores a snapshot of an HPET built with the same properties; cancels and re-arms the timers. */
  restore(snap: HpetSnapshot): void {
    if (snap.version !== 1 || snap.state.timers.length !== this.numTimers) throw new HpetConfigError(`${this.name}: snapshot does not fit this HPET`);
    const s = this.st;
    Object.assign(s, { ...snap.state, timers: s.timers });
    snap.state.timers.forEach((t, n) => Object.assign(s.timers[n]!, t));
    if (s.genConf & GEN_ENABLE) this.tickLimit = ticksAt(Number.MAX_SAFE_INTEGER - s.enableNs, this.periodFs);
    for (let n = 0; n < this.numTimers; n++) {
      const d = snap.deadlines[n];
      if (d === null || d === undefined) this.timers[n]!.del();
      else this.timers[n]!.mod(d);
      this.armedTick[n] = snap.armedTicks[n] ?? 0;
      this.assertPin[n] = snap.assertPins[n] ?? -1;
      this.traceIntEnb(n);
    }
    this.pinTimers.fill(0);
    for (let n = 0; n < this.numTimers; n++) {
      const p = this.assertPin[n]!;
      if (p >= 0) this.pinTimers[p] = this.pinTimers[p]! | bit(n);
    }
    this.pinLegacy.fill(0);
    if (!(s.genConf & GEN_LEG_RT)) {
      if (s.pitLevel) this.pinLegacy[this.options.legacyIrq0Pin] = 1 << LEGACY_PIT;
      if (s.rtcLevel) this.pinLegacy[RTC_PIN] = this.pinLegacy[RTC_PIN]! | (1 << LEGACY_RTC);
    }
    this.irqs.forEach((l, p) => l.set(snap.lineLevels[p] ?? false));
    this.pitEnable.set(!(s.genConf & GEN_LEG_RT));
  }
}
