/**
 * The idle side of a CPU (arch/x86_64/kernel/process.c's idle notifier, and the deep-idle entry
 * the ACPI idle driver performs).
 *
 * `exit_idle()` is what seed 004's interrupt handler calls: it marks the CPU busy again.
 * `cpu_idle_deep(ns)` is a kernel-thread call that keeps the CPU in a deep C-state for `ns` of
 * virtual time: the tick moves to the broadcast device first (tick_broadcast_enter), the
 * platform stops what stops in that state (a LAPIC timer without ARAT), and on the way out the
 * local tick device takes over again. Interrupts are still taken meanwhile.
 * MODEL: the CPU goes back to sleep after each interrupt until the period ends, rather than
 * leaving the idle state at the first one.
 */
import { sleep, type Co } from "../../../../sim/task.js";
import { DEFINE_PER_CPU, kernel, per_cpu, smp_processor_id, this_cpu_ptr } from "../../../kernel/instance.js";
import { tick_broadcast_enter, tick_broadcast_exit } from "../../../kernel/time/tick-broadcast.js";

interface idle_state {
  isidle: boolean;
  /** Nanoseconds spent in deep idle, and periods that could not go deep (no broadcast device). */
  deep_ns: number;
  refused: number;
}

const idle = DEFINE_PER_CPU<idle_state>(() => ({ isidle: false, deep_ns: 0, refused: 0 }));

export function enter_idle(): void {
  this_cpu_ptr(idle).isidle = true;
}

/** exit_idle(): an interrupt arrived on an idle CPU. */
export function exit_idle(): void {
  this_cpu_ptr(idle).isidle = false;
}

/** Deep-idle statistics of CPU `cpu`. */
export function idle_stats(cpu: number): Readonly<idle_state> {
  return per_cpu(idle, cpu);
}

/** Spends `ns` in a deep C-state; falls back to a shallow one when no broadcast device can take the tick. */
export function* cpu_idle_deep(ns: number): Co {
  const k = kernel();
  const cpu = smp_processor_id();
  const st = this_cpu_ptr(idle);
  enter_idle();
  if (tick_broadcast_enter() !== 0) {
    st.refused++;
    yield* sleep(k.host.clock, ns);
    return;
  }
  k.host.set_deep_idle(cpu, true);
  yield* sleep(k.host.clock, ns);
  k.host.set_deep_idle(cpu, false);
  st.deep_ns += ns;
  tick_broadcast_exit();
  exit_idle();
}
