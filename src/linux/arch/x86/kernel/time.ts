/**
 * x86-64 time setup (arch/x86_64/kernel/time.c of 2.6.21 with seed 004's changes): the TSC and
 * HPET at boot, the IRQ 0 timer interrupt that runs the global (legacy) clock event device,
 * `stop_timer_interrupt` for when the APIC runs the main timer, and the sysdev suspend/resume
 * hooks that stop and re-enable the HPET (hpet_timer_stop / hpet_timer_reenable).
 */
import { IRQF_NOBALANCING, IRQF_TIMER, IRQ_HANDLED, type irqreturn_t } from "../../../include/linux/interrupt.js";
import { request_irq } from "../../../kernel/irq/manage.js";
import { perKernel, on_each_cpu } from "../../../kernel/instance.js";
import { printk, KERN_INFO } from "../../../kernel/printk/printk.js";
import { clockevents_resume, clockevents_suspend } from "../../../kernel/time/clockevents.js";
import { timekeeping_resume, timekeeping_suspend } from "../../../kernel/time/clocksource.js";
import { tick_resume_broadcast } from "../../../kernel/time/tick-broadcast.js";
import { tick_resume, tick_suspend } from "../../../kernel/time/tick-common.js";
import { hpet_enable_legacy_clockevent, hpet_legacy_event, hpet_time_init, hpet_timer_reenable, hpet_timer_stop } from "./hpet.js";
import { init_tsc_clocksource } from "./tsc.js";

const statics = perKernel(() => ({ hpet: false, suspends: 0 }));

/** The IRQ 0 handler: the global clock event device's interrupt. */
function timer_interrupt(_irq: number, _dev: null): irqreturn_t {
  const evt = hpet_legacy_event();
  evt?.event_handler?.(evt);
  return IRQ_HANDLED;
}

/** time_init(): TSC clocksource; the HPET's legacy channel as the boot CPU's first tick. */
export function time_init(): void {
  init_tsc_clocksource();
  const s = statics();
  s.hpet = hpet_time_init();
  if (!s.hpet) {
    printk(`${KERN_INFO}time.c: no HPET; the boot CPU ticks from its LAPIC once set up`);
    return;
  }
  request_irq(0, timer_interrupt, IRQF_TIMER | IRQF_NOBALANCING, "timer", null);
  hpet_enable_legacy_clockevent();
  printk(`${KERN_INFO}time.c: Using HPET based timekeeping.`);
}

/** stop_timer_interrupt(): the APIC runs the main timer; silence the IRQ 0 source. */
export function stop_timer_interrupt(): void {
  if (statics().hpet) {
    hpet_timer_stop();
    printk(`${KERN_INFO}time.c: HPET timer interrupt disabled (APIC runs the main timer)`);
  }
}

/** Suspend: timekeeping and clock events first, then the sysdev timer_suspend (the HPET stops). */
export function timer_suspend(): void {
  const s = statics();
  timekeeping_suspend();
  on_each_cpu(() => tick_suspend(), null);
  clockevents_suspend();
  if (s.hpet) hpet_timer_stop();
  s.suspends++;
}

/** Resume: timer_resume re-enables the HPET (counter from 0), then time and ticks restart. */
export function timer_resume(): void {
  if (statics().hpet) hpet_timer_reenable();
  timekeeping_resume();
  clockevents_resume();
  tick_resume_broadcast();
  on_each_cpu(() => tick_resume(), null);
}
