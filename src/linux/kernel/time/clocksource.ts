/**
 * Clocksources and timekeeping (kernel/time/clocksource.c, timekeeping.c, jiffies.c).
 *
 * A clocksource is a free-running counter with `mult`/`shift` converting cycles to
 * nanoseconds. The best-rated registered source keeps time: `ktime_get()` reads it and converts
 * the cycles since the last accumulation; the tick accumulates (update_wall_time) so a 32-bit
 * counter's wrap is never missed. Conversion errors are real: a clocksource whose mult is off
 * makes `ktime_get()` drift from true time, as on the machine. Until a real source registers,
 * the jiffies clocksource (rating 1) keeps time in whole ticks, as at early boot.
 */
import { clocks_calc_mult_shift } from "./clockevents.js";
import { NSEC_PER_SEC, pow2 } from "../../include/linux/math64.js";
import { kernel, perKernel } from "../instance.js";
import { printk, KERN_INFO } from "../printk/printk.js";
import { jiffies } from "./timer.js";

export const CLOCK_SOURCE_IS_CONTINUOUS = 0x01;

export interface clocksource {
  readonly name: string;
  rating: number;
  read: (cs: clocksource) => number;
  /** Bit mask of the counter's width (2^32 - 1 for a 32-bit HPET). */
  readonly mask: number;
  mult: number;
  shift: number;
  flags: number;
  resume?: (cs: clocksource) => void;
}

interface Timekeeper {
  cs: clocksource;
  cycle_last: number;
  /** Nanoseconds accumulated up to cycle_last, and the sub-nanosecond remainder << shift. */
  base_ns: number;
  rem: number;
}

const clocksource_jiffies: clocksource = {
  name: "jiffies",
  rating: 1,
  read: () => jiffies(),
  mask: 0xffff_ffff,
  mult: 0, // set per kernel from HZ at first use
  shift: 8,
  flags: 0,
};

const statics = perKernel(() => {
  const jiffiesSource: clocksource = { ...clocksource_jiffies, mult: (NSEC_PER_SEC / kernel().config.HZ) * 2 ** 8 };
  return {
    list: [jiffiesSource] as clocksource[],
    tk: { cs: jiffiesSource, cycle_last: 0, base_ns: 0, rem: 0 } as Timekeeper,
  };
});

/** The counter delta since `last`, modulo the counter width. */
function delta_cycles(cs: clocksource, now: number, last: number): number {
  const d = now - last;
  if (cs.mask >= Number.MAX_SAFE_INTEGER) return d;
  const m = cs.mask + 1;
  return ((d % m) + m) % m;
}

/** Nanoseconds since boot (ktime_get), from the current clocksource. */
export function ktime_get(): number {
  const { tk } = statics();
  const d = delta_cycles(tk.cs, tk.cs.read(tk.cs), tk.cycle_last);
  return tk.base_ns + Math.floor((d * tk.cs.mult + tk.rem) / pow2(tk.cs.shift));
}

/** update_wall_time(): folds the cycles since the last call into the base, keeping the remainder. */
export function update_wall_time(): void {
  const { tk } = statics();
  const now = tk.cs.read(tk.cs);
  const total = delta_cycles(tk.cs, now, tk.cycle_last) * tk.cs.mult + tk.rem;
  const scale = pow2(tk.cs.shift);
  const ns = Math.floor(total / scale);
  tk.base_ns += ns;
  tk.rem = total - ns * scale;
  tk.cycle_last = now;
}

/** Changes the timekeeping source at the current time, without a jump. */
function change_clocksource(cs: clocksource): void {
  const s = statics();
  update_wall_time();
  s.tk.cs = cs;
  s.tk.cycle_last = cs.read(cs);
  s.tk.rem = 0;
  printk(`${KERN_INFO}clocksource: Switched to clocksource ${cs.name}`);
}

/** clocksource_register(): a source with mult/shift set; the best rating keeps time. */
export function clocksource_register(cs: clocksource): number {
  const s = statics();
  s.list.push(cs);
  s.list.sort((a, b) => b.rating - a.rating);
  if (s.list[0] === cs && s.tk.cs !== cs) change_clocksource(cs);
  return 0;
}

/**
 * clocksource_register_hz(): computes mult/shift for `hz` as mainline does (maxsec = mask/freq,
 * capped at 600 s for counters wider than 32 bits), then registers.
 */
export function clocksource_register_hz(cs: clocksource, hz: number): number {
  let sec = Math.floor(cs.mask / hz);
  if (sec === 0) sec = 1;
  else if (sec > 600 && cs.mask > 0xffff_ffff) sec = 600;
  const { mult, shift } = clocks_calc_mult_shift(hz, NSEC_PER_SEC, sec);
  cs.mult = mult;
  cs.shift = shift;
  return clocksource_register(cs);
}

export function clocksource_unregister(cs: clocksource): void {
  const s = statics();
  s.list = s.list.filter((c) => c !== cs);
  if (s.tk.cs === cs) change_clocksource(s.list[0]!);
}

/** Every registered clocksource, best rating first (/sys/.../available_clocksource). */
export function clocksource_list(): readonly clocksource[] {
  return statics().list;
}

/** The clocksource keeping time now. */
export function current_clocksource(): clocksource {
  return statics().tk.cs;
}

/** timekeeping_suspend(): account for every cycle up to the suspend. */
export function timekeeping_suspend(): void {
  update_wall_time();
}

/**
 * timekeeping_resume(): continue from the time already kept, whatever the counter reads now
 * (it may have been reset). Monotonic time does not count the time spent suspended.
 */
export function timekeeping_resume(): void {
  const { tk } = statics();
  tk.cs.resume?.(tk.cs);
  tk.cycle_last = tk.cs.read(tk.cs);
  tk.rem = 0;
}
