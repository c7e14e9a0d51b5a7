/**
 * Seeded random register programs for the differential suite, as hpet_oracle.py scenarios.
 *
 * A program is built op by op against an in-process `vplat qtest` machine (qemu-7.2 profile)
 * that plays the same ops, so comparator values can be chosen relative to the live counter
 * (behind it, on it, just ahead, across a 32-bit wrap). The machine is only a guide for the
 * choice of values: the suite compares the real traces of QEMU and vplat.
 *
 * The programs stay inside what QEMU 7.2 can run in reasonable time and range, and away from
 * what vplat deliberately does not copy:
 * - never the ghost timer slot (index == number of timers, an off-by-one in QEMU 7.2);
 * - periodic increments of at least MIN_PERIOD ticks and below 2^31, and no comparator high
 *   write that would leave a 32-bit periodic increment of zero (QEMU's accumulator loop would
 *   spin for seconds or forever);
 * - 64-bit comparators and counters within a few 2^32 of each other (QEMU arms deadlines up to
 *   2^63 ns that vplat's 2^53 ns clock cannot reach);
 * - FSB addresses in RAM only.
 */
import { Prng } from "../../src/sim/prng.js";
import { QtestServer } from "../../src/tools/qtest.js";

export type Op =
  | { op: "write8" | "write16" | "write32" | "write64"; off: string; val: string; label?: string }
  | { op: "read8" | "read16" | "read32" | "read64"; off: string }
  | { op: "mem_read32"; addr: string }
  | { op: "step"; ns: number }
  | { op: "set"; ns: number }
  | { op: "next" }
  | { op: "run"; irqs: number; max_ns: number };

export interface Scenario {
  readonly description: string;
  readonly machine: "pc" | "q35";
  readonly pit: false;
  readonly timers: number;
  readonly msi: boolean;
  readonly ops: Op[];
}

const BASE = 0xfed0_0000;
/** Smallest periodic increment written (200 µs at 100 MHz). */
export const MIN_PERIOD = 20_000;
const TYPE = 1 << 3;
const VAL_SET = 1 << 6;
const MODE32 = 1 << 8;

const hex = (v: number | bigint): string => `0x${v.toString(16)}`;

class Builder {
  readonly ops: Op[] = [];
  readonly qt: QtestServer;
  private readonly fsbAddrs: number[] = [];

  constructor(
    private readonly rng: Prng,
    readonly machine: "pc" | "q35",
    readonly timers: number,
    readonly msi: boolean,
  ) {
    this.qt = new QtestServer({ machine, profile: "qemu-7.2", timers, msi });
    this.qt.feed("irq_intercept_in ioapic\n");
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[this.rng.int(0, xs.length - 1)]!;
  }

  /** Mostly timers 0 and 1, so that configurations, comparators and time meet. */
  private timer(): number {
    return this.rng.chance(0.7) ? this.rng.int(0, 1) : this.rng.int(0, this.timers - 1);
  }

  private state() {
    return this.qt.hpet.snapshot().state;
  }

  private counter(): bigint {
    return this.qt.hpet.counter();
  }

  /** Plays one op on the guide machine the way hpet_oracle.py sends it. */
  private play(op: Op): void {
    this.ops.push(op);
    switch (op.op) {
      case "write8":
      case "write16":
      case "write32":
      case "write64": {
        const cmd = { write8: "writeb", write16: "writew", write32: "writel", write64: "writeq" }[op.op];
        this.qt.feed(`${cmd} ${hex(BASE + Number(op.off))} ${op.val}\n`);
        return;
      }
      case "read8":
      case "read16":
      case "read32":
      case "read64": {
        const cmd = { read8: "readb", read16: "readw", read32: "readl", read64: "readq" }[op.op];
        this.qt.feed(`${cmd} ${hex(BASE + Number(op.off))}\n`);
        return;
      }
      case "mem_read32":
        this.qt.feed(`readl ${op.addr}\n`);
        return;
      case "step":
        this.qt.feed(`clock_step ${op.ns}\n`);
        return;
      case "set":
        this.qt.feed(`clock_set ${op.ns}\n`);
        return;
      case "next":
        this.qt.feed("clock_step\n");
        return;
      case "run": {
        const t0 = this.qt.clock.now;
        let raised = 0;
        while (raised < op.irqs && this.qt.clock.now - t0 < op.max_ns) {
          const before = this.qt.clock.now;
          const out = this.qt.feed("clock_step\n");
          raised += out.split("\n").filter((l) => l.startsWith("IRQ raise")).length;
          if (this.qt.clock.now === before && !out.includes("IRQ")) break;
        }
        return;
      }
    }
  }

  w32(off: number, val: number, label?: string): void {
    this.play({ op: "write32", off: hex(off), val: hex(val >>> 0), ...(label === undefined ? {} : { label }) });
  }

  /** A 32-bit value relative to the counter's low half. */
  private relative(): number {
    const lo = Number(this.counter() & 0xffff_ffffn);
    const delta = this.pick([
      () => this.rng.int(1, 300),
      () => this.rng.int(1, 300),
      () => this.rng.int(300, 50_000),
      () => this.rng.int(300, 50_000),
      () => this.rng.int(50_000, 3_000_000),
      () => 0,
      () => -this.rng.int(1, 100_000),
      () => -this.rng.int(0x7fff_0000, 0x8000_0000),
      () => this.rng.int(0x7fff_0000, 0x8000_0001),
      () => this.rng.int(0, 0xffff_ffff) - lo,
    ])();
    return (lo + delta) >>> 0;
  }

  /** A periodic increment (and, with VAL_SET, a comparator) QEMU can run: [MIN_PERIOD, 2^31). */
  private periodValue(): number {
    const rel = this.relative() & 0x7fff_ffff;
    if (rel >= MIN_PERIOD && this.rng.chance(0.5)) return rel;
    return this.pick([100_000, 50_000, MIN_PERIOD, 123_457, 1_000_000, this.rng.int(MIN_PERIOD, 2_000_000)]);
  }

  private cmpHighValue(): number {
    const hi = Number(this.counter() >> 32n);
    return (hi + this.pick([0, 0, 0, 1, 2, -1])) >>> 0;
  }

  writeComparator(): void {
    const n = this.timer();
    const off = 0x108 + 0x20 * n;
    const cfg = this.state().timers[n]!.config;
    const periodic = (cfg & TYPE) !== 0;
    const valSet = (cfg & VAL_SET) !== 0;
    const is32 = (cfg & MODE32) !== 0;
    // A high half that lands in the increment (periodic, VAL_SET used up) stays small: an
    // increment of 2^63 or more makes QEMU's accumulator loop count down through 2^63.
    const periodHigh = (): number => this.pick([0, 0, 1]);
    const kind = this.rng.int(0, 9);
    if (kind < 6) {
      this.w32(off, periodic ? this.periodValue() : this.relative());
    } else if (kind < 8) {
      // In 32-bit periodic mode without VAL_SET the high half goes to the increment's high half,
      // which QEMU counts as "period != 0" while adding only the low half: with a zero low half
      // its loop never ends. Write the low half there instead.
      if (periodic && is32 && !valSet) this.w32(off, this.periodValue());
      else this.w32(off + 4, periodic && !valSet ? periodHigh() : this.cmpHighValue());
    } else {
      const lo = periodic ? this.periodValue() : this.relative();
      const hi = periodic ? periodHigh() : this.cmpHighValue();
      this.play({ op: "write64", off: hex(off), val: hex((BigInt(hi) << 32n) | BigInt(lo)) });
    }
  }

  writeConfig(): void {
    const n = this.timer();
    const off = 0x100 + 0x20 * n;
    let v = 0;
    if (this.rng.chance(0.5)) v |= 1 << 1; // level
    if (this.rng.chance(0.8)) v |= 1 << 2; // enable
    if (this.rng.chance(0.4)) v |= TYPE;
    if (this.rng.chance(0.4)) v |= VAL_SET;
    if (this.rng.chance(0.5)) v |= MODE32;
    const routes = this.machine === "q35" ? [2, 2, 8, 16, 20, 23, 0, 5] : [2, 2, 2, 0, 5, 8];
    v |= (this.rng.chance(0.1) ? this.rng.int(0, 31) : this.pick(routes)) << 9;
    if (this.rng.chance(0.15)) v |= 1 << 14; // FSB
    if (this.rng.chance(0.1)) v |= this.rng.int(0, 0xffff_ffff) & ~0x7fff; // read-only and reserved bits
    // Read-modify-write as drivers do, sometimes.
    if (this.rng.chance(0.2)) v = this.state().timers[n]!.config | (1 << 2);
    this.w32(off, v);
  }

  writeGenConf(): void {
    let v = this.pick([0, 1, 1, 1, 1, 2, 3, 3]);
    if (this.rng.chance(0.05)) v |= 0xfffffffc;
    this.w32(0x010, v);
  }

  writeCounter(): void {
    const lo = this.pick([0, this.rng.int(0, 0xffff_ffff), 0xffff_ff00, 0xffff_fff0, 0xffff_ffff - this.rng.int(0, 3_000_000), this.rng.int(0, 1_000_000)]);
    if (this.rng.chance(0.3)) this.w32(0x0f4, this.pick([0, 1]));
    if (this.rng.chance(0.2)) this.play({ op: "write64", off: "0x0f0", val: hex((BigInt(this.pick([0, 1])) << 32n) | BigInt(lo)) });
    else this.w32(0x0f0, lo);
  }

  writeStatus(): void {
    this.w32(0x020, this.pick([0xffff_ffff, 1, 2, 4, 0, this.rng.int(0, 0xff), 1 << this.timer()]));
  }

  writeFsb(): void {
    const n = this.timer();
    const off = 0x110 + 0x20 * n;
    if (this.rng.chance(0.5)) this.w32(off, this.rng.int(0, 0xffff_ffff));
    else {
      const addr = this.rng.int(0x400, 0x23ff) * 4; // RAM 0x1000–0x8ffc
      this.fsbAddrs.push(addr);
      this.w32(off + 4, addr);
    }
  }

  read(): void {
    const n = this.timer();
    const offs = [0x000, 0x004, 0x008, 0x010, 0x014, 0x020, 0x024, 0x0f0, 0x0f4, 0x0f8, 0x100 + 0x20 * n, 0x104 + 0x20 * n, 0x108 + 0x20 * n, 0x10c + 0x20 * n, 0x110 + 0x20 * n, 0x114 + 0x20 * n, 0x118 + 0x20 * n];
    // Timers past the last one (but never the ghost slot right after it) read 0.
    if (this.timers + 1 < 24) offs.push(0x100 + 0x20 * this.rng.int(this.timers + 1, 23) + this.pick([0, 8]));
    const off = this.pick(offs);
    if (this.rng.chance(0.35) && (off & 7) === 0) this.play({ op: "read64", off: hex(off) });
    else this.play({ op: "read32", off: hex(off) });
  }

  oddAccess(): void {
    const n = this.timer();
    const off = this.pick([0x000, 0x001, 0x002, 0x010, 0x020, 0x0f0, 0x0f1, 0x0f2, 0x100 + 0x20 * n, 0x108 + 0x20 * n + this.rng.int(0, 3)]);
    switch (this.rng.int(0, 5)) {
      case 0:
        this.play({ op: "read8", off: hex(off) });
        return;
      case 1:
        this.play({ op: "read16", off: hex(off & ~1) });
        return;
      case 2:
        this.play({ op: "write8", off: hex(off), val: hex(this.rng.int(0, 0xff)) });
        return;
      case 3:
        this.play({ op: "write16", off: hex(off & ~1), val: hex(this.rng.int(0, 0xffff)) });
        return;
      case 4:
        this.play({ op: "read32", off: hex(off | this.rng.int(1, 3)) });
        return;
      default:
        // A 64-bit access at a 4-aligned offset: two halves of two registers.
        this.play({ op: "read64", off: hex(this.pick([0x004, 0x00c, 0x0f4, 0x104 + 0x20 * n, 0x10c + 0x20 * n])) });
    }
  }

  memRead(): void {
    if (this.fsbAddrs.length === 0) return;
    this.play({ op: "mem_read32", addr: hex(this.pick(this.fsbAddrs)) });
  }

  time(): void {
    switch (this.rng.int(0, 9)) {
      case 0:
      case 1:
        this.play({ op: "step", ns: this.rng.int(1, 100) });
        return;
      case 2:
      case 3:
        this.play({ op: "step", ns: this.rng.int(100, this.pick([20_000, 500_000, 3_000_000])) });
        return;
      case 4:
      case 5:
      case 6:
        this.play({ op: "next" });
        return;
      case 7:
      case 8:
        this.play({ op: "run", irqs: this.rng.int(1, 3), max_ns: this.rng.int(10_000, 10_000_000) });
        return;
      default:
        this.play({ op: "set", ns: this.qt.clock.now + this.rng.int(0, 2_000_000) });
    }
  }
}

/** Program `index` of the run seeded with `seed`. */
export function randomProgram(seed: number, index: number): Scenario {
  const rng = new Prng((BigInt(seed) << 20n) + BigInt(index));
  const machine = rng.chance(0.25) ? "q35" : "pc";
  const timers = rng.chance(0.6) ? 3 : rng.int(4, 8);
  const msi = rng.chance(0.3);
  const b = new Builder(rng, machine, timers, msi);
  const length = rng.int(20, 60);
  // A typical start: a timer configured and the counter running, so most programs see interrupts.
  if (rng.chance(0.85)) {
    b.writeConfig();
    b.writeComparator();
    b.writeGenConf();
  }
  const actions: readonly (() => void)[] = [
    () => b.writeConfig(),
    () => b.writeConfig(),
    () => b.writeComparator(),
    () => b.writeComparator(),
    () => b.writeComparator(),
    () => b.writeGenConf(),
    () => (rng.chance(0.5) ? b.writeCounter() : b.writeGenConf()),
    () => b.writeStatus(),
    () => b.writeFsb(),
    () => b.read(),
    () => b.read(),
    () => b.read(),
    () => b.oddAccess(),
    () => b.memRead(),
    () => b.time(),
    () => b.time(),
    () => b.time(),
    () => b.time(),
    () => b.time(),
  ];
  while (b.ops.length < length) actions[rng.int(0, actions.length - 1)]!();
  return {
    description: `random program ${index} of seed ${seed} (${machine}, ${timers} timers, msi ${msi ? "on" : "off"})`,
    machine,
    pit: false,
    timers,
    msi,
    ops: b.ops,
  };
}
