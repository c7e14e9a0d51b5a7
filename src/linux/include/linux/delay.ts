/**
 * Delays (include/linux/delay.h). `udelay`/`ndelay`/`mdelay` busy-wait: the CPU spins while
 * virtual time passes and everything due meanwhile happens (devices progress, interrupts the CPU
 * accepts are taken). `msleep` sleeps in jiffies and is a blocking kernel-thread call.
 */
import { kernel } from "../../kernel/instance.js";

export { msleep } from "../../kernel/time/timer.js";

export function ndelay(nsecs: number): void {
  const clock = kernel().host.clock;
  clock.run(clock.now + Math.max(0, Math.ceil(nsecs)));
}

export function udelay(usecs: number): void {
  ndelay(usecs * 1000);
}

export function mdelay(msecs: number): void {
  ndelay(msecs * 1_000_000);
}
