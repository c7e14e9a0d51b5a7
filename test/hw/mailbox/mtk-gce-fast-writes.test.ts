/**
 * The GCE engine's fast path for runs of WRITEs (`runWrites`: straight from DRAM, the bus
 * lookup done once per register block) must give exactly what executing each instruction on
 * its own gives. Tracing turns the fast path off (every instruction is traced), so the same
 * program run with and without a trace sink compares the two paths. Register offsets and
 * addresses are redeclared from ../shared/spec/cmdq-gce.md §2.1 and the mt8173 dts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MtkDisplay } from "../../../src/hw/display/mtk-disp.js";
import { MtkGce } from "../../../src/hw/mailbox/mtk-gce.js";
import { Dram } from "../../../src/hw/mem/dram.js";
import { Bus } from "../../../src/sim/bus.js";
import { Clock } from "../../../src/sim/clock.js";
import { RingSink } from "../../../src/sim/sinks/ring.js";
import { Tracer } from "../../../src/sim/trace.js";

const GCE_BASE = 0x1021_2000;
const thr = (n: number, reg: number) => GCE_BASE + 0x100 + 0x80 * n + reg;
const ENABLE_TASK = 0x04;
const IRQ_ENABLE = 0x14;
const CURR_ADDR = 0x20;
const END_ADDR = 0x24;
const SPR0 = 0x60;
const GPR0 = GCE_BASE + 0x80;
const DRAM_BASE = 0x4000_0000;
const PKT = DRAM_BASE + 0x1000;

// Instruction words (spec §1.1): hi = op << 24 | arg_a, lo = arg_b.
const WRITE = 0x04;
const MASK = 0x02;
const JUMP = 0x10;
const EOC = 0x40;
/** Subsys ids: 1..3 are mt8173's 0x1400..0x1402; 4 is added here for the GCE's own block. */
const SUBSYS = [
  { id: 1, base: 0x1400 },
  { id: 2, base: 0x1401 },
  { id: 3, base: 0x1402 },
  { id: 4, base: 0x1021 },
];

function run(words: readonly number[], traced: boolean) {
  const clock = new Clock();
  const tracer = new Tracer(clock);
  if (traced) tracer.attach(new RingSink(16));
  const bus = new Bus(tracer, "ignore");
  const dram = new Dram({ base: DRAM_BASE, size: 0x1_0000 });
  const gce = new MtkGce({ clock, tracer, bus, dram, base: GCE_BASE, subsys: SUBSYS });
  const disp = new MtkDisplay({ clock, tracer, events: gce, writeLogCapacity: 4096, paths: [{ running: false }] });
  bus.map(dram.region);
  bus.map(gce.region);
  for (const r of disp.regions) bus.map(r);
  dram.load(PKT, Uint32Array.from(words));
  bus.write32(thr(0, CURR_ADDR), PKT);
  bus.write32(thr(0, END_ADDR), PKT + words.length * 4);
  bus.write32(thr(0, IRQ_ENABLE), 0x13);
  bus.write32(thr(0, ENABLE_TASK), 1);
  clock.run(200_000);
  const th = gce.threadState(0);
  return {
    writes: disp.writeLog(),
    busErrors: bus.errors,
    stats: gce.stats(),
    thread: { pc: th.pc, irqStatus: th.irqStatus, activity: th.activity, spr: th.spr, instructions: th.instructions },
    gpr0: gce.gprValue(0),
  };
}

/** A WRITE of `value` to `offset` in subsys `subsys` (offset bit 0 is the use-mask flag). */
const write = (subsys: number, offset: number, value: number) => [value >>> 0, ((WRITE << 24) | (subsys << 16) | offset) >>> 0];

describe("GCE fast WRITE path", () => {
  // Display blocks (mapped), a hole in subsys 3 (unmapped: a bus error), the GCE's own SPR0
  // and GPR R0 (the batch must stop after them), misaligned offsets, masked writes, unknown subsys.
  const arbInst = fc.oneof(
    { weight: 8, arbitrary: fc.record({ kind: fc.constant("disp" as const), block: fc.constantFrom(0xc000, 0xd000, 0xe000), word: fc.integer({ min: 0x10, max: 0x3ff }), value: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("hole" as const), offset: fc.integer({ min: 0, max: 0x3fff }).map((o) => o * 4), value: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("self" as const), gpr: fc.boolean(), value: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("misaligned" as const), word: fc.integer({ min: 0x10, max: 0x3ff }), value: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("masked" as const), word: fc.integer({ min: 0x10, max: 0x3ff }), mask: fc.nat(), value: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("badSubsys" as const), value: fc.nat() }) },
  );
  type Inst = typeof arbInst extends fc.Arbitrary<infer T> ? T : never;

  function encode(inst: Inst): number[] {
    switch (inst.kind) {
      case "disp":
        return write(1, inst.block + 4 * inst.word, inst.value);
      case "hole":
        return write(3, 0x8000 + (inst.offset & 0x7ffc), inst.value);
      case "self":
        return write(4, inst.gpr ? GPR0 & 0xffff : thr(0, SPR0) & 0xffff, inst.value);
      case "misaligned":
        return write(1, 0xc000 + 4 * inst.word + 2, inst.value);
      case "masked":
        return [...[~inst.mask >>> 0, (MASK << 24) >>> 0], ...write(1, 0xc000 + 4 * inst.word + 1, inst.value)];
      case "badSubsys":
        return write(9, 0x40, inst.value);
    }
  }

  it("gives the same writes, times, errors and thread state as executing one instruction at a time", () => {
    fc.assert(
      fc.property(fc.array(arbInst, { minLength: 1, maxLength: 300 }), fc.boolean(), (insts, loop) => {
        const words = insts.flatMap(encode);
        // Either stop with an EOC, or loop back to the start (the slice and horizon end batches).
        if (loop) words.push((-words.length * 4) >>> 0, (JUMP << 24) >>> 0);
        else words.push(1, (EOC << 24) >>> 0);
        const fast = run(words, false);
        const stepped = run(words, true);
        expect(fast).toEqual(stepped);
      }),
      { numRuns: 150 },
    );
  });

  it("stops a run of writes at a write to the engine's own registers, which takes effect at once", () => {
    const words = [...write(1, 0xc040, 7), ...write(4, thr(0, SPR0) & 0xffff, 0x1234), ...write(1, 0xc044, 8), 1, (EOC << 24) >>> 0];
    const r = run(words, false);
    expect(r.thread.spr[0]).toBe(0x1234);
    expect(r.writes.map((w) => [w.addr, w.value, w.t])).toEqual([
      [0x1400_c040, 7, 0],
      [0x1400_c044, 8, 80], // after the self-write, in a new batch at its own time (2 × 40 ns)
    ]);
    expect(r.thread.irqStatus).toBe(0x1);
    expect(run(words, true)).toEqual(r);
  });
});
