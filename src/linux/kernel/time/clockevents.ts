/**
 * Clock event devices (kernel/time/clockevents.c, include/linux/clockchips.h), in the 2007 API
 * that seed 004 programs (`set_mode`, `set_next_event`, `mode`), with the core behaviour of
 * mainline where the seed's era had no answer.
 *
 * Switches (KernelConfig.switches):
 * - "clockevents.delta2ns-2007": `clockevent_delta2ns` truncates (2.6.21–2.6.3x) instead of
 *   rounding up as mainline's cev_delta2ns does (spec §2.4).
 * - "clockevents.min-adjust-2007": a forced programming that keeps failing raises min_delta_ns
 *   the 2.6.21 way (tick_dev_program_event): by half again after every three tries, with no cap
 *   and no giving up, printing twice the new value; instead of mainline's
 *   GENERIC_CLOCKEVENTS_MIN_ADJUST ladder capped at one jiffy (spec §2.5).
 */
import { KernelBug, WARN } from "../../include/linux/bug.js";
import type { cpumask_t } from "../../include/linux/cpumask.js";
import { ETIME } from "../../include/linux/errno.js";
import { KTIME_MAX, LONG_MAX, NSEC_PER_SEC, UINT_MAX, u64_mul_shr } from "../../include/linux/math64.js";
import { kernel, perKernel, switch_on } from "../instance.js";
import { printk, KERN_WARNING } from "../printk/printk.js";
import { ktime_get } from "./clocksource.js";
import { tick_check_new_device } from "./tick-common.js";

export const CLOCK_EVT_MODE_UNUSED = 0;
export const CLOCK_EVT_MODE_SHUTDOWN = 1;
export const CLOCK_EVT_MODE_PERIODIC = 2;
export const CLOCK_EVT_MODE_ONESHOT = 3;
export const CLOCK_EVT_MODE_RESUME = 4;
export type clock_event_mode = 0 | 1 | 2 | 3 | 4;

export const CLOCK_EVT_FEAT_PERIODIC = 0x01;
export const CLOCK_EVT_FEAT_ONESHOT = 0x02;
export const CLOCK_EVT_FEAT_C3STOP = 0x04;
export const CLOCK_EVT_FEAT_DUMMY = 0x08;

const MODE_NAMES = ["unused", "shutdown", "periodic", "oneshot", "resume"] as const;

export function clock_event_mode_name(mode: clock_event_mode): string {
  return MODE_NAMES[mode];
}

/** struct clock_event_device (2007 layout, plus mainline's retries counter). */
export interface clock_event_device {
  name: string;
  features: number;
  max_delta_ns: number;
  min_delta_ns: number;
  mult: number;
  shift: number;
  rating: number;
  irq: number;
  cpumask: cpumask_t;
  set_next_event: (evt: number, dev: clock_event_device) => number;
  set_mode: (mode: clock_event_mode, dev: clock_event_device) => void;
  event_handler: ((dev: clock_event_device) => void) | null;
  broadcast?: (mask: cpumask_t) => void;
  mode: clock_event_mode;
  /** Absolute expiry of the current one-shot programming, KTIME_MAX when none. */
  next_event: number;
  /** Times the core had to fall back to the minimum delta. */
  retries: number;
}

/** A device with the core's fields at their initial values. */
export function clock_event_device_init(
  fields: Omit<clock_event_device, "mode" | "next_event" | "retries" | "event_handler" | "irq" | "max_delta_ns" | "min_delta_ns" | "mult" | "shift"> &
    Partial<Pick<clock_event_device, "irq" | "max_delta_ns" | "min_delta_ns" | "mult" | "shift" | "event_handler">>,
): clock_event_device {
  return {
    irq: -1,
    max_delta_ns: 0,
    min_delta_ns: 0,
    mult: 0,
    shift: 0,
    event_handler: null,
    ...fields,
    mode: CLOCK_EVT_MODE_UNUSED,
    next_event: KTIME_MAX,
    retries: 0,
  };
}

const statics = perKernel(() => ({
  devices: [] as clock_event_device[],
  released: [] as clock_event_device[],
}));

/** Every registered device (for reports). */
export function clockevent_devices(): readonly clock_event_device[] {
  return statics().devices;
}

/**
 * clockevent_delta2ns(): the nanoseconds `latch` device ticks take, clamped to ≥ 1 µs.
 * Mainline rounds up (except for a >1 GHz device's max) so the result converts back to at least
 * `latch`; 2007 truncated, which can convert back one tick short (spec §2.4, §7).
 */
export function clockevent_delta2ns(latch: number, evt: clock_event_device): number {
  return cev_delta2ns(latch, evt, false);
}

function cev_delta2ns(latch: number, evt: clock_event_device, ismax: boolean): number {
  const shift = BigInt(evt.shift);
  const mult = BigInt(evt.mult);
  const U64 = (1n << 64n) - 1n;
  let clc = (BigInt(latch) << shift) & U64;
  if (clc >> shift !== BigInt(latch)) clc = U64;
  if (!switch_on("clockevents.delta2ns-2007")) {
    const rnd = mult - 1n;
    if (clc + rnd <= U64 && (!ismax || mult <= 1n << shift)) clc += rnd;
  }
  let ns = clc / mult;
  if (ns < 1000n) ns = 1000n;
  return Number(ns > BigInt(LONG_MAX) ? BigInt(LONG_MAX) : ns);
}

/**
 * clocks_calc_mult_shift(): mult/shift converting `from` units to `to` units for inputs up to
 * `maxsec` seconds without overflowing 64 bits, as precise as that allows (kernel/time/clocksource.c).
 */
export function clocks_calc_mult_shift(from: number, to: number, maxsec: number): { mult: number; shift: number } {
  let tmp = (BigInt(maxsec) * BigInt(from)) >> 32n;
  let sftacc = 32;
  while (tmp > 0n) {
    tmp >>= 1n;
    sftacc--;
  }
  let sft = 32;
  let result = 0n;
  for (; sft > 0; sft--) {
    result = ((BigInt(to) << BigInt(sft)) + BigInt(from) / 2n) / BigInt(from);
    if (result >> BigInt(sftacc) === 0n) break;
  }
  return { mult: Number(result), shift: sft };
}

/** clockevents_calc_mult_shift(dev, freq, minsec). */
export function clockevents_calc_mult_shift(dev: clock_event_device, freq: number, minsec: number): void {
  const { mult, shift } = clocks_calc_mult_shift(NSEC_PER_SEC, freq, minsec);
  dev.mult = mult;
  dev.shift = shift;
}

/**
 * clockevents_config_and_register() (mainline): mult/shift from the frequency, min/max delta
 * from the tick limits, then registration.
 */
export function clockevents_config_and_register(dev: clock_event_device, freq: number, min_delta: number, max_delta: number): void {
  let sec = Math.floor(max_delta / freq);
  if (sec === 0) sec = 1;
  else if (sec > 600 && max_delta > UINT_MAX) sec = 600;
  clockevents_calc_mult_shift(dev, freq, sec);
  dev.min_delta_ns = cev_delta2ns(min_delta, dev, false);
  dev.max_delta_ns = cev_delta2ns(max_delta, dev, true);
  clockevents_register_device(dev);
}

/**
 * clockevents_register_device(): offers the device to the tick of the registering CPU, then
 * re-offers any device it displaced (clockevents_notify_released), which is how the HPET's
 * legacy channel becomes the broadcast device once the LAPIC takes the boot CPU's tick.
 */
export function clockevents_register_device(dev: clock_event_device): void {
  WARN(dev.mode !== CLOCK_EVT_MODE_UNUSED, `clockevents_register_device: ${dev.name} is not unused`);
  statics().devices.push(dev);
  tick_check_new_device(dev);
  clockevents_notify_released();
}

function clockevents_notify_released(): void {
  const s = statics();
  while (s.released.length > 0) tick_check_new_device(s.released.shift()!);
}

/** clockevents_set_mode(): calls the driver only on a change. */
export function clockevents_set_mode(dev: clock_event_device, mode: clock_event_mode): void {
  if (dev.mode === mode) return;
  dev.set_mode(mode, dev);
  dev.mode = mode;
  if (mode === CLOCK_EVT_MODE_ONESHOT && dev.mult === 0) {
    WARN(true, `Current state: ${clock_event_mode_name(mode)}: ${dev.name} has mult 0`);
    dev.mult = 1;
  }
}

/** clockevents_shutdown(): stops the device and forgets its next event. */
export function clockevents_shutdown(dev: clock_event_device): void {
  clockevents_set_mode(dev, CLOCK_EVT_MODE_SHUTDOWN);
  dev.next_event = KTIME_MAX;
}

/**
 * clockevents_exchange_device(): the old device is released (shut down, marked unused) and
 * the new one starts from shutdown.
 */
export function clockevents_exchange_device(old: clock_event_device | null, dev: clock_event_device | null): void {
  const s = statics();
  if (old !== null) {
    // The released device's interrupts, if any still come, reach nothing (mainline sets the noop handler).
    old.event_handler = clockevents_handle_noop;
    clockevents_set_mode(old, CLOCK_EVT_MODE_UNUSED);
    s.released.push(old);
  }
  if (dev !== null) clockevents_shutdown(dev);
}

/** Programs `dev` for `delta` ns from now, clamped to its limits. */
function program_delta(dev: clock_event_device, delta: number): number {
  const clamped = Math.min(Math.max(delta, dev.min_delta_ns), dev.max_delta_ns);
  return dev.set_next_event(u64_mul_shr(clamped, dev.mult, dev.shift), dev);
}

/**
 * clockevents_program_event(): arms the device for absolute time `expires`.
 * A time already past, or a driver's -ETIME, is retried with the minimum delta when `force` is
 * set (mainline); with "clockevents.no-retry-2007" the -ETIME goes back to the caller.
 */
export function clockevents_program_event(dev: clock_event_device, expires: number, force: boolean): number {
  if (WARN(expires < 0, "clockevents_program_event: negative expiry")) return -ETIME;
  dev.next_event = expires;
  if (dev.mode === CLOCK_EVT_MODE_SHUTDOWN) return 0;
  const delta = expires - ktime_get();
  if (delta <= 0) return force ? clockevents_program_min_delta(dev) : -ETIME;
  const rc = program_delta(dev, delta);
  return rc !== 0 && force ? clockevents_program_min_delta(dev) : rc;
}

/** MIN_DELTA_LIMIT: the ladder never raises the minimum beyond one jiffy. */
function min_delta_limit(): number {
  return NSEC_PER_SEC / kernel().config.HZ;
}

/**
 * clockevents_increase_min_delta(): after three failures, raise min_delta_ns to 5 µs or by half
 * again (13 410 → 20 115 → 30 172 → 45 258 ns for the HPET), capped at one jiffy.
 */
function clockevents_increase_min_delta(dev: clock_event_device): number {
  if (dev.min_delta_ns >= min_delta_limit()) {
    printk(`${KERN_WARNING}CE: Reprogramming failure. Giving up`);
    dev.next_event = KTIME_MAX;
    return -ETIME;
  }
  if (dev.min_delta_ns < 5000) dev.min_delta_ns = 5000;
  else dev.min_delta_ns += Math.floor(dev.min_delta_ns / 2);
  if (dev.min_delta_ns > min_delta_limit()) dev.min_delta_ns = min_delta_limit();
  printk(`${KERN_WARNING}CE: ${dev.name} increased min_delta_ns to ${dev.min_delta_ns} nsec`);
  return 0;
}

/**
 * 2.6.21's increase (tick_dev_program_event): no cap, no giving up; its message printed twice
 * the value. A device that can never be programmed would spin the CPU forever there; once the
 * minimum passes the device's maximum nothing can change, so that is reported as the hang it is.
 */
function increase_min_delta_2007(dev: clock_event_device): number {
  dev.min_delta_ns = dev.min_delta_ns === 0 ? 5000 : dev.min_delta_ns + Math.floor(dev.min_delta_ns / 2);
  printk(`${KERN_WARNING}CE: ${dev.name} increasing min_delta_ns to ${dev.min_delta_ns * 2} nsec`);
  if (dev.min_delta_ns > dev.max_delta_ns) {
    throw new KernelBug(`CPU ${kernel().cpu} hangs in tick_dev_program_event: ${dev.name} refuses every delta up to max_delta_ns (${dev.max_delta_ns} ns)`);
  }
  return 0;
}

/** clockevents_program_min_delta() (GENERIC_CLOCKEVENTS_MIN_ADJUST, or 2.6.21's loop). */
function clockevents_program_min_delta(dev: clock_event_device): number {
  const increase = switch_on("clockevents.min-adjust-2007") ? increase_min_delta_2007 : clockevents_increase_min_delta;
  for (let i = 0; ; ) {
    dev.next_event = ktime_get() + dev.min_delta_ns;
    if (dev.mode === CLOCK_EVT_MODE_SHUTDOWN) return 0;
    dev.retries++;
    if (dev.set_next_event(u64_mul_shr(dev.min_delta_ns, dev.mult, dev.shift), dev) === 0) return 0;
    if (++i > 2) {
      if (increase(dev) !== 0) return -ETIME;
      i = 0;
    }
  }
}

/** clockevents_suspend(): every device is told it will lose power (via shutdown). */
export function clockevents_suspend(): void {
  for (const dev of statics().devices) {
    if (dev.mode !== CLOCK_EVT_MODE_UNUSED) dev.set_mode(CLOCK_EVT_MODE_SHUTDOWN, dev);
  }
}

/** clockevents_resume(): the 2007 RESUME notification to every device in use. */
export function clockevents_resume(): void {
  for (const dev of statics().devices) {
    if (dev.mode !== CLOCK_EVT_MODE_UNUSED) dev.set_mode(CLOCK_EVT_MODE_RESUME, dev);
  }
}

/** Registers the event handler that does nothing (clockevents_handle_noop). */
export function clockevents_handle_noop(_dev: clock_event_device): void {}
