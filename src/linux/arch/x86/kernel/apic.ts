/**
 * The local APIC and its timer as a clock event device (arch/x86_64/kernel/apic.c of 2.6.21–24,
 * with seed 004's `lapic_timer_setup`).
 *
 * Each CPU registers "lapic" (rating 100, one-shot and periodic, C3STOP unless the CPU has ARAT)
 * with its own cpumask. The timer counts the bus clock divided by 16; `calibrate_APIC_clock`
 * measures it against the TSC over 100 ms of busy-waiting, as the kernel does.
 *
 * Switch "lapic.unused-rearms" (seed 004 as written): `lapic_timer_setup` masks the LVT only for
 * SHUTDOWN, so the UNUSED the core sets when another device replaces the LAPIC re-arms it in
 * one-shot mode. Mainline masks for both.
 */
import { cpumask_of } from "../../../include/linux/cpumask.js";
import { irq_enter, irq_exit } from "../../../include/linux/hardirq.js";
import { local_irq_restore, local_irq_save } from "../../../include/linux/irqflags.js";
import { mdelay } from "../../../include/linux/delay.js";
import { ioremap, io_add, readl, writel, type IoMem } from "../../../include/asm/io.js";
import { DEFINE_PER_CPU, kernel, perKernel, smp_processor_id, switch_on, this_cpu_ptr } from "../../../kernel/instance.js";
import { printk, KERN_INFO, KERN_WARNING } from "../../../kernel/printk/printk.js";
import { irqVectorEvents } from "./trace-events.js";
import {
  CLOCK_EVT_FEAT_C3STOP,
  CLOCK_EVT_FEAT_ONESHOT,
  CLOCK_EVT_FEAT_PERIODIC,
  CLOCK_EVT_MODE_PERIODIC,
  CLOCK_EVT_MODE_SHUTDOWN,
  CLOCK_EVT_MODE_UNUSED,
  clock_event_device_init,
  clockevent_delta2ns,
  clockevents_register_device,
  type clock_event_device,
  type clock_event_mode,
} from "../../../kernel/time/clockevents.js";
import {
  APIC_DEFAULT_PHYS_BASE,
  APIC_DFR,
  APIC_DFR_FLAT,
  APIC_EOI,
  APIC_LDR,
  APIC_LVTT,
  APIC_LVT_MASKED,
  APIC_LVT_TIMER_PERIODIC,
  APIC_SPIV,
  APIC_SPIV_APIC_ENABLED,
  APIC_TASKPRI,
  APIC_TDCR,
  APIC_TDR_DIV_16,
  APIC_TMCCT,
  APIC_TMICT,
  LOCAL_TIMER_VECTOR,
  SET_APIC_LOGICAL_ID,
  SPURIOUS_APIC_VECTOR,
} from "../include/asm/apicdef.js";
import { exit_idle } from "./idle.js";
import { stop_timer_interrupt } from "./time.js";

const statics = perKernel(() => ({
  base: null as IoMem | null,
  /** APIC timer counts per jiffy (after the divider), from calibration. */
  calibration_result: 0,
  /** "apicmaintimer": the APIC timer replaces the IRQ 0 timer (boot option). */
  apic_runs_main_timer: 0,
  boot_cpu_id: 0,
}));

export function apic_read(reg: number): number {
  return readl(io_add(statics().base!, reg));
}

export function apic_write(reg: number, v: number): void {
  writel(v, io_add(statics().base!, reg));
}

/** ack_APIC_irq(): end of interrupt at the local APIC. */
export function ack_APIC_irq(): void {
  apic_write(APIC_EOI, 0);
}

/**
 * register_lapic_address(): where the local APIC's registers are (MP table, ACPI MADT, or the
 * device tree's dtb_lapic_setup); without it setup_local_APIC uses APIC_DEFAULT_PHYS_BASE.
 */
export function register_lapic_address(address: number): void {
  statics().base = ioremap(address, 0x1000);
}

/** setup_local_APIC(): software-enable the APIC in flat logical mode, accept every priority. */
export function setup_local_APIC(): void {
  const s = statics();
  s.base ??= ioremap(APIC_DEFAULT_PHYS_BASE, 0x1000);
  apic_write(APIC_TASKPRI, 0);
  apic_write(APIC_DFR, APIC_DFR_FLAT);
  apic_write(APIC_LDR, SET_APIC_LOGICAL_ID(1 << smp_processor_id()));
  apic_write(APIC_SPIV, APIC_SPIV_APIC_ENABLED | SPURIOUS_APIC_VECTOR);
}

/** __setup_APIC_LVTT(): timer vector, periodic or one-shot, divide by 16; periodic starts counting. */
function __setup_APIC_LVTT(clocks: number, oneshot: boolean): void {
  let lvtt_value = LOCAL_TIMER_VECTOR;
  if (!oneshot) lvtt_value |= APIC_LVT_TIMER_PERIODIC;
  apic_write(APIC_LVTT, lvtt_value);
  const tmp_value = apic_read(APIC_TDCR);
  apic_write(APIC_TDCR, (tmp_value & ~0xf) | APIC_TDR_DIV_16);
  if (!oneshot) apic_write(APIC_TMICT, clocks);
}

function lapic_next_event(delta: number, _evt: clock_event_device): number {
  apic_write(APIC_TMICT, delta);
  return 0;
}

/** lapic_timer_setup() as seed 004 patches it. */
function lapic_timer_setup(mode: clock_event_mode, _evt: clock_event_device): void {
  const s = statics();
  const flags = local_irq_save();
  const masks = mode === CLOCK_EVT_MODE_SHUTDOWN || (mode === CLOCK_EVT_MODE_UNUSED && !switch_on("lapic.unused-rearms"));
  if (masks) {
    const v = apic_read(APIC_LVTT);
    apic_write(APIC_LVTT, v | APIC_LVT_MASKED | LOCAL_TIMER_VECTOR);
  } else {
    // Turn off the IRQ 0 timer if the APIC runs the main timer.
    if (smp_processor_id() === s.boot_cpu_id && s.apic_runs_main_timer === 1) {
      stop_timer_interrupt();
      s.apic_runs_main_timer++;
    }
    __setup_APIC_LVTT(s.calibration_result, mode !== CLOCK_EVT_MODE_PERIODIC);
  }
  local_irq_restore(flags);
}

/** Per-CPU lapic_events (the 2007 code copies the template into each CPU's slot). */
const lapic_events = DEFINE_PER_CPU<{ evt: clock_event_device | null }>(() => ({ evt: null }));

function lapic_clockevent(): clock_event_device {
  const arat = kernel().host.cpu_features?.has("arat") === true;
  return clock_event_device_init({
    name: "lapic",
    features: CLOCK_EVT_FEAT_PERIODIC | CLOCK_EVT_FEAT_ONESHOT | (arat ? 0 : CLOCK_EVT_FEAT_C3STOP),
    shift: 32,
    set_mode: lapic_timer_setup,
    set_next_event: lapic_next_event,
    rating: 100,
    irq: -1,
    cpumask: 0,
  });
}

/**
 * calibrate_APIC_clock(): count the APIC timer against the TSC over 100 ms of busy-waiting, then
 * derive the device's mult and delta limits (2.6.24's div_sc and 0xF / 0x7FFFFF ticks).
 */
export function calibrate_APIC_clock(): void {
  const s = statics();
  const host = kernel().host;
  const flags = local_irq_save();
  apic_write(APIC_LVTT, APIC_LVT_MASKED | LOCAL_TIMER_VECTOR);
  apic_write(APIC_TDCR, APIC_TDR_DIV_16);
  apic_write(APIC_TMICT, 0xffff_ffff);
  const apic_start = apic_read(APIC_TMCCT);
  const tsc_start = host.read_cpu_counter(smp_processor_id());
  mdelay(100);
  const apic = apic_read(APIC_TMCCT);
  const tsc = host.read_cpu_counter(smp_processor_id());
  apic_write(APIC_TMICT, 0);
  local_irq_restore(flags);
  const per_second = Math.round(((apic_start - apic) * host.cpu_counter_hz) / (tsc - tsc_start));
  s.calibration_result = Math.floor(per_second / kernel().config.HZ);
  printk(`${KERN_INFO}Detected ${(per_second / 1e6).toFixed(3)} MHz APIC timer.`);
}

/** setup_APIC_timer(): registers this CPU's LAPIC clock event device. */
export function setup_APIC_timer(): void {
  const s = statics();
  const levt = lapic_clockevent();
  const tick_nsec = Math.floor(1e9 / kernel().config.HZ);
  levt.mult = Number((BigInt(s.calibration_result) << 32n) / BigInt(tick_nsec)); // div_sc(delta, TICK_NSEC, 32)
  levt.max_delta_ns = clockevent_delta2ns(0x7fffff, levt);
  levt.min_delta_ns = clockevent_delta2ns(0xf, levt);
  levt.cpumask = cpumask_of(smp_processor_id());
  this_cpu_ptr(lapic_events).evt = levt;
  clockevents_register_device(levt);
}

/** smp_apic_timer_interrupt(): the LOCAL_TIMER_VECTOR entry. */
export function smp_apic_timer_interrupt(): void {
  ack_APIC_irq();
  exit_idle();
  irq_enter();
  const cpu = smp_processor_id();
  const tracer = kernel().host.tracer;
  if (tracer.on) tracer.emit(irqVectorEvents.local_timer_entry, cpu, LOCAL_TIMER_VECTOR);
  try {
    local_apic_timer_interrupt();
  } finally {
    if (tracer.on) tracer.emit(irqVectorEvents.local_timer_exit, cpu, LOCAL_TIMER_VECTOR);
    irq_exit();
  }
}

function local_apic_timer_interrupt(): void {
  const cpu = smp_processor_id();
  const evt = this_cpu_ptr(lapic_events).evt;
  if (evt === null || evt.event_handler === null) {
    printk(`${KERN_WARNING}Spurious LAPIC timer interrupt on cpu ${cpu}`);
    if (evt !== null) lapic_timer_setup(CLOCK_EVT_MODE_SHUTDOWN, evt);
    return;
  }
  evt.event_handler(evt);
}

/** Boot option "apicmaintimer". */
export function apic_main_timer(on: boolean): void {
  statics().apic_runs_main_timer = on ? 1 : 0;
}
