/**
 * Trace points of the tick and of jiffies. Linux has no tracepoint for either (a tick shows in
 * ftrace as the timer interrupt it runs in); these two counters are what a timekeeping bug is
 * read from: a CPU whose tick count stops, and jiffies falling behind the time.
 */
import { defineEvents, ev } from "../../../sim/trace.js";

export const tickEvents = defineEvents("tick", {
  /** `cpu` ran a tick; `ticks` counts them since it got its tick device (counter "cpuN ticks"). */
  tick: ev<[cpu: number, ticks: number]>("counter", ["cpu", "ticks"], { track: "cpu{cpu}", group: "cpu" }),
});

export const jiffiesEvents = defineEvents("jiffies", {
  /**
   * do_timer() advanced jiffies. `drift_ns` = jiffies · TICK_NSEC − (now − t0), t0 being when the
   * first tick device started: flat while jiffies keeps time (within a tick of 0, by tick mode),
   * falling by TICK_NSEC for every tick lost (counter "jiffies drift_ns" of group `kernel`).
   */
  jiffies: ev<[jiffies: number, drift_ns: number]>("counter", ["jiffies", "drift_ns"], { group: "kernel" }),
});
