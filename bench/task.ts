/**
 * The costs the substrate adds to every simulation: a blocking wait (a task sleeping and being
 * resumed by the clock), and a trace point while tracing is off, each beside the bare cost of a
 * timer event (ratios here are costs: lower is better, 1.00x means free).
 */
import { Clock } from "../src/sim/clock.js";
import { sleep, spawn, type Co } from "../src/sim/task.js";
import { Tracer, defineEvents, ev } from "../src/sim/trace.js";
import { sample, timeIt, type Benchmark, type BenchRow } from "./harness.js";

const WAITS = 2_000_000;
const RUNS = 5;

function nsPerWait(): number {
  const clock = new Clock();
  function* sleeper(): Co {
    for (let i = 0; i < WAITS; i++) yield* sleep(clock, 1000);
  }
  spawn(clock, "sleeper", sleeper());
  return (timeIt(() => clock.runUntilIdle()) * 1e9) / WAITS;
}

/** A self re-arming timer whose callback counts its calls: the baseline for the two costs below. */
function nsPerTimerEvent(): number {
  const clock = new Clock();
  let n = 0;
  const t = clock.newTimer("t", () => {
    n++;
    t.mod(clock.now + 1000);
  });
  t.mod(1000);
  const seconds = timeIt(() => clock.runUntilIdle(WAITS));
  if (n !== WAITS) throw new Error(`expected ${WAITS} events, counted ${n}`);
  return (seconds * 1e9) / WAITS;
}

const probe = defineEvents("bench", { point: ev<[n: number, now: number]>("instant", ["n", "now"]) });

/**
 * The same self re-arming event with a guarded trace point in its callback, tracing off. The
 * callback is a real event handler (not a loop the JIT could hoist the guard out of), so this
 * is what a disabled trace point costs a device model.
 */
function nsPerTimerEventWithTracePoint(): number {
  const clock = new Clock();
  const tracer = new Tracer(clock);
  let n = 0;
  const t = clock.newTimer("t", () => {
    n++;
    if (tracer.on) tracer.emit(probe.point, n, clock.now);
    t.mod(clock.now + 1000);
  });
  t.mod(1000);
  const seconds = timeIt(() => clock.runUntilIdle(WAITS));
  if (n !== WAITS) throw new Error(`expected ${WAITS} events, counted ${n}`);
  return (seconds * 1e9) / WAITS;
}

function repeat(fn: () => number): number[] {
  fn();
  return Array.from({ length: RUNS }, fn);
}

export const blocking: Benchmark = {
  name: "sim blocking and tracing costs",
  run(): BenchRow[] {
    const perEvent = sample(repeat(nsPerTimerEvent));
    return [
      { name: "task wait (sleep + resume), per wait", unit: "ns", value: sample(repeat(nsPerWait)), baseline: { name: "bare timer event", value: perEvent } },
      {
        name: "timer event with a disabled trace point",
        unit: "ns",
        value: sample(repeat(nsPerTimerEventWithTracePoint)),
        baseline: { name: "bare timer event", value: perEvent },
      },
    ];
  },
};
