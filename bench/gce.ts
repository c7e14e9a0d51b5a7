/**
 * GCE engine and display hardware, without any kernel code:
 * - the engine's execution rate on WRITE-heavy command buffers (target >= 20 M instructions/s);
 * - a 60 fps display for 60 simulated seconds, one GCE thread per frame waiting on
 *   MUTEX0_STREAM_EOF, writing 200 display registers and ending with EOC, re-armed each frame
 *   by a small harness that writes the thread registers on the GCE interrupt (target >= 120
 *   simulated seconds per wall second, i.e. 60 s in <= 0.5 s).
 */
import { Bus } from "../src/sim/bus.js";
import { Clock } from "../src/sim/clock.js";
import type { IrqSink } from "../src/sim/irq.js";
import { Tracer } from "../src/sim/trace.js";
import { MtkDisplay } from "../src/hw/display/mtk-disp.js";
import { MtkGce } from "../src/hw/mailbox/mtk-gce.js";
import { Dram } from "../src/hw/mem/dram.js";
import { assemble } from "../src/tools/cmdq/index.js";
import { sample, timeIt, type Benchmark, type BenchRow } from "./harness.js";

const GCE_BASE = 0x1021_2000;
const DRAM_BASE = 0x4000_0000;
const THR0 = GCE_BASE + 0x100;
// Thread register offsets (spec §2.1).
const ENABLE_TASK = 0x04;
const IRQ_STATUS = 0x10;
const IRQ_ENABLE = 0x14;
const CURR_ADDR = 0x20;
const END_ADDR = 0x24;

interface Machine {
  readonly clock: Clock;
  readonly bus: Bus;
  readonly dram: Dram;
  readonly gce: MtkGce;
  readonly disp: MtkDisplay;
}

function machine(): Machine {
  const clock = new Clock();
  const tracer = new Tracer(clock);
  const bus = new Bus(tracer);
  const dram = new Dram({ base: DRAM_BASE, size: 1 << 20 });
  const gce = new MtkGce({ clock, tracer, bus, dram, base: GCE_BASE });
  const disp = new MtkDisplay({ clock, tracer, events: gce, writeLogCapacity: 0 });
  bus.map(dram.region);
  bus.map(gce.region);
  for (const r of disp.regions) bus.map(r);
  return { clock, bus, dram, gce, disp };
}

/**
 * `count` register writes over OVL0 and RDMA0 in runs of 8 per block, as the DRM driver's
 * per-component and per-layer configuration functions emit them.
 */
function writes(count: number): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const block = (i >> 3) % 2 === 0 ? "DISP_OVL0" : "DISP_RDMA0";
    lines.push(`write ${block} + 0x${(0x040 + 4 * (i % 256)).toString(16)}, 0x${(i * 0x01010101 >>> 0).toString(16)}`);
  }
  return lines.join("\n");
}

function startThread(m: Machine, pa: number, bytes: number): void {
  m.bus.write32(THR0 + CURR_ADDR, pa);
  m.bus.write32(THR0 + END_ADDR, pa + bytes);
  m.bus.write32(THR0 + IRQ_ENABLE, 0x13);
  m.bus.write32(THR0 + ENABLE_TASK, 1);
}

/** Instructions per wall second: a 1000-WRITE loop (plus its JUMP back) run for `simNs`. */
function writeRate(simNs: number): number {
  const m = machine();
  const words = assemble(`top:\n${writes(1000)}\njump top`);
  m.dram.load(DRAM_BASE, words);
  startThread(m, DRAM_BASE, words.length * 4 + 8); // END past the loop: it never stops
  const before = m.gce.stats().instructions;
  const wall = timeIt(() => m.clock.run(simNs));
  return (m.gce.stats().instructions - before) / wall;
}

/** Simulated seconds per wall second for `seconds` of 60 fps frames, 200 GCE writes each. */
function displayRate(seconds: number): { rate: number; frames: number; underruns: number; late: number } {
  const m = machine();
  const words = assemble(`wfe MUTEX0_STREAM_EOF\n${writes(200)}\neoc`);
  m.dram.load(DRAM_BASE, words);
  const bytes = words.length * 4;
  // The harness: on the GCE interrupt, at the next event boundary (as a CPU would take it),
  // acknowledge and re-arm the thread at its packet's start.
  const rearm = m.clock.newTimer("harness.rearm", () => {
    m.bus.write32(THR0 + IRQ_STATUS, ~0x1 >>> 0);
    m.bus.write32(THR0 + CURR_ADDR, DRAM_BASE);
  });
  const cpu: IrqSink = { setIrq: (_pin, level) => level && rearm.mod(m.clock.now) };
  m.gce.irq.connect(cpu, 0);
  startThread(m, DRAM_BASE, bytes);
  const wall = timeIt(() => m.clock.run(seconds * 1e9));
  const s = m.disp.stats();
  return { rate: seconds / wall, frames: s.frames, underruns: s.underruns, late: s.lateWrites };
}

export const gce: Benchmark = {
  name: "gce engine and display",
  run(): BenchRow[] {
    writeRate(20e6); // warm-up
    const rates: number[] = [];
    for (let i = 0; i < 5; i++) rates.push(writeRate(100e6)); // 100 ms simulated ≈ 2.5 M writes
    displayRate(5); // warm-up
    const display: number[] = [];
    let last = { frames: 0, underruns: 0, late: 0 };
    for (let i = 0; i < 5; i++) {
      const r = displayRate(60);
      display.push(r.rate);
      last = r;
    }
    // SOFs at 0, 1/60 s, …, 60 s inclusive.
    if (last.frames !== 3601 || last.underruns !== 0 || last.late !== 0) {
      throw new Error(`display bench ran wrong: ${last.frames} frames, ${last.underruns} underruns, ${last.late} late writes`);
    }
    return [
      { name: "GCE WRITE-heavy execution (1000-write loop)", unit: "instr/s", value: sample(rates), target: { min: 20e6 } },
      { name: "60 fps x 200 GCE writes/frame, 60 s, hardware only", unit: "x real time", value: sample(display), target: { min: 120 } },
    ];
  },
};
