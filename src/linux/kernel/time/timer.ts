/**
 * jiffies and the timer wheel (kernel/time/timer.c, jiffies.c, include/linux/jiffies.h).
 *
 * jiffies counts ticks: the tick core calls `do_timer()` on the CPU that keeps time, and every
 * CPU's tick calls `run_local_timers()`, which expires that CPU's timer_list entries whose time
 * has come. Everything built on them (`schedule_timeout`, `msleep`,
 * `wait_for_completion_timeout`) therefore needs a working tick, exactly as in the kernel: if a
 * CPU's tick dies, its sleepers never wake, which is the symptom seed 004's self-test can hit.
 *
 * MODEL: jiffies starts at 0, not INITIAL_JIFFIES (-300·HZ), so reports read naturally.
 */
import { currentTask, WaitQueue, wait, Wake, type Co, type Task } from "../../../sim/task.js";
import { BUG_ON } from "../../include/linux/bug.js";
import { kernel, perKernel } from "../instance.js";

export const MAX_SCHEDULE_TIMEOUT = Number.MAX_SAFE_INTEGER;

export interface timer_list {
  expires: number;
  readonly function: (t: timer_list) => void;
  /** The CPU whose base holds it while pending, or -1. */
  cpu: number;
}

const statics = perKernel(() => ({
  jiffies: 0,
  /** Per-CPU pending timers, kept sorted by expiry (then arming order). */
  bases: Array.from({ length: kernel().host.nr_cpu_ids }, () => [] as timer_list[]),
}));

export function jiffies(): number {
  return statics().jiffies;
}

export function HZ(): number {
  return kernel().config.HZ;
}

/** do_timer(): the timekeeping CPU advances jiffies. */
export function do_timer(ticks: number): void {
  statics().jiffies += ticks;
}

/** time_after_eq(a, b). jiffies never wraps here (53-bit counter), so plain comparison is exact. */
export function time_after_eq(a: number, b: number): boolean {
  return a >= b;
}

/** msecs_to_jiffies(): rounds up, as the kernel does for HZ dividing 1000. */
export function msecs_to_jiffies(m: number): number {
  const per = 1000 / HZ();
  return Math.ceil(m / per);
}

export function jiffies_to_msecs(j: number): number {
  return (j * 1000) / HZ();
}

export function timer_setup(fn: (t: timer_list) => void): timer_list {
  return { expires: 0, function: fn, cpu: -1 };
}

export function timer_pending(t: timer_list): boolean {
  return t.cpu >= 0;
}

/** mod_timer(): (re)arms `t` on the current CPU for jiffy `expires`. Returns 1 if it was pending. */
export function mod_timer(t: timer_list, expires: number): number {
  const was = del_timer(t);
  const cpu = kernel().cpu;
  const base = statics().bases[cpu]!;
  t.expires = expires;
  t.cpu = cpu;
  let i = base.length;
  while (i > 0 && base[i - 1]!.expires > expires) i--;
  base.splice(i, 0, t);
  return was;
}

export function add_timer(t: timer_list): void {
  BUG_ON(timer_pending(t), "add_timer on a pending timer");
  mod_timer(t, t.expires);
}

/** del_timer(): returns 1 if the timer was pending. */
export function del_timer(t: timer_list): number {
  if (t.cpu < 0) return 0;
  const base = statics().bases[t.cpu]!;
  const i = base.indexOf(t);
  if (i >= 0) base.splice(i, 1);
  t.cpu = -1;
  return 1;
}

/** run_local_timers(): from the tick, expire the current CPU's due timers. */
export function run_local_timers(): void {
  const s = statics();
  const base = s.bases[kernel().cpu]!;
  while (base.length > 0 && time_after_eq(s.jiffies, base[0]!.expires)) {
    const t = base.shift()!;
    t.cpu = -1;
    t.function(t);
  }
}

/** Pending timers of `cpu` (for reports of what a dead tick strands). */
export function pending_timers(cpu: number): number {
  return statics().bases[cpu]?.length ?? 0;
}

function running(): Task {
  const t = currentTask();
  if (t === null) throw new Error("schedule_timeout() called outside a kernel thread");
  return t;
}

/**
 * schedule_timeout(): sleeps `timeout` jiffies (or until woken through `queue`) and returns the
 * jiffies left, 0 when it expired.
 */
export function* schedule_timeout(timeout: number, queue: WaitQueue = new WaitQueue()): Co<number> {
  if (timeout === MAX_SCHEDULE_TIMEOUT) {
    yield* wait(queue, -1);
    return MAX_SCHEDULE_TIMEOUT;
  }
  const task = running();
  const expire = jiffies() + timeout;
  const timer = timer_setup(() => task.wakeUp(Wake.TimedOut));
  mod_timer(timer, expire);
  yield* wait(queue, -1);
  del_timer(timer);
  return Math.max(0, expire - jiffies());
}

/** msleep(): sleeps at least `msecs`, in jiffies (kernel/time/timer.c). */
export function* msleep(msecs: number): Co {
  let timeout = msecs_to_jiffies(msecs) + 1;
  while (timeout > 0) timeout = yield* schedule_timeout(timeout);
}
