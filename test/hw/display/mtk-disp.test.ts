/**
 * MT8173 display pipeline: frame timing, GCE event pulses, shadow registers, the write log and
 * the underrun rule, qtest style. Addresses (dts), event ids (spec §4.1) and interrupt
 * registers (mtk_disp_ovl.c, mtk_disp_rdma.c) are redeclared here.
 */
import { describe, expect, it } from "vitest";
import { MtkDisplay, type DisplayPathProps } from "../../../src/hw/display/mtk-disp.js";
import { MtkGce } from "../../../src/hw/mailbox/mtk-gce.js";
import { Dram } from "../../../src/hw/mem/dram.js";
import { Bus } from "../../../src/sim/bus.js";
import { Clock } from "../../../src/sim/clock.js";
import type { IrqSink } from "../../../src/sim/irq.js";
import { RingSink } from "../../../src/sim/sinks/ring.js";
import { Tracer } from "../../../src/sim/trace.js";
import { assemble } from "../../../src/tools/cmdq/index.js";

const MMSYS = 0x1400_0000;
const OVL0 = 0x1400_c000;
const OVL1 = 0x1400_d000;
const RDMA0 = 0x1400_e000;
const RDMA1 = 0x1400_f000;
const RDMA2 = 0x1401_0000;
const WDMA0 = 0x1401_1000;
const WDMA1 = 0x1401_2000;
const MUTEX = 0x1402_0000;

const OVL0_SOF = 11;
const RDMA0_SOF = 13;
const OVL0_EOF = 39;
const RDMA0_EOF = 41;
const MUTEX0_STREAM_EOF = 53;
const RDMA0_UNDERRUN = 63;

const DISP_REG_OVL_INTEN = 0x4;
const DISP_REG_OVL_INTSTA = 0x8;
const OVL_FME_CPL_INT = 1 << 1;
const DISP_REG_RDMA_INT_ENABLE = 0x0;
const DISP_REG_RDMA_INT_STATUS = 0x4;
const RDMA_REG_UPDATE_INT = 1 << 0;
const RDMA_FRAME_START_INT = 1 << 1;
const RDMA_FRAME_END_INT = 1 << 2;
const RDMA_FIFO_UNDERFLOW_INT = 1 << 4;
const RDMA_SIZE_CON_0 = 0x14; // a configuration register

// 60 Hz, 1080 of 1125 lines active.
const SOF1 = 16_666_666;
const VBLANK0 = 15_999_999; // floor(16 666 666 · 1080 / 1125)

function machine(paths?: readonly DisplayPathProps[], trace = false) {
  const clock = new Clock();
  const tracer = new Tracer(clock);
  const ring = new RingSink();
  if (trace) tracer.attach(ring);
  const bus = new Bus(tracer, "throw");
  const events: { t: number; id: number }[] = [];
  const gce: IrqSink = { setIrq: (id, level) => level && events.push({ t: clock.now, id }) };
  const disp = new MtkDisplay({ clock, tracer, events: gce, writeLogCapacity: 64, ...(paths ? { paths } : {}) });
  for (const r of disp.regions) bus.map(r);
  return { clock, tracer, ring, bus, disp, events, writel: (a: number, v: number) => bus.write32(a, v), readl: (a: number) => bus.read32(a) };
}

describe("display blocks", () => {
  it("maps MMSYS, OVL0/1, RDMA0/1/2, WDMA0/1 and the MUTEX at their mt8173 addresses", () => {
    const m = machine([{ running: false }]);
    for (const base of [MMSYS, OVL0, OVL1, RDMA0, RDMA1, RDMA2, WDMA0, WDMA1, MUTEX]) {
      m.writel(base + 0x100, base >>> 12);
      expect(m.readl(base + 0x100)).toBe(base >>> 12);
      expect(m.readl(base + 0xffc)).toBe(0);
    }
    expect(() => m.readl(0x1401_3000)).toThrow(/bus error/); // DISP_COLOR0: not modelled
  });

  it("rejects paths with unknown or shared components and bad timings", () => {
    const clock = new Clock();
    const tracer = new Tracer(clock);
    expect(() => new MtkDisplay({ clock, tracer, paths: [{ components: ["MUTEX"] }] })).toThrow(/not an OVL/);
    expect(() => new MtkDisplay({ clock, tracer, paths: [{}, { components: ["OVL0"] }] })).toThrow(/already in path 0/);
    expect(() => new MtkDisplay({ clock, tracer, paths: [{ timing: { refreshHz: 59.94 } }] })).toThrow(/refreshHz/);
    expect(() => new MtkDisplay({ clock, tracer, paths: [{ mutex: 5 }] })).toThrow(/mutex/);
  });
});

describe("panel timing and events", () => {
  it("runs 60 Hz 1080p frames: SOF, then each block's EOF and the mutex stream EOF at vblank", () => {
    const m = machine();
    expect(m.disp.frameTimes(0, 0)).toEqual({ sof: 0, vblank: VBLANK0, nextSof: SOF1 });
    m.clock.run(SOF1);
    expect(m.events).toEqual([
      { t: 0, id: OVL0_SOF },
      { t: 0, id: RDMA0_SOF },
      { t: VBLANK0, id: OVL0_EOF },
      { t: VBLANK0, id: RDMA0_EOF },
      { t: VBLANK0, id: MUTEX0_STREAM_EOF },
      { t: SOF1, id: OVL0_SOF },
      { t: SOF1, id: RDMA0_SOF },
    ]);
    expect(m.disp.stats().frames).toBe(2);
  });

  it("keeps frame times exact over hours (integer nanoseconds, no drift)", () => {
    const m = machine();
    const tenHours = 60 * 3600 * 10;
    expect(m.disp.frameTimes(0, tenHours).sof).toBe(10 * 3600 * 1e9);
    expect(m.disp.frameTimes(0, 1).sof).toBe(16_666_666);
    expect(m.disp.frameTimes(0, 2).sof).toBe(33_333_333);
    expect(m.disp.frameTimes(0, 3).sof).toBe(50_000_000);
  });

  it("takes its timing, components and mutex from the path properties", () => {
    const m = machine([{ mutex: 1, components: ["OVL1", "RDMA1"], timing: { refreshHz: 120, activeLines: 100, vblankLines: 25 }, startAt: 500 }]);
    expect(m.disp.frameTimes(0, 0)).toEqual({ sof: 500, vblank: 500 + 6_666_666, nextSof: 500 + 8_333_333 });
    m.clock.run(500 + 6_666_666);
    expect(m.events.map((e) => e.id)).toEqual([12, 14, 40, 42, 54]); // OVL1/RDMA1 SOF, EOF, MUTEX1_STREAM_EOF
  });

  it("stops sending events when a path stops, and starts again from frame 0", () => {
    const m = machine();
    m.clock.run(1000);
    m.disp.stopPath(0);
    m.clock.run(100_000_000);
    expect(m.events).toHaveLength(2);
    m.disp.startPath(0, 200_000_000);
    m.clock.run(200_000_000);
    expect(m.events).toHaveLength(4);
    expect(m.disp.stats().paths[0]!.running).toBe(true);
  });
});

describe("shadow registers", () => {
  it("latches configuration writes into the active copy at SOF; reads return the shadow", () => {
    const m = machine([{ startAt: 1000 }]);
    m.writel(RDMA0 + RDMA_SIZE_CON_0, 5); // vblank before the first frame
    expect(m.readl(RDMA0 + RDMA_SIZE_CON_0)).toBe(5);
    expect(m.disp.activeValue(RDMA0 + RDMA_SIZE_CON_0)).toBe(0);
    m.clock.run(1000);
    expect(m.disp.activeValue(RDMA0 + RDMA_SIZE_CON_0)).toBe(5);
    m.clock.run(2000);
    m.writel(RDMA0 + RDMA_SIZE_CON_0, 6); // during the active period: latches next frame
    m.clock.run(1000 + SOF1 - 1);
    expect(m.disp.activeValue(RDMA0 + RDMA_SIZE_CON_0)).toBe(5);
    m.clock.run(1000 + SOF1);
    expect(m.disp.activeValue(RDMA0 + RDMA_SIZE_CON_0)).toBe(6);
  });

  it("applies writes at once to blocks outside every path, and to MMSYS and the MUTEX", () => {
    const m = machine();
    m.clock.run(1000);
    for (const a of [OVL1 + 0x40, WDMA0 + 0x40, MMSYS + 0x40, MUTEX + 0x20]) {
      m.writel(a, 7);
      expect(m.disp.activeValue(a)).toBe(7);
    }
    expect(m.disp.stats().lateWrites).toBe(0);
  });

  it("acts on interrupt registers at once: status bits at SOF/EOF, the line follows INTSTA & INTEN, write 0 clears", () => {
    const m = machine();
    const line = m.disp.irq("RDMA0");
    m.writel(RDMA0 + DISP_REG_RDMA_INT_ENABLE, RDMA_FRAME_END_INT);
    m.clock.run(1000);
    expect(m.readl(RDMA0 + DISP_REG_RDMA_INT_STATUS)).toBe(RDMA_REG_UPDATE_INT | RDMA_FRAME_START_INT);
    expect(line.level).toBe(false);
    m.clock.run(VBLANK0);
    expect(m.readl(RDMA0 + DISP_REG_RDMA_INT_STATUS)).toBe(RDMA_REG_UPDATE_INT | RDMA_FRAME_START_INT | RDMA_FRAME_END_INT);
    expect(line.level).toBe(true);
    m.writel(RDMA0 + DISP_REG_RDMA_INT_STATUS, 0);
    expect(line.level).toBe(false);
    // OVL0's frame-complete interrupt is the mt8173 vblank interrupt.
    m.writel(OVL0 + DISP_REG_OVL_INTEN, OVL_FME_CPL_INT);
    m.clock.run(VBLANK0 + SOF1);
    expect(m.readl(OVL0 + DISP_REG_OVL_INTSTA) & OVL_FME_CPL_INT).toBe(OVL_FME_CPL_INT);
    expect(m.disp.irq("OVL0").level).toBe(true);
  });
});

describe("write log", () => {
  it("records every write with its time and whether it landed in vblank or late", () => {
    const m = machine();
    m.clock.run(5000); // active
    m.writel(OVL0 + 0x40, 1);
    m.clock.run(VBLANK0 + 10); // vblank
    m.writel(OVL0 + 0x44, 2);
    m.writel(MMSYS + 0x40, 3);
    expect(m.disp.writeLog()).toEqual([
      { t: 5000, addr: OVL0 + 0x40, value: 1, inVblank: false, late: true },
      { t: VBLANK0 + 10, addr: OVL0 + 0x44, value: 2, inVblank: true, late: false },
      { t: VBLANK0 + 10, addr: MMSYS + 0x40, value: 3, inVblank: true, late: false },
    ]);
    const s = m.disp.stats();
    expect([s.writes, s.vblankWrites, s.activeWrites, s.lateWrites]).toEqual([3, 2, 1, 1]);
    expect(s.paths[0]).toMatchObject({ configWrites: 1, lateWrites: 1 });
  });

  it("keeps only the last writeLogCapacity writes but counts them all", () => {
    const m = machine();
    for (let i = 0; i < 100; i++) m.writel(OVL0 + 0x40, i);
    const log = m.disp.writeLog();
    expect(log).toHaveLength(64);
    expect(log[0]!.value).toBe(36);
    expect(log[63]!.value).toBe(99);
    expect(m.disp.stats().writes).toBe(100);
  });

  it("traces writes and frame slices on the path's track", () => {
    const m = machine(undefined, true);
    m.clock.run(VBLANK0);
    m.writel(OVL0 + 0x40, 1);
    const lines = m.ring.lines().filter((l) => l.includes(" disp "));
    expect(lines).toEqual([
      "000000000000 disp disp_active_begin path=disp.path0 frame=0",
      "000015999999 disp disp_active_end path=disp.path0 frame=0",
      "000015999999 disp disp_vblank_begin path=disp.path0 frame=0",
      "000015999999 disp disp_write component=disp.ovl0 addr=0x1400c040 value=0x1 vblank=1 late=0",
    ]);
  });
});

describe("underruns", () => {
  it("counts an underrun when a frame's configuration straddles its SOF (rule: vblank writes, then a late one)", () => {
    const m = machine();
    m.clock.run(VBLANK0 + 1000);
    m.writel(RDMA0 + 0x40, 1); // the configuration for frame 1 starts in vblank…
    m.clock.run(SOF1 + 1000);
    m.writel(RDMA0 + 0x44, 2); // …and is still being written after frame 1's SOF
    m.writel(RDMA0 + 0x48, 3);
    const s = m.disp.stats();
    expect(s.underruns).toBe(1); // once per frame
    expect(s.lateWrites).toBe(2);
    expect(m.events.filter((e) => e.id === RDMA0_UNDERRUN)).toEqual([{ t: SOF1 + 1000, id: RDMA0_UNDERRUN }]);
    expect(m.readl(RDMA0 + DISP_REG_RDMA_INT_STATUS) & RDMA_FIFO_UNDERFLOW_INT).toBe(RDMA_FIFO_UNDERFLOW_INT);
  });

  it("counts no underrun for a configuration written entirely in vblank, or entirely late", () => {
    const m = machine();
    m.clock.run(VBLANK0 + 1000);
    m.writel(RDMA0 + 0x40, 1);
    m.writel(RDMA0 + 0x44, 2);
    m.clock.run(SOF1 + VBLANK0); // frame 1 and its vblank pass without more writes
    m.clock.run(2 * SOF1 + 5000); // frame 2 active: an update entirely during scan-out
    m.writel(RDMA0 + 0x40, 3);
    m.writel(RDMA0 + 0x44, 4);
    const s = m.disp.stats();
    expect(s.underruns).toBe(0);
    expect(s.lateWrites).toBe(2);
  });

  it("with a commit register, counts an underrun when SOF finds the configuration uncommitted", () => {
    const COMMIT = MUTEX + 0x20;
    const m = machine([{ commitAddress: COMMIT }]);
    m.clock.run(VBLANK0 + 1000);
    m.writel(RDMA0 + 0x40, 1);
    m.writel(COMMIT, 1); // complete in time
    m.clock.run(SOF1 + VBLANK0 + 1000);
    expect(m.disp.stats().underruns).toBe(0);
    m.writel(RDMA0 + 0x40, 2); // frame 2's configuration, never committed
    m.clock.run(2 * SOF1 + 1);
    expect(m.disp.stats().underruns).toBe(1);
    expect(m.events.filter((e) => e.id === RDMA0_UNDERRUN)).toEqual([{ t: 2 * SOF1 + 1, id: RDMA0_UNDERRUN }]);
  });
});

describe("display and GCE together", () => {
  /** The hardware-only frame loop of bench/gce.ts: wait for stream EOF, 200 writes, EOC; re-armed on the IRQ. */
  function frames(writeNs: number, count: number) {
    const clock = new Clock();
    const tracer = new Tracer(clock);
    const bus = new Bus(tracer, "throw");
    const dram = new Dram({ base: 0x4000_0000, size: 0x10000 });
    const gce = new MtkGce({ clock, tracer, bus, dram, base: 0x1021_2000, timing: { writeNs } });
    const disp = new MtkDisplay({ clock, tracer, events: gce });
    bus.map(dram.region);
    bus.map(gce.region);
    for (const r of disp.regions) bus.map(r);
    const body = Array.from({ length: 200 }, (_, i) => `write DISP_${i < 100 ? "OVL0" : "RDMA0"} + 0x${(0x40 + 4 * (i % 100)).toString(16)}, ${i + 1}`);
    const words = assemble(`wfe MUTEX0_STREAM_EOF\n${body.join("\n")}\neoc`);
    dram.load(0x4000_0000, words);
    const thr0 = 0x1021_2100;
    const rearm = clock.newTimer("cpu", () => {
      bus.write32(thr0 + 0x10, ~1 >>> 0);
      bus.write32(thr0 + 0x20, 0x4000_0000);
    });
    gce.irq.connect({ setIrq: (_p, level) => level && rearm.mod(clock.now) }, 0);
    bus.write32(thr0 + 0x20, 0x4000_0000);
    bus.write32(thr0 + 0x24, 0x4000_0000 + words.length * 4);
    bus.write32(thr0 + 0x14, 0x13);
    bus.write32(thr0 + 0x04, 1);
    clock.run(count * SOF1 + 1_000_000); // frames 1..count, and 1 ms into the last one
    return { disp, gce };
  }

  it("writes every frame's configuration inside vblank, latched at the next SOF", () => {
    const { disp, gce } = frames(40, 10);
    const s = disp.stats();
    expect(s.writes).toBe(200 * 10);
    expect(s.vblankWrites).toBe(s.writes);
    expect(s.underruns).toBe(0);
    expect(gce.stats().eocIrqs).toBe(10);
    expect(disp.activeValue(RDMA0 + 0x40)).toBe(101);
  });

  it("underruns every frame when the GCE is too slow to finish within vblank", () => {
    const { disp } = frames(5_000, 10); // 200 × 5 µs = 1 ms > 0.67 ms of vblank
    const s = disp.stats();
    expect(s.lateWrites).toBeGreaterThan(0);
    expect(s.underruns).toBe(10);
  });
});
