/**
 * The tick (kernel/time/tick-common.c, tick-oneshot.c): each CPU owns a tick device, chosen
 * among the clock event devices offered to it by rating and cpumask; the first CPU to get one
 * keeps jiffies. The tick runs periodic (hardware-periodic devices repeat by themselves;
 * one-shot devices are re-armed at absolute tick times by `tick_handle_periodic`, replaying any
 * tick lost) or, with `tick_mode: "oneshot"`, programmed one-shot at every tick with `force`, as
 * the low-resolution NOHZ handler does.
 */
import { cpu_isset, cpumask_equal, cpumask_of, type cpumask_t } from "../../include/linux/cpumask.js";
import { irq_to_desc } from "../irq/manage.js";
import { kernel, per_cpu, perKernel, DEFINE_PER_CPU } from "../instance.js";
import { printk, KERN_INFO } from "../printk/printk.js";
import {
  CLOCK_EVT_FEAT_ONESHOT,
  CLOCK_EVT_FEAT_PERIODIC,
  CLOCK_EVT_MODE_ONESHOT,
  CLOCK_EVT_MODE_PERIODIC,
  clockevents_exchange_device,
  clockevents_program_event,
  clockevents_set_mode,
  clockevents_shutdown,
  type clock_event_device,
} from "./clockevents.js";
import { ktime_get, update_wall_time } from "./clocksource.js";
import { tick_device_uses_broadcast, tick_install_broadcast_device, tick_is_broadcast_device } from "./tick-broadcast.js";
import { do_timer, jiffies, run_local_timers } from "./timer.js";
import { jiffiesEvents, tickEvents } from "./trace-events.js";

export const TICKDEV_MODE_PERIODIC = 0;
export const TICKDEV_MODE_ONESHOT = 1;

export interface tick_device {
  evtdev: clock_event_device | null;
  mode: typeof TICKDEV_MODE_PERIODIC | typeof TICKDEV_MODE_ONESHOT;
  /** Ticks this CPU has run (for reports: a dead tick shows as a count that stops). */
  ticks: number;
  /** Virtual time of the last tick, and when the CPU got its first tick device (for reports). */
  last_tick: number;
  started: number;
}

export const tick_cpu_device = DEFINE_PER_CPU<tick_device>(() => ({ evtdev: null, mode: TICKDEV_MODE_PERIODIC, ticks: 0, last_tick: -1, started: 0 }));

const statics = perKernel(() => ({
  /** The CPU that keeps jiffies (tick_do_timer_cpu); -1 until the first tick device. */
  tick_do_timer_cpu: -1,
  /** Absolute time of the next periodic tick of the timekeeping CPU. */
  tick_next_period: 0,
  /** When the first tick device started jiffies (the origin of the trace's jiffies drift), or -1. */
  jiffies_epoch: -1,
}));

/** TICK_NSEC: one jiffy in ns, rounded ((NSEC_PER_SEC + HZ/2) / HZ). */
export function TICK_NSEC(): number {
  const hz = kernel().config.HZ;
  return Math.floor((1_000_000_000 + hz / 2) / hz);
}

export function tick_do_timer_cpu(): number {
  return statics().tick_do_timer_cpu;
}

function oneshot_tick(): boolean {
  return kernel().config.tick_mode === "oneshot";
}

/** This CPU's share of a tick: its count and its timer wheel. */
function tick_local(cpu: number): void {
  const td = per_cpu(tick_cpu_device, cpu);
  td.ticks++;
  const host = kernel().host;
  td.last_tick = host.clock.now;
  if (host.tracer.on) host.tracer.emit(tickEvents.tick, cpu, td.ticks);
  run_local_timers();
}

/** The jiffies counter of the trace, after each do_timer(). */
function trace_jiffies(): void {
  const host = kernel().host;
  if (!host.tracer.on) return;
  const j = jiffies();
  host.tracer.emit(jiffiesEvents.jiffies, j, j * TICK_NSEC() - (host.clock.now - statics().jiffies_epoch));
}

/** tick_periodic(): jiffies on the timekeeping CPU, then this CPU's timers. */
export function tick_periodic(cpu: number): void {
  const s = statics();
  if (s.tick_do_timer_cpu === cpu) {
    s.tick_next_period += TICK_NSEC();
    do_timer(1);
    trace_jiffies();
    update_wall_time();
  }
  tick_local(cpu);
}

/** tick_do_update_jiffies64(): advance jiffies by every whole tick that has passed by `now`. */
function tick_do_update_jiffies64(now: number): void {
  const s = statics();
  if (now < s.tick_next_period) return;
  const ticks = 1 + Math.floor((now - s.tick_next_period) / TICK_NSEC());
  s.tick_next_period += ticks * TICK_NSEC();
  do_timer(ticks);
  trace_jiffies();
  update_wall_time();
}

/**
 * tick_handle_periodic(): the event handler of a periodic tick. On a one-shot device it re-arms
 * the next tick at an absolute time; if that time has passed it runs the tick again, so ticks
 * lost to a late interrupt are replayed rather than drift accumulating.
 */
export function tick_handle_periodic(dev: clock_event_device): void {
  const cpu = kernel().cpu;
  let next = dev.next_event;
  tick_periodic(cpu);
  if (dev.mode !== CLOCK_EVT_MODE_ONESHOT) return;
  for (;;) {
    next += TICK_NSEC();
    if (clockevents_program_event(dev, next, false) === 0) return;
    tick_periodic(cpu);
  }
}

/**
 * The one-shot tick (tick_nohz_handler of low-resolution NOHZ, without stopping in idle): the
 * timekeeper catches jiffies up with the time, every CPU runs its tick, and the device is
 * programmed for the next tick boundary, forcing the minimum delta if that is already due.
 */
export function tick_handle_oneshot(dev: clock_event_device): void {
  const cpu = kernel().cpu;
  const s = statics();
  const now = ktime_get();
  if (cpu === s.tick_do_timer_cpu) tick_do_update_jiffies64(now);
  tick_local(cpu);
  let next = s.tick_next_period;
  while (next <= now) next += TICK_NSEC();
  if (per_cpu(tick_cpu_device, cpu).evtdev === dev) clockevents_program_event(dev, next, true);
}

/** tick_setup_periodic(): start a device ticking, by hardware or by one-shot programming. */
export function tick_setup_periodic(dev: clock_event_device, broadcast: boolean): void {
  dev.event_handler = tick_handle_periodic;
  if (dev.features & CLOCK_EVT_FEAT_PERIODIC && !broadcast) {
    clockevents_set_mode(dev, CLOCK_EVT_MODE_PERIODIC);
    return;
  }
  let next = statics().tick_next_period;
  clockevents_set_mode(dev, CLOCK_EVT_MODE_ONESHOT);
  for (;;) {
    if (clockevents_program_event(dev, next, false) === 0) return;
    next += TICK_NSEC();
  }
}

function tick_setup_oneshot(dev: clock_event_device, handler: (dev: clock_event_device) => void, next: number): void {
  dev.event_handler = handler;
  clockevents_set_mode(dev, CLOCK_EVT_MODE_ONESHOT);
  clockevents_program_event(dev, next, true);
}

/**
 * Starts the jiffies grid now. A periodic tick counts its first jiffy when it first fires (at
 * once for a one-shot device, after a period for a periodic one, as tick_periodic does); the
 * one-shot tick counts a jiffy when a whole period has passed (tick_do_update_jiffies64).
 */
function start_jiffies(td: tick_device): void {
  const s = statics();
  s.tick_next_period = ktime_get() + (td.mode === TICKDEV_MODE_ONESHOT ? TICK_NSEC() : 0);
  if (s.jiffies_epoch < 0) s.jiffies_epoch = kernel().host.clock.now;
}

/** tick_setup_device(): install `newdev` as `cpu`'s tick device and start it. */
function tick_setup_device(td: tick_device, newdev: clock_event_device, cpu: number, cpumask: cpumask_t): void {
  const s = statics();
  if (td.evtdev === null) {
    td.started = kernel().host.clock.now;
    td.mode = oneshot_tick() && newdev.features & CLOCK_EVT_FEAT_ONESHOT ? TICKDEV_MODE_ONESHOT : TICKDEV_MODE_PERIODIC;
    if (s.tick_do_timer_cpu === -1) {
      s.tick_do_timer_cpu = cpu;
      start_jiffies(td);
    }
  }
  td.evtdev = newdev;
  // A device that is not this CPU's own has its interrupt routed here.
  if (!cpumask_equal(newdev.cpumask, cpumask)) {
    const desc = irq_to_desc(newdev.irq);
    if (desc !== undefined && desc.chip?.irq_set_affinity) desc.chip.irq_set_affinity(newdev.irq, cpumask);
  }
  if (tick_device_uses_broadcast(newdev, cpu)) return;
  if (td.mode === TICKDEV_MODE_ONESHOT && newdev.features & CLOCK_EVT_FEAT_ONESHOT) {
    tick_setup_oneshot(newdev, tick_handle_oneshot, s.tick_next_period);
  } else {
    td.mode = TICKDEV_MODE_PERIODIC;
    tick_setup_periodic(newdev, false);
  }
}

/** tick_check_percpu(): may `newdev` serve `cpu` at all, given what it has? */
function tick_check_percpu(curdev: clock_event_device | null, newdev: clock_event_device, cpu: number): boolean {
  if (!cpu_isset(cpu, newdev.cpumask)) return false;
  if (cpumask_equal(newdev.cpumask, cpumask_of(cpu))) return true;
  // A shared device must be able to have its interrupt routed here.
  if (newdev.irq >= 0 && irq_to_desc(newdev.irq)?.chip?.irq_set_affinity === undefined) return false;
  // A non-local device never replaces a CPU-local one.
  return !(curdev !== null && cpumask_equal(curdev.cpumask, cpumask_of(cpu)));
}

/** tick_check_preferred(): is `newdev` better than `curdev`? */
function tick_check_preferred(curdev: clock_event_device | null, newdev: clock_event_device): boolean {
  if (!(newdev.features & CLOCK_EVT_FEAT_ONESHOT)) {
    if (curdev !== null && curdev.features & CLOCK_EVT_FEAT_ONESHOT) return false;
  }
  return curdev === null || newdev.rating > curdev.rating || !cpumask_equal(curdev.cpumask, newdev.cpumask);
}

/**
 * tick_check_new_device(): a device was registered on the current CPU; take it as this CPU's
 * tick device if it is better, else offer it as the broadcast device.
 */
export function tick_check_new_device(newdev: clock_event_device): void {
  const cpu = kernel().cpu;
  const td = per_cpu(tick_cpu_device, cpu);
  let curdev = td.evtdev;
  if (!tick_check_percpu(curdev, newdev, cpu) || !tick_check_preferred(curdev, newdev)) {
    tick_install_broadcast_device(newdev, cpu);
    return;
  }
  if (curdev !== null && tick_is_broadcast_device(curdev)) {
    clockevents_shutdown(curdev);
    curdev = null;
  }
  if (curdev !== null) printk(`${KERN_INFO}clockevents: CPU${cpu} tick device ${curdev.name} replaced by ${newdev.name}`);
  clockevents_exchange_device(curdev, newdev);
  tick_setup_device(td, newdev, cpu, cpumask_of(cpu));
}

/** tick_suspend()/tick_resume() for the current CPU's device (kernel/time/tick-common.c). */
export function tick_suspend(): void {
  const td = per_cpu(tick_cpu_device, kernel().cpu);
  if (td.evtdev !== null) clockevents_shutdown(td.evtdev);
}

export function tick_resume(): void {
  const cpu = kernel().cpu;
  const td = per_cpu(tick_cpu_device, cpu);
  const dev = td.evtdev;
  if (dev === null || tick_device_uses_broadcast(dev, cpu)) return;
  if (cpu === statics().tick_do_timer_cpu) start_jiffies(td);
  if (td.mode === TICKDEV_MODE_PERIODIC) tick_setup_periodic(dev, false);
  else tick_setup_oneshot(dev, tick_handle_oneshot, statics().tick_next_period);
}
