/**
 * The TSC clocksource (arch/x86_64/kernel/tsc.c): the CPU's own cycle counter, rating 300, the
 * best clocksource when it is stable. Its frequency is the host's (cpu_khz); reading it is
 * `rdtsc`, not an MMIO access.
 */
import { kernel, smp_processor_id } from "../../../kernel/instance.js";
import { CLOCK_SOURCE_IS_CONTINUOUS, clocksource_register_hz, type clocksource } from "../../../kernel/time/clocksource.js";

export function rdtsc(): number {
  return kernel().host.read_cpu_counter(smp_processor_id());
}

export function init_tsc_clocksource(): number {
  const clocksource_tsc: clocksource = {
    name: "tsc",
    rating: 300,
    read: rdtsc,
    mask: Number.MAX_SAFE_INTEGER,
    mult: 0,
    shift: 0,
    flags: CLOCK_SOURCE_IS_CONTINUOUS,
  };
  return clocksource_register_hz(clocksource_tsc, kernel().host.cpu_counter_hz);
}
