/**
 * The x86-pc board: 2 CPUs, HZ=1000, per-CPU HPET devices in one-shot mode (the fixed driver),
 * in simulated seconds per wall second: with tracing off, and with every event streamed to a
 * trace file. Targets: ≥ 1000× real time off, ≥ 100× streamed as `vplat run --trace` streams:
 * through the writer thread (src/cli/trace-writer.ts). Streaming on the simulation's thread,
 * as a library user attaching a sink does, is reported beside it.
 *
 * The figure is the steady state. Each measurement boots a board, runs WARMUP_S simulated
 * seconds (V8 keeps compiling the tick path for the first ~20 simulated seconds of a fresh
 * process: the first second runs at ~15×), then times WINDOWS windows of WINDOW_S seconds and
 * takes their median. The cold start is reported beside it, as a row without a target.
 *
 * Two more rows without targets tell which end of the writer thread binds: the events emitted
 * to a sink that does nothing (what emission costs), and the events copied into the writer
 * thread's ring by a reader that discards them (what the simulation's thread pays for
 * `vplat run --trace`, whatever the writer thread does).
 */
import { closeSync, openSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTraceWriter } from "../src/cli/trace-writer.js";
import { X86Pc } from "../src/platform/boards/x86-pc.js";
import { PerfettoSink } from "../src/sim/sinks/perfetto.js";
import { PerfettoProtoSink } from "../src/sim/sinks/perfetto-proto.js";
import type { TraceSink } from "../src/sim/trace.js";
import { discardingRelay } from "./discarding-relay.js";
import { sample, timeIt, type BenchRow, type Benchmark } from "./harness.js";

const WARMUP_S = 30;
const WINDOW_S = 5;
const WINDOWS = 7;
const PRIME_S = 5;

type Format = "perfetto-proto" | "perfetto";
/** "no-op sink" and "ring only" are the diagnostic rows (see above). */
type Trace = "off" | "no-op sink" | "ring only" | { readonly format: Format; readonly thread: boolean };

/** A trace file in the temporary directory and the sink that streams into it. */
function traceFile(format: Format, thread: boolean): { sink: TraceSink; done: () => void } {
  const path = join(tmpdir(), `vplat-bench-x86.${format === "perfetto-proto" ? "pftrace" : "perfetto.json"}`);
  if (thread) {
    const writer = startTraceWriter(path, format, "bench");
    return {
      sink: writer.sink,
      done: () => {
        writer.sink.close();
        writer.close();
        unlinkSync(path);
      },
    };
  }
  const fd = openSync(path, "w");
  const sink =
    format === "perfetto-proto"
      ? new PerfettoProtoSink({ writeBytes: (b) => void writeSync(fd, b) })
      : new PerfettoSink({ write: (s) => void writeSync(fd, s), writeBytes: (b) => void writeSync(fd, b) });
  return {
    sink,
    done: () => {
      sink.close();
      closeSync(fd);
      unlinkSync(path);
    },
  };
}

function board(trace: Trace): { pc: X86Pc; done: () => void } {
  const pc = new X86Pc({ cpus: 2, HZ: 1000, tickMode: "oneshot" });
  if (trace === "off") {
    pc.boot();
    return { pc, done: () => {} };
  }
  if (trace === "no-op sink" || trace === "ring only") {
    // Detached, not closed: closing a relay waits for a reader to close its sink, and none will.
    const sink: TraceSink = trace === "ring only" ? discardingRelay() : { record: () => {}, close: () => {} };
    pc.machine.tracer.attach(sink);
    pc.boot();
    return { pc, done: () => pc.machine.tracer.detach(sink) };
  }
  const file = traceFile(trace.format, trace.thread);
  pc.machine.tracer.attach(file.sink);
  pc.boot();
  return { pc, done: file.done };
}

function check(pc: X86Pc): void {
  if (pc.report().hpet?.selftest !== "passed") throw new Error("bench: the HPET driver did not come up");
}

/** Steady-state speeds: WINDOWS windows after the warm-up, in x real time. */
function steady(trace: Trace): number[] {
  const { pc, done } = board(trace);
  pc.runFor(WARMUP_S * 1e9);
  const speeds = Array.from({ length: WINDOWS }, () => WINDOW_S / timeIt(() => pc.runFor(WINDOW_S * 1e9)));
  check(pc);
  done();
  return speeds;
}

/** Runs a board with `trace` for PRIME_S, untimed. */
function prime(trace: Trace): void {
  const { pc, done } = board(trace);
  pc.runFor(PRIME_S * 1e9);
  done();
}

function describe(trace: Trace): string {
  const format = (f: Format) => (f === "perfetto-proto" ? "Perfetto protobuf" : "Perfetto JSON");
  if (trace === "off") return "trace off";
  if (trace === "no-op sink") return "every event emitted to a sink that does nothing";
  if (trace === "ring only") return "every event copied into the writer thread's ring, which nothing formats";
  return `trace streamed to a file (${format(trace.format)}) ${trace.thread ? "by the writer thread (vplat run --trace)" : "on the simulation's thread"}`;
}

function row(trace: Trace, target: number | undefined): BenchRow {
  return {
    name: `x86-pc 2 CPUs HZ=1000 per-CPU HPET one-shot, ${describe(trace)}`,
    unit: "x real time",
    value: sample(steady(trace)),
    ...(target === undefined ? {} : { target: { min: target } }),
  };
}

/** The first simulated second after boot, in a process that has not run the board before. */
function coldRow(cold: number): BenchRow {
  return { name: "x86-pc, trace off, first simulated second of a fresh process (JIT warm-up)", unit: "x real time", value: sample([cold]) };
}

export const x86Board: Benchmark = {
  name: "x86-pc board speed",
  run: () => {
    const first = board("off");
    const cold = 1 / timeIt(() => first.pc.runFor(1e9));
    check(first.pc);
    const off = row("off", 1000);
    const traced: { trace: Trace; target?: number }[] = [
      { trace: "no-op sink" },
      { trace: "ring only" },
      { trace: { format: "perfetto-proto", thread: true }, target: 100 },
      { trace: { format: "perfetto", thread: true } },
      { trace: { format: "perfetto-proto", thread: false } },
      { trace: { format: "perfetto", thread: false } },
    ];
    // Whichever traced row ran first would pay for V8 recompiling the tick path with tracing on.
    for (const t of traced) prime(t.trace);
    return [off, ...traced.map((t) => row(t.trace, t.target)), coldRow(cold)];
  },
};
