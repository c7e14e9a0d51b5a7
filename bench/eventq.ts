/**
 * Event queue: N periodic timers re-arming themselves, 20 M events, against the same loop in C
 * (bench/baseline/eventq.c) measured in the same run. Target: ≥ 0.67× C at 64 timers, and at
 * 1024 (a deeper heap, out of L1).
 *
 * Both sides are the same binary heap with the same sift. One implementation difference, worth
 * knowing when reading the ratio: src/sim/clock.ts picks the earlier child without a branch
 * (the choice is a coin toss a branch predictor loses half the time), while gcc -O2 compiles the
 * C's `before(heap[c + 1], heap[c])` to a conditional jump. The C is left as plain C would be
 * written.
 */
import { Clock } from "../src/sim/clock.js";
import { buildBaseline, runBaseline } from "./baseline/build.js";
import { sample, timeIt, type BenchRow, type Benchmark } from "./harness.js";

const EVENTS = 20_000_000;
const RUNS = 5;

function vplatRate(timers: number): number {
  const clock = new Clock();
  for (let i = 0; i < timers; i++) {
    const period = 1000 + 7 * i; // as in eventq.c
    // As eventq.c's rearm(t): the callback gets its timer and re-arms it `period` from now.
    clock.newTimer(`t${i}`, (timer) => timer.modIn(period)).mod(period);
  }
  return EVENTS / timeIt(() => clock.runUntilIdle(EVENTS));
}

function row(timers: number): BenchRow {
  vplatRate(timers); // warm-up: let the JIT settle on the hot path
  const vplat: number[] = [];
  const c: number[] = [];
  const built = buildBaseline("eventq.c");
  for (let i = 0; i < RUNS; i++) {
    vplat.push(vplatRate(timers));
    if ("exe" in built) c.push(runBaseline(built.exe, [String(timers), String(EVENTS)]));
  }
  const name = `event queue, ${timers} self-re-arming timers`;
  const base = "exe" in built ? { baseline: { name: "C binary heap", value: sample(c) } } : { note: built.missing };
  return { name, unit: "ev/s", value: sample(vplat), ...base, target: { minRatio: 0.67 } };
}

export const eventQueue: Benchmark = {
  name: "sim event queue",
  run: () => [row(64), row(1024)],
};
