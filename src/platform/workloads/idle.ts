/**
 * A CPU that spends part of every period in deep idle, as a kernel thread on that CPU: the
 * board's `idlePattern` with an optional jitter on each period's idle time, drawn from a seeded
 * PRNG so the same seed gives the same pattern.
 *
 * Each period: `cpu_idle_deep(idle')` (the tick moves to the broadcast device, a LAPIC timer
 * without ARAT stops), then busy for `period - idle'`, so periods stay aligned whatever the
 * draw. idle' is uniform in [idle - jitter, idle + jitter].
 */
import type { Prng } from "../../sim/prng.js";
import { sleep, type Co } from "../../sim/task.js";
import { kthread_run } from "../../linux/kernel/instance.js";
import { cpu_idle_deep } from "../../linux/arch/x86/kernel/idle.js";
import type { Machine } from "../machine.js";

export interface IdlePattern {
  readonly cpu: number;
  readonly periodNs: number;
  readonly idleNs: number;
  /** 0 for a fixed idle time; 2 × jitter must stay below 2^32 ns. */
  readonly jitterNs: number;
  /** When the kernel thread starts (virtual time). */
  readonly startNs: number;
}

/** Starts `p` on `machine` at `p.startNs`; `prng` draws the jitter (unused when it is 0). */
export function startIdlePattern(machine: Machine, p: IdlePattern, prng: Prng): void {
  const { cpu, periodNs, idleNs, jitterNs } = p;
  if (!(jitterNs >= 0 && idleNs - jitterNs > 0 && idleNs + jitterNs < periodNs)) {
    throw new RangeError(`idle pattern: need 0 < idle - jitter and idle + jitter < period (idle ${idleNs}, jitter ${jitterNs}, period ${periodNs})`);
  }
  const clock = machine.clock;
  function* loop(): Co {
    for (;;) {
      const idle = jitterNs === 0 ? idleNs : prng.int(idleNs - jitterNs, idleNs + jitterNs);
      yield* cpu_idle_deep(idle);
      yield* sleep(clock, periodNs - idle);
    }
  }
  clock.newTimer(`idle${cpu}.start`, () => machine.inKernel(cpu, () => kthread_run(loop(), `idle${cpu}`, cpu))).mod(Math.max(p.startNs, clock.now));
}
