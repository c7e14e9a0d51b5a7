/**
 * MediaTek general-purpose timer (GPT, compatible "mediatek,mt6577-timer"; on mt8173 at
 * 0x10008000, GIC SPI 144): six up-counting 32-bit timers with a compare register each, clocked
 * from the 13 MHz system clock or the 32 kHz RTC clock through a divider, and one interrupt line
 * for all of them.
 *
 * Sources: the register layout and field meanings the Linux driver programs
 * (drivers/clocksource/timer-mediatek.c, formerly mtk_timer.c: GPT_IRQ_EN/ACK, GPT_CTRL_*
 * modes, GPT_CLK_*, GPT_CNT/GPT_CMP); the status register at 0x04 and the divider encodings
 * follow MediaTek's vendor `mt_gpt` headers. The ARM generic timer is what mt8173 Linux ticks
 * on; vplat does not model it (its CPUs have no system registers or PPIs), so the board ticks
 * on this memory-mapped timer, which the kernel reaches with readl/writel like any device.
 *
 * Behaviour: the counter is derived from virtual time (never ticked): it counts edges of the
 * selected clock divided by CLKDIV while ENABLE is set. When it reaches CMP:
 * - ONESHOT (0): the timer's IRQ_STA bit is set and the counter stops at CMP;
 * - REPEAT (1): IRQ_STA is set and the counter restarts from 0 (period = CMP ticks);
 * - KEEP_GO (2): IRQ_STA is set and the counter keeps counting (again after 2^32 ticks);
 * - FREERUN (3): no compare interrupt; the counter wraps at 2^32.
 * Writing CTRL with CLEAR resets the counter to 0 (CLEAR reads 0). IRQ_STA bits are cleared by
 * writing 1s to IRQ_ACK; the output line is high while IRQ_STA & IRQ_EN ≠ 0 (level).
 *
 * MODEL: a compare value of 0 in REPEAT or ONESHOT mode matches only after the counter wraps
 * (2^32 ticks); the hardware's behaviour there is undocumented. The divider's phase is the
 * moment the timer was last started or cleared.
 *
 * Not modelled: timer 6's 64-bit extension (CNT_H/CMP_H), the GPT's clock gating, the SYST
 * system timer of later SoCs.
 */
import { Region, type MmioOps } from "../../sim/bus.js";
import type { Clock, Timer } from "../../sim/clock.js";
import { IrqLine } from "../../sim/irq.js";
import { bank, reg32, RegisterMap, ro, rw, wo } from "../../sim/regs.js";
import { defineEvents, ev, type Tracer } from "../../sim/trace.js";
import { events as simEvents } from "../../sim/trace-events.js";

export const gptEvents = defineEvents("gpt", {
  gpt_write: ev<[device: string, offset: number, value: number]>("instant", ["device", "offset:x", "value:x"], { track: "device" }),
  /** Timer `timer` (1..6) reached its compare value. */
  gpt_match: ev<[device: string, timer: number]>("instant", ["device", "timer"], { track: "device" }),
});

/** Global registers. */
export const GPT = {
  GPT_IRQ_EN: reg32("GPT_IRQ_EN", 0x00, { EN: rw(0, 6) }),
  /** Which timers reached their compare value (vendor `GPT_IRQSTA`). */
  GPT_IRQ_STA: reg32("GPT_IRQ_STA", 0x04, { STA: ro(0, 6) }),
  /** Write 1s to clear IRQ_STA bits. */
  GPT_IRQ_ACK: reg32("GPT_IRQ_ACK", 0x08, { ACK: wo(0, 6) }),
} as const;

/** Timer n (1..6) at 0x10·n: GPT_CTRL_REG(n), GPT_CLK_REG(n), GPT_CNT_REG(n), GPT_CMP_REG(n). */
export const GPT_TIMER = bank("GPT", 0x10, 0x10, 6, {
  CTRL: reg32("GPT_CTRL", 0x0, { ENABLE: rw(0), CLEAR: wo(1), OP: rw(4, 2) }),
  CLK: reg32("GPT_CLK", 0x4, { CLKDIV: rw(0, 4), CLKSRC: rw(4) }),
  CNT: reg32("GPT_CNT", 0x8, { CNT: ro(0, 32) }),
  CMP: reg32("GPT_CMP", 0xc, { CMP: rw(0, 32) }),
});

export const GPT_CTRL_OP_ONESHOT = 0;
export const GPT_CTRL_OP_REPEAT = 1;
export const GPT_CTRL_OP_KEEPGO = 2;
export const GPT_CTRL_OP_FREERUN = 3;

/** CLKDIV encodings (vendor GPT_CLK_DIV_*): 0..12 divide by n + 1, then 16, 32, 64. */
const DIVIDERS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 32, 64] as const;

const TWO32 = 0x1_0000_0000;

export interface MtkGptProps {
  readonly clock: Clock;
  readonly tracer: Tracer;
  /** MMIO base (mt8173: 0x10008000). */
  readonly base: number;
  readonly name?: string;
  /** CLKSRC 0: the system clock (default 13 MHz). */
  readonly sysHz?: number;
  /** CLKSRC 1: the RTC clock (default 32 768 Hz). */
  readonly rtcHz?: number;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** A clock of `hz` as the reduced ratio num/den of edges per nanosecond, with exact conversions. */
class Rate {
  readonly num: number;
  readonly den: number;
  constructor(readonly hz: number) {
    const g = gcd(hz, 1_000_000_000);
    this.num = hz / g;
    this.den = 1_000_000_000 / g;
  }
  /** Edges in [0, t]: floor(t · num / den), exact. */
  edgesAt(t: number): number {
    const q = Math.floor(t / this.den);
    return q * this.num + Math.floor(((t - q * this.den) * this.num) / this.den);
  }
  /** The first nanosecond by which `k` edges have happened: ceil(k · den / num), exact. */
  timeOfEdge(k: number): number {
    const q = Math.floor(k / this.num);
    return q * this.den + Math.ceil(((k - q * this.num) * this.den) / this.num);
  }
}

class GptTimer {
  ctrl = 0;
  clk = 0;
  cmp = 0;
  /** Counter value at `startEdge` (source-clock edges) when running; the held value when stopped. */
  count = 0;
  startEdge = 0;
  running = false;
  readonly timer: Timer;
  constructor(
    readonly n: number,
    clock: Clock,
    onMatch: (t: GptTimer) => void,
    name: string,
  ) {
    this.timer = clock.newTimer(`${name}.t${n}`, () => onMatch(this));
  }
  get op(): number {
    return GPT_TIMER.regs.CTRL.f.OP.get(this.ctrl);
  }
  get div(): number {
    return DIVIDERS[GPT_TIMER.regs.CLK.f.CLKDIV.get(this.clk)]!;
  }
}

export class MtkGpt implements MmioOps {
  readonly name: string;
  readonly base: number;
  readonly region: Region;
  /** Level interrupt output. */
  readonly irq: IrqLine;
  private readonly clock: Clock;
  private readonly tracer: Tracer;
  private readonly map = new RegisterMap(0x1000, Object.values(GPT), [GPT_TIMER]);
  private readonly sys: Rate;
  private readonly rtc: Rate;
  private readonly timers: GptTimer[] = [];
  private irqEn = 0;
  private irqSta = 0;
  /** Compare matches seen (for statistics). */
  matches = 0;

  constructor(props: MtkGptProps) {
    this.clock = props.clock;
    this.tracer = props.tracer;
    this.name = props.name ?? "gpt";
    this.base = props.base;
    const sysHz = props.sysHz ?? 13_000_000;
    const rtcHz = props.rtcHz ?? 32_768;
    for (const [what, hz] of [["sysHz", sysHz], ["rtcHz", rtcHz]] as const) {
      if (!Number.isSafeInteger(hz) || hz <= 0 || hz > 1_000_000_000) throw new RangeError(`GPT ${what} must be an integer 1..1e9 Hz, got ${hz}`);
    }
    this.sys = new Rate(sysHz);
    this.rtc = new Rate(rtcHz);
    for (let n = 1; n <= 6; n++) this.timers.push(new GptTimer(n, this.clock, (t) => this.onMatch(t), this.name));
    this.region = new Region(this.name, props.base, 0x1000, this, { sizes: [4] });
    this.irq = new IrqLine(`${this.name}.irq`, this.tracer);
  }

  private rate(t: GptTimer): Rate {
    return GPT_TIMER.regs.CLK.f.CLKSRC.get(t.clk) === 0 ? this.sys : this.rtc;
  }

  /** The counter of `t` now. */
  private counter(t: GptTimer): number {
    if (!t.running) return t.count;
    const edges = this.rate(t).edgesAt(this.clock.now) - t.startEdge;
    return (t.count + Math.floor(edges / t.div)) % TWO32;
  }

  /** Freezes the counter at its current value. */
  private stop(t: GptTimer): void {
    t.count = this.counter(t);
    t.running = false;
    t.timer.del();
  }

  /** (Re)starts counting from value `count` at the current time and arms the compare match. */
  private start(t: GptTimer, count: number): void {
    t.count = count >>> 0;
    t.startEdge = this.rate(t).edgesAt(this.clock.now);
    t.running = true;
    this.arm(t);
  }

  private arm(t: GptTimer): void {
    if (!t.running || t.op === GPT_CTRL_OP_FREERUN) {
      t.timer.del();
      return;
    }
    // Ticks until the counter reaches CMP from `count` (a full wrap when already there).
    let ticks = (t.cmp - t.count + TWO32) % TWO32;
    if (ticks === 0) ticks = TWO32;
    t.timer.mod(this.rate(t).timeOfEdge(t.startEdge + ticks * t.div));
  }

  private onMatch(t: GptTimer): void {
    this.matches++;
    if (this.tracer.on) this.tracer.emit(gptEvents.gpt_match, this.name, t.n);
    this.irqSta |= 1 << (t.n - 1);
    const matchEdge = this.rate(t).edgesAt(this.clock.now);
    switch (t.op) {
      case GPT_CTRL_OP_ONESHOT:
        t.count = t.cmp;
        t.running = false;
        break;
      case GPT_CTRL_OP_REPEAT:
        t.count = 0;
        t.startEdge = matchEdge;
        this.arm(t);
        break;
      case GPT_CTRL_OP_KEEPGO:
        t.count = t.cmp;
        t.startEdge = matchEdge;
        this.arm(t);
        break;
      default:
        break;
    }
    this.updateIrq();
  }

  private updateIrq(): void {
    this.irq.set((this.irqSta & this.irqEn) !== 0);
  }

  read(offset: number): number {
    const d = this.map.decode(offset);
    if (d === undefined || d.byte !== 0) {
      this.guestError(`read of unknown register at +0x${offset.toString(16)}`);
      return 0;
    }
    if (d.instance < 0) {
      switch (d.reg) {
        case GPT.GPT_IRQ_EN:
          return this.irqEn;
        case GPT.GPT_IRQ_STA:
          return this.irqSta;
        default:
          return 0; // GPT_IRQ_ACK is write-only
      }
    }
    const t = this.timers[d.instance]!;
    switch (d.reg) {
      case GPT_TIMER.regs.CTRL:
        return GPT_TIMER.regs.CTRL.read(t.ctrl);
      case GPT_TIMER.regs.CLK:
        return t.clk;
      case GPT_TIMER.regs.CNT:
        return this.counter(t);
      case GPT_TIMER.regs.CMP:
        return t.cmp;
      default:
        return 0;
    }
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    value >>>= 0;
    if (this.tracer.on) this.tracer.emit(gptEvents.gpt_write, this.name, offset, value);
    const d = this.map.decode(offset);
    if (d === undefined || d.byte !== 0) {
      this.guestError(`write of 0x${value.toString(16)} to unknown register at +0x${offset.toString(16)}`);
      return;
    }
    if (d.instance < 0) {
      switch (d.reg) {
        case GPT.GPT_IRQ_EN:
          this.irqEn = GPT.GPT_IRQ_EN.applyWrite(this.irqEn, value);
          break;
        case GPT.GPT_IRQ_ACK:
          this.irqSta &= ~value & 0x3f;
          break;
        default:
          this.guestError(`write of 0x${value.toString(16)} to read-only GPT_IRQ_STA`);
          return;
      }
      this.updateIrq();
      return;
    }
    const t = this.timers[d.instance]!;
    const regs = GPT_TIMER.regs;
    switch (d.reg) {
      case regs.CTRL: {
        const { ENABLE, CLEAR } = regs.CTRL.f;
        const count = CLEAR.get(value) ? 0 : this.counter(t);
        this.stop(t);
        t.ctrl = regs.CTRL.applyWrite(t.ctrl, value);
        if (ENABLE.get(t.ctrl)) this.start(t, count);
        else t.count = count;
        return;
      }
      case regs.CLK: {
        const running = t.running;
        this.stop(t);
        t.clk = regs.CLK.applyWrite(t.clk, value);
        if (running) this.start(t, t.count);
        return;
      }
      case regs.CMP:
        t.cmp = value;
        if (t.running) {
          // Re-base so the match is computed from the counter as it is now.
          this.start(t, this.counter(t));
        }
        return;
      default:
        this.guestError(`write of 0x${value.toString(16)} to read-only GPT_CNT of timer ${t.n}`);
        return;
    }
  }

  private guestError(message: string): void {
    if (this.tracer.on) this.tracer.emit(simEvents.guest_error, this.name, message);
  }
}
