/**
 * The x86-pc board: 2 CPUs, HZ=1000, per-CPU HPET devices in one-shot mode (the fixed driver),
 * simulated seconds per wall second, with tracing off and with every event streamed to a
 * Perfetto file. Targets: ≥ 1000× real time off, ≥ 100× streamed.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { X86Pc } from "../src/platform/boards/x86-pc.js";
import { PerfettoSink } from "../src/sim/sinks/perfetto.js";
import { sample, timeIt, type BenchRow, type Benchmark } from "./harness.js";

const SIM_SECONDS = 10;
const RUNS = 3;

function speed(trace: boolean): number {
  const pc = new X86Pc({ cpus: 2, HZ: 1000, tickMode: "oneshot" });
  let fd = -1;
  let sink: PerfettoSink | undefined;
  if (trace) {
    fd = openSync(join(tmpdir(), "vplat-bench-x86.perfetto.json"), "w");
    sink = new PerfettoSink({ write: (s) => void writeSync(fd, s) });
    pc.machine.tracer.attach(sink);
  }
  pc.boot();
  pc.runFor(200_000_000);
  const wall = timeIt(() => pc.runFor(SIM_SECONDS * 1e9));
  if (pc.report().hpet?.selftest !== "passed") throw new Error("bench: the HPET driver did not come up");
  sink?.close();
  if (fd >= 0) closeSync(fd);
  return SIM_SECONDS / wall;
}

function row(trace: boolean): BenchRow {
  speed(trace);
  const values = Array.from({ length: RUNS }, () => speed(trace));
  return {
    name: `x86-pc 2 CPUs HZ=1000 per-CPU HPET one-shot, trace ${trace ? "streamed" : "off"}`,
    unit: "x real time",
    value: sample(values),
    target: { min: trace ? 100 : 1000 },
  };
}

export const x86Board: Benchmark = {
  name: "x86-pc board speed",
  run: () => [row(false), row(true)],
};
