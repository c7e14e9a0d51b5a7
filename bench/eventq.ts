/**
 * Event queue: N periodic timers re-arming themselves, 20 M events, against the same loop in C
 * (bench/baseline/eventq.c) measured in the same run. Target: ≥ 0.67× C at 64 timers.
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
    const t = clock.newTimer(`t${i}`, () => t.mod(clock.now + period));
    t.mod(period);
  }
  return EVENTS / timeIt(() => clock.runUntilIdle(EVENTS));
}

function row(timers: number, target: boolean): BenchRow {
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
  return { name, unit: "ev/s", value: sample(vplat), ...base, ...(target ? { target: { minRatio: 0.67 } } : {}) };
}

export const eventQueue: Benchmark = {
  name: "sim event queue",
  run: () => [row(64, true), row(1024, false)],
};
