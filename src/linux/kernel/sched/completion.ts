/**
 * Completions (kernel/sched/completion.c): `complete()` from interrupt context releases a
 * waiting kernel thread; waits with a timeout count jiffies, so they too need a working tick.
 */
import { WaitQueue, type Co } from "../../../sim/task.js";
import { MAX_SCHEDULE_TIMEOUT, schedule_timeout } from "../time/timer.js";

export class completion {
  done = 0;
  readonly wait = new WaitQueue();
}

const UINT_MAX = 0xffff_ffff;

export function init_completion(x: completion): void {
  x.done = 0;
}

export function reinit_completion(x: completion): void {
  x.done = 0;
}

export function complete(x: completion): void {
  if (x.done !== UINT_MAX) x.done++;
  x.wait.wakeOne();
}

export function complete_all(x: completion): void {
  x.done = UINT_MAX;
  x.wait.wakeAll();
}

export function completion_done(x: completion): boolean {
  return x.done !== 0;
}

/** do_wait_for_common(): returns the jiffies left (≥ 1) on completion, 0 on timeout. */
function* do_wait_for_common(x: completion, timeout: number): Co<number> {
  while (x.done === 0) {
    if (timeout <= 0) return 0;
    timeout = yield* schedule_timeout(timeout, x.wait);
  }
  if (x.done !== UINT_MAX) x.done--;
  return timeout === MAX_SCHEDULE_TIMEOUT ? timeout : Math.max(timeout, 1);
}

export function* wait_for_completion(x: completion): Co {
  yield* do_wait_for_common(x, MAX_SCHEDULE_TIMEOUT);
}

/** wait_for_completion_timeout(x, jiffies): 0 if timed out, else the jiffies left (at least 1). */
export function* wait_for_completion_timeout(x: completion, timeout: number): Co<number> {
  return yield* do_wait_for_common(x, timeout);
}
