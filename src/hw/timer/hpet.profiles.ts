/**
 * HPET behaviour profiles. Where QEMU 7.2.22's hw/timer/hpet.c does not do what the IA-PC HPET
 * 1.0a specification (and Intel's datasheets) describe, the difference is a named option; a
 * profile is one value for every option plus the instance defaults (period, capabilities).
 *
 * - `spec` (the default): the hardware, per ../shared/spec/hpet-clockevents.md §1.
 * - `qemu-7.2`: exactly what QEMU 7.2.22 does, per ../shared/tools/qemu-hpet/README.md and its
 *   scenario traces; checked register by register by the differential suite (test/qemu/).
 *
 * `HPET_DIVERGENCES` is the divergence table (docs/hpet.md prints the same rows).
 */

/** Every behaviour in which the two profiles differ. */
export interface HpetOptions {
  /**
   * When a comparator matches.
   * - `equality`: whenever the counter steps onto the comparator value (§1.7): a value already
   *   passed fires after the counter wraps round to it, and a one-shot timer fires again at every
   *   later equality. Timers run while the counter runs, enabled or not.
   * - `qemu-7.2`: on arming, the signed difference comparator − counter (32 or 64 bits) gives the
   *   delay, and a difference ≤ 0 fires one tick later; a one-shot fires once per arming; the
   *   counter enable arms every timer whose comparator is not all ones, comparator writes re-arm
   *   disabled timers, INT_ENB 0→1 arms and 1→0 disarms; the delay counts from the access, not
   *   from the tick edge.
   */
  readonly comparatorMatch: "equality" | "qemu-7.2";
  /**
   * How a periodic timer's comparator advances when it fires.
   * - `add-on-match`: by the period while the comparator is not ahead of the counter: once per
   *   match, one interrupt per period.
   * - `qemu-7.2`: only while the counter is strictly past it, so at the match it stays and the
   *   timer fires again one tick later: two interrupts per period (needs `comparatorMatch: qemu-7.2`).
   */
  readonly periodicAccumulator: "add-on-match" | "qemu-7.2";
  /**
   * The extra interrupt of a 32-bit one-shot timer when the counter wraps (spec §2.3.9.2.1;
   * Intel C2000 datasheet §28.4.1).
   * - `on-rollover`: every time the counter's low 32 bits roll over to 0 (needs `equality`).
   * - `qemu-7.2`: at low 32 bits = 0xffffffff, one tick early, and only when the wrap comes
   *   before the match at arming time (needs `comparatorMatch: qemu-7.2`).
   * - `off`: none.
   */
  readonly oneShot32Wrap: "on-rollover" | "qemu-7.2" | "off";
  /**
   * What a comparator write does to the accumulator and the period (§1.8).
   * - `spec`: every write sets that half of the period ("the value last written"); with
   *   Tn_VAL_SET_CNF or in one-shot mode it also sets that half of the comparator; in 32-bit
   *   mode the high halves are 0 and ignore writes.
   * - `qemu-7.2`: in periodic mode without VAL_SET only the period changes; a high-half write with
   *   VAL_SET sets the comparator only; in 32-bit mode the period keeps 31 bits and the
   *   comparator's high half is stored and reads back.
   */
  readonly comparatorWrite: "spec" | "qemu-7.2";
  /**
   * How status bits and line levels follow the registers.
   * - `follow-state`: a level line is asserted exactly while its status bit is set, the timer
   *   is enabled, the counter runs and the timer is routed (recomputed on every change: route,
   *   type, FSB_EN, LEG_RT_CNF); a disabled level timer still latches its status bit (§1.4);
   *   INT_ENB 1→0 and halting the counter drop the line and keep the status.
   * - `qemu-7.2`: QEMU's update_irq(): an edge fire and a disabled timer's fire clear the status
   *   bit; INT_ENB 1→0 and a counter halt clear status and lower the line; a changed route or
   *   type applies at the next fire; FSB_EN 0→1 lowers the line; toggling LEG_RT_CNF lowers
   *   GSI 0 and 8 (and sets 8 to the RTC's level), so a line raised on another route can stay stuck.
   */
  readonly statusAndLines: "follow-state" | "qemu-7.2";
  /**
   * Several timers routed to one pin.
   * - `wired-or`: the pin is high while any source drives it; an edge on a high pin is invisible.
   * - `per-timer`: each timer raises and lowers the pin itself, so one timer's lower drops a pin
   *   another timer holds (QEMU's qemu_irq).
   */
  readonly sharedLines: "wired-or" | "per-timer";
  /**
   * A Tn_INT_ROUTE_CNF value whose bit is clear in Tn_INT_ROUTE_CAP (§1.6: "the read-back differs
   * from what was written").
   * - `unrouted`: the field reads back 0 and the timer drives no pin until a routable value is
   *   written (the status bit still latches; FSB delivery is unaffected). Route caps may not
   *   advertise input 0 under this option, so 0 always means "unrouted".
   * - `accepted`: every value 0–31 is stored and used; 24–31 reach no IOAPIC input (QEMU).
   */
  readonly routeOutsideCap: "unrouted" | "accepted";
  /** Tn_FSB_EN_CNF writable and FSB delivery working without Tn_FSB_INT_DEL_CAP (QEMU: true). */
  readonly fsbWithoutCap: boolean;
  /**
   * 64-bit accesses.
   * - `native`: one access; a 64-bit comparator write with VAL_SET sets all 64 bits.
   * - `split-32`: two 32-bit accesses, low dword first, each with its own side effects (QEMU).
   */
  readonly access64: "native" | "split-32";
  /**
   * 8-bit, 16-bit and misaligned accesses.
   * - `bus-error`: the region accepts aligned 32- and 64-bit accesses only; anything else is a
   *   bus error (traced by the bus; reads return the bus's float value, writes are dropped).
   * - `read-zero`: accepted by the region and split as QEMU's memory core does; every piece
   *   that is not an aligned 32-bit access reads 0 and drops its write.
   */
  readonly narrowAccess: "bus-error" | "read-zero";
  /**
   * The output carrying ISA IRQ0 (legacy timer 0 and the PIT pass-through): 2, the I/O APIC
   * input of the PCH legacy routing table (§1.3), or 0, QEMU's GSI 0 (its IOAPIC redirects it to pin 2).
   */
  readonly legacyIrq0Pin: 0 | 2;
  /**
   * Counter and deadline arithmetic.
   * - `exact`: counter = value at enable + ticks elapsed, modulo 2^64.
   * - `qemu-u64-ns`: QEMU's offset in 64-bit nanoseconds: a counter whose value × period
   *   overflows 2^64 jumps, and a 64-bit delay whose nanoseconds overflow int64 fires at once.
   */
  readonly timeArithmetic: "exact" | "qemu-u64-ns";
}

export type HpetProfileName = "spec" | "qemu-7.2";

/** One timer's capability bits (Tn_CONF_CAP). */
export interface HpetTimerCaps {
  /** Tn_PER_INT_CAP */
  readonly periodic: boolean;
  /** Tn_SIZE_CAP: 64-bit comparator. */
  readonly size64: boolean;
  /** Tn_FSB_INT_DEL_CAP */
  readonly fsb: boolean;
  /** Tn_INT_ROUTE_CAP: bit k set = may be routed to I/O APIC input k. */
  readonly routeCap: number;
}

export interface HpetProfile {
  readonly name: HpetProfileName;
  readonly options: HpetOptions;
  /** COUNTER_CLK_PERIOD in femtoseconds. */
  readonly periodFs: number;
  readonly timers: number;
  readonly vendorId: number;
  readonly revId: number;
  /** Capabilities of timer n (n < timers). */
  timerCaps(n: number): HpetTimerCaps;
}

/** ICH/PCH: 69 841 279 fs = 14.318 18 MHz (§1.2). */
export const ICH_PERIOD_FS = 69_841_279;
/** QEMU: 10 ns = 100 MHz. */
export const QEMU_PERIOD_FS = 10_000_000;

/** Intel PCH route capabilities (§1.6): timers 0/1 → inputs 20–23, timer 2 adds IRQ11, timer 3 adds IRQ12. */
export function pchRouteCap(n: number): number {
  const base = 0x00f0_0000;
  if (n === 2) return base | (1 << 11);
  if (n === 3) return base | (1 << 12);
  return base;
}

/** QEMU 7.2's per-machine `intcap` (hpet.intcap): pc/i440fx pin 2 only; q35 pins 2, 8, 16–23. */
export const QEMU_INTCAP = { pc: 0x0000_0004, q35: 0x00ff_0104 } as const;

export type QemuMachine = keyof typeof QEMU_INTCAP;

export const SPEC_OPTIONS: HpetOptions = Object.freeze({
  comparatorMatch: "equality",
  periodicAccumulator: "add-on-match",
  oneShot32Wrap: "on-rollover",
  comparatorWrite: "spec",
  statusAndLines: "follow-state",
  sharedLines: "wired-or",
  routeOutsideCap: "unrouted",
  fsbWithoutCap: false,
  access64: "native",
  narrowAccess: "bus-error",
  legacyIrq0Pin: 2,
  timeArithmetic: "exact",
});

export const QEMU_7_2_OPTIONS: HpetOptions = Object.freeze({
  comparatorMatch: "qemu-7.2",
  periodicAccumulator: "qemu-7.2",
  oneShot32Wrap: "qemu-7.2",
  comparatorWrite: "qemu-7.2",
  statusAndLines: "qemu-7.2",
  sharedLines: "per-timer",
  routeOutsideCap: "accepted",
  fsbWithoutCap: true,
  access64: "split-32",
  narrowAccess: "read-zero",
  legacyIrq0Pin: 0,
  timeArithmetic: "qemu-u64-ns",
});

/** The hardware: ICH period, every timer periodic- and 64-bit-capable with FSB delivery, PCH route caps. */
export const SPEC_PROFILE: HpetProfile = Object.freeze({
  name: "spec",
  options: SPEC_OPTIONS,
  periodFs: ICH_PERIOD_FS,
  timers: 3,
  vendorId: 0x8086,
  revId: 1,
  timerCaps: (n: number): HpetTimerCaps => ({ periodic: true, size64: true, fsb: true, routeCap: pchRouteCap(n) }),
});

/**
 * QEMU 7.2.22: 100 MHz, every timer periodic- and 64-bit-capable, no FSB capability (hpet.msi=off),
 * and the `pc` machine's intcap. `qemuProfile(machine, msi)` gives the other variants.
 */
export const QEMU_7_2_PROFILE: HpetProfile = qemuProfile("pc", false);

export function qemuProfile(machine: QemuMachine, msi: boolean): HpetProfile {
  const routeCap = QEMU_INTCAP[machine];
  return Object.freeze({
    name: "qemu-7.2",
    options: QEMU_7_2_OPTIONS,
    periodFs: QEMU_PERIOD_FS,
    timers: 3,
    vendorId: 0x8086,
    revId: 1,
    timerCaps: (): HpetTimerCaps => ({ periodic: true, size64: true, fsb: msi, routeCap }),
  });
}

export function profileByName(name: HpetProfileName): HpetProfile {
  switch (name) {
    case "spec":
      return SPEC_PROFILE;
    case "qemu-7.2":
      return QEMU_7_2_PROFILE;
  }
}

export function isProfileName(name: string): name is HpetProfileName {
  return name === "spec" || name === "qemu-7.2";
}

/** One row of the divergence table. */
export interface HpetDivergence {
  readonly option: keyof HpetOptions | "periodFs" | "timerCaps";
  readonly specReference: string;
  readonly qemu: string;
  readonly ourDefault: string;
}

/** The divergence table: every option, where the spec says otherwise, what QEMU 7.2 does, and the `spec` default. */
export const HPET_DIVERGENCES: readonly HpetDivergence[] = [
  {
    option: "periodFs",
    specReference: "§1.2 COUNTER_CLK_PERIOD (ICH 0x0429B17F)",
    qemu: "10 000 000 fs (100 MHz)",
    ourDefault: "69 841 279 fs (14.318 MHz)",
  },
  {
    option: "timerCaps",
    specReference: "§1.6 Tn_INT_ROUTE_CAP, Tn_FSB_INT_DEL_CAP (PCH: 0x00F00000, +IRQ11/12 for timers 2/3)",
    qemu: "route cap = machine intcap (pc 0x4, q35 0x00ff0104); FSB cap only with hpet.msi=on",
    ourDefault: "PCH route caps; FSB cap on every timer; all timers periodic and 64-bit",
  },
  {
    option: "comparatorMatch",
    specReference: "§1.7 match on equality; a passed value waits for the wrap (2^32 ticks = 299.97 s at 14.318 MHz)",
    qemu: "signed difference ≤ 0 fires one tick later; one-shot fires once per arming; enable arms every timer with a comparator ≠ ~0, enabled or not",
    ourDefault: "equality",
  },
  {
    option: "periodicAccumulator",
    specReference: "§1.7/§1.8 comparator += last value written at each match",
    qemu: "advances only when strictly past: fires at the match and again one tick later (two interrupts per period)",
    ourDefault: "add-on-match",
  },
  {
    option: "oneShot32Wrap",
    specReference: "§1.7; spec §2.3.9.2.1, Intel C2000 §28.4.1: a 32-bit one-shot also interrupts when the counter wraps",
    qemu: "one tick early (low 32 bits = 0xffffffff), once per arming, only if the wrap precedes the match",
    ourDefault: "on-rollover (every 0xffffffff → 0 step)",
  },
  {
    option: "comparatorWrite",
    specReference: "§1.8, Intel C2000 §28.4.1: each write sets the increment; VAL_SET also sets the comparator; §1.9 high halves 0 in 32-bit mode",
    qemu: "periodic writes without VAL_SET set only the period; VAL_SET high write sets the comparator only; 32-bit period keeps 31 bits; high half stored in 32MODE",
    ourDefault: "spec",
  },
  {
    option: "statusAndLines",
    specReference: "§1.4 status latches in level mode even with INT_ENB = 0; §1.3 ENABLE_CNF = 0 blocks interrupts",
    qemu: "edge and disabled fires clear the status; INT_ENB 1→0 and halt clear status; route/type changes apply at the next fire; LEG_RT toggles lower GSI 0/8 (stuck lines possible)",
    ourDefault: "follow-state",
  },
  {
    option: "sharedLines",
    specReference: "§1.4/§1.6 shared level interrupts (PCI-style wired OR)",
    qemu: "per-timer raise/lower: one timer's lower drops a line another holds",
    ourDefault: "wired-or",
  },
  {
    option: "routeOutsideCap",
    specReference: "§1.6 Tn_INT_ROUTE_CNF: an unsupported value reads back differently",
    qemu: "any 0–31 accepted; 24–31 reach nothing",
    ourDefault: "unrouted: reads back 0, no pin is driven",
  },
  {
    option: "fsbWithoutCap",
    specReference: "§1.6 Tn_FSB_EN_CNF is RW only with Tn_FSB_INT_DEL_CAP",
    qemu: "FSB_EN writable and delivered without the capability",
    ourDefault: "false",
  },
  {
    option: "access64",
    specReference: "§1 64-bit registers, 64-bit accesses at 0x?0",
    qemu: "split into two 32-bit accesses, low dword first (a writeq with VAL_SET sets only the low half)",
    ourDefault: "native",
  },
  {
    option: "narrowAccess",
    specReference: "§1 accesses are 32- or 64-bit, aligned",
    qemu: "8/16-bit and misaligned accesses read 0, writes dropped",
    ourDefault: "bus-error",
  },
  {
    option: "legacyIrq0Pin",
    specReference: "§1.3 legacy routing: timer 0 → IRQ0 / I/O APIC input 2",
    qemu: "GSI 0 (the IOAPIC's override maps it to pin 2)",
    ourDefault: "2",
  },
  {
    option: "timeArithmetic",
    specReference: "§1.5 64-bit counter",
    qemu: "64-bit nanosecond offset: counters ≥ 2^64/period jump; int64-overflowing delays fire at once",
    ourDefault: "exact",
  },
];
