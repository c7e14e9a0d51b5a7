/**
 * Tick broadcast (kernel/time/tick-broadcast.c): a CPU whose own timer stops in deep idle (an
 * x86 LAPIC timer without ARAT: CLOCK_EVT_FEAT_C3STOP) or does not work has its ticks delivered
 * by another device, typically the HPET, through an inter-processor interrupt.
 *
 * - Periodic: CPUs in the broadcast mask (a non-functional local device, or a C3STOP device put
 *   in broadcast mode with `tick_broadcast_on`) are ticked by the broadcast device's period.
 * - One-shot: a CPU entering deep idle (`tick_broadcast_enter`) shuts its device down and the
 *   broadcast device is programmed for the earliest next event among such CPUs; at expiry the
 *   due CPUs get their event handler run; `tick_broadcast_exit` re-arms the local device.
 */
import { cpu_isset, type cpumask_t } from "../../include/linux/cpumask.js";
import { EBUSY } from "../../include/linux/errno.js";
import { KTIME_MAX } from "../../include/linux/math64.js";
import { kernel, per_cpu, perKernel, runInKernel } from "../instance.js";
import { printk, KERN_INFO } from "../printk/printk.js";
import {
  CLOCK_EVT_FEAT_C3STOP,
  CLOCK_EVT_FEAT_DUMMY,
  CLOCK_EVT_FEAT_ONESHOT,
  CLOCK_EVT_MODE_ONESHOT,
  CLOCK_EVT_MODE_SHUTDOWN,
  clockevents_exchange_device,
  clockevents_program_event,
  clockevents_set_mode,
  type clock_event_device,
} from "./clockevents.js";
import { ktime_get } from "./clocksource.js";
import { TICK_NSEC, tick_cpu_device, tick_setup_periodic } from "./tick-common.js";

const statics = perKernel(() => ({
  evtdev: null as clock_event_device | null,
  /** CPUs ticked by the broadcast device in periodic mode. */
  mask: 0 as cpumask_t,
  /** CPUs in deep idle waiting for a one-shot broadcast. */
  oneshot_mask: 0 as cpumask_t,
  /** Broadcast deliveries per CPU (for reports). */
  delivered: new Array<number>(kernel().host.nr_cpu_ids).fill(0),
}));

export function tick_is_broadcast_device(dev: clock_event_device): boolean {
  return statics().evtdev === dev;
}

/** The broadcast device, if one is installed. */
export function tick_broadcast_device(): clock_event_device | null {
  return statics().evtdev;
}

/** Broadcast ticks delivered to `cpu` so far. */
export function tick_broadcast_delivered(cpu: number): number {
  return statics().delivered[cpu] ?? 0;
}

function oneshot_mode(): boolean {
  return kernel().config.tick_mode === "oneshot";
}

/** tick_check_broadcast_device() (2007 rules): no C3STOP or dummy device, best rating wins. */
function tick_check_broadcast_device(dev: clock_event_device): boolean {
  const cur = statics().evtdev;
  if (dev.features & (CLOCK_EVT_FEAT_C3STOP | CLOCK_EVT_FEAT_DUMMY)) return false;
  if (oneshot_mode() && !(dev.features & CLOCK_EVT_FEAT_ONESHOT)) return false;
  return cur === null || dev.rating > cur.rating;
}

/** tick_install_broadcast_device(): a device no CPU took may become the broadcast device. */
export function tick_install_broadcast_device(dev: clock_event_device, cpu: number): void {
  if (!tick_check_broadcast_device(dev)) return;
  const s = statics();
  clockevents_exchange_device(s.evtdev, dev);
  s.evtdev = dev;
  printk(`${KERN_INFO}clockevents: ${dev.name} installed as broadcast device (offered on CPU${cpu})`);
  if (oneshot_mode()) {
    dev.event_handler = tick_handle_oneshot_broadcast;
    clockevents_set_mode(dev, CLOCK_EVT_MODE_ONESHOT);
    if (s.oneshot_mask !== 0) reprogram_oneshot(dev);
  } else {
    dev.event_handler = tick_handle_periodic_broadcast;
    if (s.mask !== 0) tick_setup_periodic(dev, true);
  }
}

/**
 * tick_device_uses_broadcast(): a non-functional (dummy) local device is replaced by the
 * broadcast device for this CPU. Returns true when the CPU is now ticked by broadcast.
 */
export function tick_device_uses_broadcast(dev: clock_event_device, cpu: number): boolean {
  if (!(dev.features & CLOCK_EVT_FEAT_DUMMY)) {
    statics().mask &= ~(1 << cpu);
    return false;
  }
  tick_broadcast_on(cpu);
  return true;
}

/** tick_broadcast_on() (CLOCK_EVT_NOTIFY_BROADCAST_ON): `cpu` is ticked by the broadcast device from now on. */
export function tick_broadcast_on(cpu: number): void {
  const s = statics();
  const was = s.mask;
  s.mask |= 1 << cpu;
  const local = per_cpu(tick_cpu_device, cpu).evtdev;
  if (local !== null && !(local.features & CLOCK_EVT_FEAT_DUMMY)) clockevents_set_mode(local, CLOCK_EVT_MODE_SHUTDOWN);
  if (was === 0 && s.evtdev !== null && !oneshot_mode()) tick_setup_periodic(s.evtdev, true);
}

/** tick_handle_periodic_broadcast(): one period of the broadcast device ticks every CPU in the mask. */
function tick_handle_periodic_broadcast(dev: clock_event_device): void {
  deliver(statics().mask);
  if (dev.mode !== CLOCK_EVT_MODE_ONESHOT) return;
  let next = dev.next_event;
  for (;;) {
    next += TICK_NSEC();
    if (clockevents_program_event(dev, next, false) === 0) return;
    deliver(statics().mask);
  }
}

/** Runs the event handler of each CPU in `mask`: directly here, by IPI elsewhere. */
function deliver(mask: cpumask_t): void {
  const k = kernel();
  const s = statics();
  for (let cpu = 0; cpu < k.host.nr_cpu_ids; cpu++) {
    if (!cpu_isset(cpu, mask)) continue;
    const td = per_cpu(tick_cpu_device, cpu);
    const local = td.evtdev;
    if (local === null || local.event_handler === null) continue;
    s.delivered[cpu]!++;
    const handler = local.event_handler;
    if (cpu === k.cpu) handler(local);
    else k.host.send_ipi(cpu, () => runInKernel(k, cpu, () => handler(local)));
  }
}

/** Programs the broadcast device for the earliest next event of the idle CPUs. */
function reprogram_oneshot(bc: clock_event_device): void {
  const s = statics();
  let next = KTIME_MAX;
  for (let cpu = 0; cpu < kernel().host.nr_cpu_ids; cpu++) {
    if (!cpu_isset(cpu, s.oneshot_mask)) continue;
    const local = per_cpu(tick_cpu_device, cpu).evtdev;
    if (local !== null && local.next_event < next) next = local.next_event;
  }
  if (next !== KTIME_MAX) clockevents_program_event(bc, next, true);
}

/** tick_handle_oneshot_broadcast(): run the due CPUs' handlers and re-arm for the rest. */
function tick_handle_oneshot_broadcast(dev: clock_event_device): void {
  const s = statics();
  const now = ktime_get();
  let due = 0;
  for (let cpu = 0; cpu < kernel().host.nr_cpu_ids; cpu++) {
    if (!cpu_isset(cpu, s.oneshot_mask)) continue;
    const local = per_cpu(tick_cpu_device, cpu).evtdev;
    if (local !== null && local.next_event <= now) due |= 1 << cpu;
  }
  dev.next_event = KTIME_MAX;
  deliver(due);
  reprogram_oneshot(dev);
}

/**
 * tick_broadcast_enter(): the current CPU goes into deep idle. If its tick device stops there
 * (C3STOP), it is shut down and the broadcast device takes over its next event. Returns -EBUSY
 * (as mainline) when no broadcast device can, so the idle code must pick a shallower state.
 */
export function tick_broadcast_enter(): number {
  const cpu = kernel().cpu;
  const local = per_cpu(tick_cpu_device, cpu).evtdev;
  if (local === null || !(local.features & CLOCK_EVT_FEAT_C3STOP)) return 0;
  const s = statics();
  if (s.evtdev === null || !oneshot_mode()) return -EBUSY;
  s.oneshot_mask |= 1 << cpu;
  const next = local.next_event;
  clockevents_set_mode(local, CLOCK_EVT_MODE_SHUTDOWN);
  local.next_event = next;
  if (next < s.evtdev.next_event) clockevents_program_event(s.evtdev, next, true);
  return 0;
}

/** tick_broadcast_exit(): back from deep idle; the local device takes its next event again. */
export function tick_broadcast_exit(): void {
  const cpu = kernel().cpu;
  const s = statics();
  if (!cpu_isset(cpu, s.oneshot_mask)) return;
  s.oneshot_mask &= ~(1 << cpu);
  const local = per_cpu(tick_cpu_device, cpu).evtdev;
  if (local === null) return;
  clockevents_set_mode(local, CLOCK_EVT_MODE_ONESHOT);
  clockevents_program_event(local, local.next_event, true);
}

/** tick_resume_broadcast(): after resume, restart the broadcast device for the CPUs it serves. */
export function tick_resume_broadcast(): void {
  const s = statics();
  const bc = s.evtdev;
  if (bc === null) return;
  if (oneshot_mode()) {
    clockevents_set_mode(bc, CLOCK_EVT_MODE_ONESHOT);
    bc.next_event = KTIME_MAX;
    if (s.oneshot_mask !== 0) reprogram_oneshot(bc);
  } else if (s.mask !== 0) {
    tick_setup_periodic(bc, true);
  }
}
