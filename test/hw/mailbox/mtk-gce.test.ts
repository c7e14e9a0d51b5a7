/**
 * GCE controller and engine, qtest style: programs assembled with the cmdq tools, loaded into
 * DRAM, threads started by writing their registers on the bus, the clock stepped, results read
 * back from display registers, GCE registers and the interrupt line. Register offsets are
 * redeclared here from ../shared/spec/cmdq-gce.md §2.1, not imported from the model.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MtkDisplay } from "../../../src/hw/display/mtk-disp.js";
import { MtkGce, type GceProps } from "../../../src/hw/mailbox/mtk-gce.js";
import { GceThreadState } from "../../../src/hw/mailbox/trace-events.js";
import { Dram } from "../../../src/hw/mem/dram.js";
import { Bus, type BusErrorPolicy } from "../../../src/sim/bus.js";
import { Clock } from "../../../src/sim/clock.js";
import type { IrqSink } from "../../../src/sim/irq.js";
import { RingSink } from "../../../src/sim/sinks/ring.js";
import { Tracer } from "../../../src/sim/trace.js";
import { assemble } from "../../../src/tools/cmdq/index.js";

// spec §2.1, global registers
const GCE_BASE = 0x1021_2000;
const CURR_IRQ_STATUS = 0x10;
const THR_SLOT_CYCLES = 0x30;
const SYNC_TOKEN_ID = 0x60;
const SYNC_TOKEN_VALUE = 0x64;
const SYNC_TOKEN_UPDATE = 0x68;
const GPR = (n: number) => 0x80 + 4 * n;
// spec §2.1, per thread at 0x100 + 0x80 * n
const WARM_RESET = 0x00;
const ENABLE_TASK = 0x04;
const SUSPEND_TASK = 0x08;
const CURR_STATUS = 0x0c;
const IRQ_STATUS = 0x10;
const IRQ_ENABLE = 0x14;
const CURR_ADDR = 0x20;
const END_ADDR = 0x24;
const WAIT_TOKEN = 0x30;
const PRIORITY = 0x40;
const INST_CYCLES = 0x50; // vendor
const SPR = (i: number) => 0x60 + 4 * i; // vendor
const thr = (n: number, reg: number) => GCE_BASE + 0x100 + 0x80 * n + reg;
// IRQ bits: CMDQ_THR_IRQ_DONE 0x1; CMDQ_THR_IRQ_ERROR 0x12 = INSTN_TIMEOUT 0x2 | INVALID_INSTN 0x10 (vendor names)
const DONE = 0x1;
const TIMEOUT = 0x2;
const INVALID = 0x10;
const CMDQ_THR_IRQ_EN = 0x13;
const IS_WAITING = 0x8000_0000;

// mt8173 display registers (dts) and events (spec §4.1)
const OVL0 = 0x1400_c000;
const RDMA0 = 0x1400_e000;
const MUTEX0_STREAM_EOF = 53;

const DRAM_BASE = 0x4000_0000;
const PKT = DRAM_BASE + 0x1000;
const PKT2 = DRAM_BASE + 0x2000;

type GceOptions = Partial<Omit<GceProps, "clock" | "tracer" | "bus" | "dram" | "base">>;

function machine(options: { gce?: GceOptions; policy?: BusErrorPolicy; trace?: boolean } = {}) {
  const clock = new Clock();
  const tracer = new Tracer(clock);
  const ring = new RingSink(1 << 16);
  if (options.trace) tracer.attach(ring);
  const bus = new Bus(tracer, options.policy ?? "throw");
  const dram = new Dram({ base: DRAM_BASE, size: 0x1_0000 });
  const gce = new MtkGce({ clock, tracer, bus, dram, base: GCE_BASE, ...options.gce });
  // The panel is off: no frame events unless a test sends them.
  const disp = new MtkDisplay({ clock, tracer, events: gce, writeLogCapacity: 4096, paths: [{ running: false }] });
  bus.map(dram.region);
  bus.map(gce.region);
  for (const r of disp.regions) bus.map(r);
  const irqEdges: { t: number; level: boolean }[] = [];
  const cpu: IrqSink = { setIrq: (_pin, level) => irqEdges.push({ t: clock.now, level }) };
  gce.irq.connect(cpu, 0);
  const writel = (addr: number, value: number) => bus.write32(addr, value);
  const readl = (addr: number) => bus.read32(addr);
  /** Assembles `text` at `pa`; returns the end address. */
  const load = (pa: number, text: string) => {
    const words = assemble(text);
    dram.load(pa, words);
    return pa + words.length * 4;
  };
  /** The driver's idle-thread start (spec §2.4 step 2). */
  const start = (n: number, pa: number, end: number, priority = 0) => {
    writel(thr(n, WARM_RESET), 1);
    writel(thr(n, CURR_ADDR), pa);
    writel(thr(n, END_ADDR), end);
    writel(thr(n, PRIORITY), priority);
    writel(thr(n, IRQ_ENABLE), CMDQ_THR_IRQ_EN);
    writel(thr(n, ENABLE_TASK), 1);
  };
  const writes = () => disp.writeLog().map((w) => ({ t: w.t, addr: w.addr, value: w.value }));
  return { clock, tracer, ring, bus, dram, gce, disp, irqEdges, writel, readl, load, start, writes };
}

describe("GCE registers", () => {
  it("reads reset values: no thread enabled, CURR_IRQ_STATUS all ones for the 16 threads (active-low)", () => {
    const m = machine();
    expect(m.readl(GCE_BASE + CURR_IRQ_STATUS)).toBe(0xffff);
    for (const n of [0, 7, 15]) {
      for (const reg of [WARM_RESET, ENABLE_TASK, SUSPEND_TASK, CURR_STATUS, IRQ_STATUS, IRQ_ENABLE, CURR_ADDR, END_ADDR, WAIT_TOKEN, PRIORITY]) {
        expect(m.readl(thr(n, reg))).toBe(0);
      }
    }
    expect(m.gce.irq.level).toBe(false);
  });

  it("warm reset zeroes PC, END, priority, IRQ enable, suspend and enable, and self-clears", () => {
    const m = machine();
    m.writel(thr(2, CURR_ADDR), PKT);
    m.writel(thr(2, END_ADDR), PKT);
    m.writel(thr(2, PRIORITY), 1);
    m.writel(thr(2, IRQ_ENABLE), CMDQ_THR_IRQ_EN);
    m.writel(thr(2, SUSPEND_TASK), 1);
    m.writel(thr(2, ENABLE_TASK), 1);
    expect([m.readl(thr(2, CURR_ADDR)), m.readl(thr(2, PRIORITY)), m.readl(thr(2, IRQ_ENABLE)), m.readl(thr(2, CURR_STATUS))]).toEqual([PKT, 1, 0x13, 0x2]);
    m.writel(thr(2, WARM_RESET), 1);
    expect(m.readl(thr(2, WARM_RESET))).toBe(0);
    for (const reg of [ENABLE_TASK, SUSPEND_TASK, CURR_STATUS, IRQ_ENABLE, CURR_ADDR, END_ADDR, PRIORITY]) expect(m.readl(thr(2, reg))).toBe(0);
  });

  it("keeps SLOT_CYCLES, the GPRs and the SPRs as written", () => {
    const m = machine();
    m.writel(GCE_BASE + THR_SLOT_CYCLES, 0x3200);
    m.writel(GCE_BASE + GPR(15), 0xdead_beef);
    m.writel(thr(4, SPR(3)), 0x1234_5678);
    expect(m.readl(GCE_BASE + THR_SLOT_CYCLES)).toBe(0x3200);
    expect(m.readl(GCE_BASE + GPR(15))).toBe(0xdead_beef);
    expect(m.readl(thr(4, SPR(3)))).toBe(0x1234_5678);
    expect(m.readl(thr(5, SPR(3)))).toBe(0);
  });

  it("traces writes to registers that do not exist as guest errors and ignores them", () => {
    const m = machine({ trace: true });
    m.writel(GCE_BASE + 0x4, 1);
    m.writel(GCE_BASE + CURR_IRQ_STATUS, 0);
    expect(m.readl(GCE_BASE + 0x4)).toBe(0);
    expect(m.readl(GCE_BASE + CURR_IRQ_STATUS)).toBe(0xffff);
    expect(m.ring.lines().filter((l) => l.includes("guest_error"))).toHaveLength(3); // two writes, one read
  });
});

describe("GCE execution", () => {
  it("runs a packet from DRAM: each WRITE lands at its instruction's virtual time, EOC raises DONE", () => {
    const m = machine({ gce: { timing: { sliceNs: 1 } } }); // one instruction per batch: exact stamps
    const end = m.load(PKT, "write DISP_OVL0 + 0x040, 0x11\nwrite DISP_RDMA0 + 0x014, 0x22\neoc");
    m.clock.run(1000);
    m.start(0, PKT, end);
    m.clock.run(2000);
    expect(m.writes()).toEqual([
      { t: 1000, addr: OVL0 + 0x40, value: 0x11 },
      { t: 1040, addr: RDMA0 + 0x14, value: 0x22 },
    ]);
    expect(m.irqEdges).toEqual([{ t: 1080, level: true }]);
    expect(m.readl(thr(0, IRQ_STATUS))).toBe(DONE);
    expect(m.readl(thr(0, CURR_ADDR))).toBe(end); // stopped at END, still enabled
    expect(m.readl(thr(0, ENABLE_TASK))).toBe(1);
    expect(m.gce.threadState(0).activity).toBe("idle");
  });

  it("batches instructions (bus accesses stamped at the batch start) but raises the EOC interrupt at the EOC's own time", () => {
    const m = machine();
    const end = m.load(PKT, "write DISP_OVL0 + 0x040, 0x11\nwrite DISP_RDMA0 + 0x014, 0x22\neoc");
    m.clock.run(1000);
    m.start(0, PKT, end);
    m.clock.run(2000);
    expect(m.writes().map((w) => w.t)).toEqual([1000, 1000]);
    expect(m.irqEdges).toEqual([{ t: 1080, level: true }]);
  });

  it("charges the configured time per instruction", () => {
    const m = machine({ gce: { timing: { writeNs: 100, internalNs: 7 } } });
    const end = m.load(PKT, "write DISP_OVL0 + 0x040, 1\nwrite DISP_OVL0 + 0x044, 2\nwrite DISP_OVL0 + 0x048, 3\neoc");
    m.start(0, PKT, end);
    m.clock.run(10_000);
    expect(m.irqEdges[0]).toEqual({ t: 300, level: true });
    expect(m.gce.stats().busyNs).toBe(307);
    expect(m.gce.stats().instructions).toBe(4);
  });

  it("applies MASK to the next masked WRITE (read-modify-write)", () => {
    const m = machine();
    m.writel(OVL0 + 0x50, 0xaabb_ccdd);
    const end = m.load(PKT, "mask 0x0000ff00\nwrite DISP_OVL0 + 0x050, 0x00001200, masked\neoc");
    m.start(0, PKT, end);
    m.clock.run(10_000);
    expect(m.readl(OVL0 + 0x50)).toBe(0xaabb_12dd);
  });

  it("jumps relative (from the JUMP itself) and absolute (to a physical address)", () => {
    const m = machine();
    m.load(PKT, "jump +16\nwrite DISP_OVL0 + 0x040, 0xbad\njump_abs 0x40002000");
    const end2 = m.load(PKT2, "write DISP_OVL0 + 0x044, 0x900d\njump -8");
    // END is PKT2's end: the backward jump loops on the WRITE until then... it never reaches END,
    // so stop it by pointing END at the JUMP after one pass.
    m.start(0, PKT, end2 - 8);
    m.clock.run(10_000);
    expect(m.readl(OVL0 + 0x40)).toBe(0);
    expect(m.readl(OVL0 + 0x44)).toBe(0x900d);
    expect(m.readl(thr(0, CURR_ADDR))).toBe(end2 - 8);
  });

  it("executes READ_S, WRITE_S and LOGIC with the thread's SPRs and the shared GPRs", () => {
    const m = machine();
    m.writel(OVL0 + 0x40, 100);
    const end = m.load(
      PKT,
      `assign SPR0, 0x1400          ; high half of 0x1400xxxx
       read_s R1, [SPR0 + 0xc042]   ; OVL0 + 0x40 (bit 1 is CMDQ_ADDR_LOW's flag)
       add R1, R1, 5
       write_s [SPR0 + 0xe040], R1  ; RDMA0 + 0x40
       write_s [SPR0 + 0xe044], 0x12345678
       eoc`,
    );
    m.start(0, PKT, end);
    m.clock.run(10_000);
    expect(m.readl(RDMA0 + 0x40)).toBe(105);
    expect(m.readl(RDMA0 + 0x44)).toBe(0x1234_5678);
    expect(m.readl(GCE_BASE + GPR(1))).toBe(105);
    expect(m.readl(thr(0, SPR(0)))).toBe(0x1400);
    expect(m.gce.threadState(0).irqStatus).toBe(DONE);
  });

  it("computes every LOGIC operator with 32-bit wrap-around", () => {
    const m = machine();
    const end = m.load(
      PKT,
      `assign R0, 0x12345678
       add R1, R0, 0x10
       subtract R2, 5, 7
       multiply R3, R0, 2
       xor R4, R0, 0xffff
       not R5, R0, 0
       or R6, R0, 0x0f0f
       and R7, R0, 0xff00
       left_shift R8, R0, 4
       right_shift R9, R0, 8
       assign R10, R9, 0
       eoc`,
    );
    m.start(0, PKT, end);
    m.clock.run(10_000);
    const r = Array.from({ length: 11 }, (_, i) => m.gce.gprValue(i));
    expect(r).toEqual([
      0x1234_5678, 0x1234_5688, 0xffff_fffe, 0x2468_acf0, 0x1234_a987, 0xedcb_a987, 0x1234_5f7f, 0x0000_5600, 0x2345_6780, 0x0012_3456, 0x0012_3456,
    ]);
  });

  it("shares GPRs between threads but keeps SPRs per thread", () => {
    const m = machine();
    const end0 = m.load(PKT, "assign R2, 7\nassign SPR1, 1\neoc");
    const end1 = m.load(PKT2, "add R3, R2, 1\nadd SPR1, SPR1, 0\neoc");
    m.start(0, PKT, end0);
    m.clock.run(1000);
    m.start(1, PKT2, end1);
    m.clock.run(2000);
    expect(m.gce.gprValue(3)).toBe(8);
    expect(m.readl(thr(0, SPR(1)))).toBe(1);
    expect(m.readl(thr(1, SPR(1)))).toBe(0);
  });

  it("translates subsys ids through the SoC table (1, 2, 3 reach 0x1400xxxx..0x1402xxxx)", () => {
    const m = machine();
    const end = m.load(PKT, "write subsys1 + 0xc040, 1\nwrite subsys2 + 0x0040, 2\nwrite subsys3 + 0x0040, 3\neoc");
    m.start(0, PKT, end);
    m.clock.run(10_000);
    expect([m.readl(0x1400_c040), m.readl(0x1401_0040), m.readl(0x1402_0040)]).toEqual([1, 2, 3]);
  });

  it("holds PC and END shifted by shift_pa, and shifts absolute jump targets", () => {
    const m = machine({ gce: { shiftPa: 3 } });
    const words = assemble("jump_abs 0x40002000", { soc: "mt8195" });
    m.dram.load(PKT, words);
    m.load(PKT2, "write subsys1 + 0xc040, 0x33\neoc");
    m.writel(thr(0, CURR_ADDR), PKT / 8);
    m.writel(thr(0, END_ADDR), (PKT2 + 16) / 8);
    m.writel(thr(0, ENABLE_TASK), 1);
    m.clock.run(10_000);
    expect(m.readl(OVL0 + 0x40)).toBe(0x33);
    expect(m.readl(thr(0, CURR_ADDR))).toBe((PKT2 + 16) / 8);
    expect(m.gce.threadState(0).pc).toBe(PKT2 + 16);
  });
});

describe("GCE events (WFE, SYNC_TOKEN_UPDATE)", () => {
  it("blocks a WFE until the event is pulsed, shows IS_WAITING in WAIT_TOKEN, and clears the event", () => {
    const m = machine({ gce: { timing: { sliceNs: 1 } } });
    const end = m.load(PKT, "wfe MUTEX0_STREAM_EOF\nwrite DISP_OVL0 + 0x040, 1\neoc");
    m.start(0, PKT, end);
    m.clock.run(1000);
    expect(m.readl(thr(0, WAIT_TOKEN))).toBe((IS_WAITING | MUTEX0_STREAM_EOF) >>> 0);
    expect(m.gce.threadState(0).activity).toBe("waiting");
    expect(m.writes()).toEqual([]);
    m.clock.run(5000);
    m.gce.setEvent(MUTEX0_STREAM_EOF); // the display's pulse
    m.clock.run(6000);
    expect(m.writes()).toEqual([{ t: 5010, addr: OVL0 + 0x40, value: 1 }]); // WFE re-runs at 5000, then the WRITE
    expect(m.readl(thr(0, WAIT_TOKEN))).toBe(0);
    expect(m.gce.eventValue(MUTEX0_STREAM_EOF)).toBe(0);
  });

  it("keeps hardware event flags sticky: an event pulsed before the WFE lets it pass at once", () => {
    const m = machine();
    m.gce.setIrq(MUTEX0_STREAM_EOF, true); // the IrqSink face: pins are event ids
    m.gce.setIrq(MUTEX0_STREAM_EOF, false);
    expect(m.gce.eventValue(MUTEX0_STREAM_EOF)).toBe(1);
    const end = m.load(PKT, "wfe MUTEX0_STREAM_EOF\nwrite DISP_OVL0 + 0x040, 1\neoc");
    m.start(0, PKT, end);
    m.clock.run(1000);
    expect(m.readl(OVL0 + 0x40)).toBe(1);
    expect(m.gce.stats().waits).toBe(0);
  });

  it("waits without clearing, and clear_event waits for the next pulse (the DRM packet's head)", () => {
    const m = machine();
    m.gce.setEvent(MUTEX0_STREAM_EOF); // a stale event from an earlier frame
    const end = m.load(PKT, "clear_event MUTEX0_STREAM_EOF\nwait_no_clear MUTEX0_STREAM_EOF\nwrite DISP_OVL0 + 0x040, 1\neoc");
    m.start(0, PKT, end);
    m.clock.run(1000);
    expect(m.gce.threadState(0).activity).toBe("waiting");
    m.gce.setEvent(MUTEX0_STREAM_EOF);
    m.clock.run(2000);
    expect(m.readl(OVL0 + 0x40)).toBe(1);
    expect(m.gce.eventValue(MUTEX0_STREAM_EOF)).toBe(1); // left set
  });

  it("sets, clears and reads events through SYNC_TOKEN_UPDATE / SYNC_TOKEN_ID / SYNC_TOKEN_VALUE", () => {
    const m = machine();
    const end = m.load(PKT, "wfe 300\nwrite DISP_OVL0 + 0x040, 1\neoc");
    m.start(0, PKT, end);
    m.clock.run(1000);
    m.writel(GCE_BASE + SYNC_TOKEN_ID, 300);
    expect(m.readl(GCE_BASE + SYNC_TOKEN_VALUE)).toBe(0);
    m.writel(GCE_BASE + SYNC_TOKEN_UPDATE, 300 | (1 << 16)); // set: wakes the thread
    expect(m.readl(GCE_BASE + SYNC_TOKEN_VALUE)).toBe(1);
    m.clock.run(2000);
    expect(m.readl(OVL0 + 0x40)).toBe(1);
    expect(m.readl(GCE_BASE + SYNC_TOKEN_VALUE)).toBe(0); // the WFE cleared it
    m.writel(GCE_BASE + SYNC_TOKEN_UPDATE, 301 | (1 << 16));
    m.writel(GCE_BASE + SYNC_TOKEN_UPDATE, 301); // cmdq_init's clear
    expect(m.gce.eventValue(301)).toBe(0);
    expect(m.readl(GCE_BASE + SYNC_TOKEN_UPDATE)).toBe(0); // write-only
  });

  it("lets one thread wake another with set_event, and acquire_event waits for 0 then takes the token", () => {
    const m = machine();
    const endA = m.load(PKT, "wait_no_clear 400\nwrite DISP_OVL0 + 0x040, 1\nacquire_event 401\nwrite DISP_OVL0 + 0x044, 2\neoc");
    const endB = m.load(PKT2, "set_event 401\nset_event 400\neoc");
    m.start(0, PKT, endA);
    m.clock.run(1000);
    m.start(1, PKT2, endB);
    m.clock.run(2000);
    expect(m.readl(OVL0 + 0x40)).toBe(1);
    expect(m.readl(OVL0 + 0x44)).toBe(0); // 401 is held (1): acquire waits for 0
    expect(m.gce.threadState(0).waitEvent).toBe(401);
    m.writel(GCE_BASE + SYNC_TOKEN_UPDATE, 401); // release
    m.clock.run(3000);
    expect(m.readl(OVL0 + 0x44)).toBe(2);
    expect(m.gce.eventValue(401)).toBe(1); // acquired
  });
});

describe("GCE interrupts", () => {
  it("clears the thread's bit of the active-low CURR_IRQ_STATUS and raises the line on EOC", () => {
    const m = machine();
    const end = m.load(PKT, "eoc");
    m.start(3, PKT, end);
    m.clock.run(1000);
    // Active-low: bit 3 reads 0 because thread 3 has DONE pending and enabled.
    expect(m.readl(GCE_BASE + CURR_IRQ_STATUS)).toBe(0xffff & ~(1 << 3));
    expect(m.readl(thr(3, IRQ_STATUS))).toBe(DONE);
    expect(m.gce.irq.level).toBe(true);
  });

  it("clears IRQ_STATUS by writing ~flags: 1 keeps a bit, 0 clears it", () => {
    const m = machine();
    const end = m.load(PKT, "eoc");
    m.start(0, PKT, end);
    m.clock.run(1000);
    m.writel(thr(0, IRQ_STATUS), 0xffff_ffff);
    expect(m.readl(thr(0, IRQ_STATUS))).toBe(DONE);
    m.writel(thr(0, IRQ_STATUS), ~DONE >>> 0);
    expect(m.readl(thr(0, IRQ_STATUS))).toBe(0);
    expect(m.readl(GCE_BASE + CURR_IRQ_STATUS)).toBe(0xffff);
    expect(m.gce.irq.level).toBe(false);
    expect(m.irqEdges.map((e) => e.level)).toEqual([true, false]);
  });

  it("does not raise the line for a status bit whose enable is off", () => {
    const m = machine();
    const end = m.load(PKT, "eoc");
    m.start(0, PKT, end);
    m.writel(thr(0, IRQ_ENABLE), INVALID);
    m.clock.run(1000);
    expect(m.readl(thr(0, IRQ_STATUS))).toBe(DONE);
    expect(m.gce.irq.level).toBe(false);
    expect(m.readl(GCE_BASE + CURR_IRQ_STATUS)).toBe(0xffff);
  });

  it("stops a thread on an invalid instruction with the error IRQ, without throwing", () => {
    const m = machine();
    const end = m.load(PKT, "write DISP_OVL0 + 0x040, 1\n.inst 0x05000000_00000000\nwrite DISP_OVL0 + 0x044, 2\neoc");
    m.start(0, PKT, end);
    expect(() => m.clock.run(10_000)).not.toThrow();
    expect(m.readl(OVL0 + 0x40)).toBe(1);
    expect(m.readl(OVL0 + 0x44)).toBe(0);
    expect(m.readl(thr(0, IRQ_STATUS))).toBe(INVALID);
    expect(m.readl(thr(0, IRQ_STATUS)) & 0x12).not.toBe(0); // CMDQ_THR_IRQ_ERROR
    expect(m.readl(thr(0, CURR_ADDR))).toBe(PKT + 8); // at the faulting instruction
    expect(m.gce.threadState(0).activity).toBe("halted");
    expect(m.readl(GCE_BASE + CURR_IRQ_STATUS)).toBe(0xfffe);
    // handle_error: move PC past it and resume.
    m.writel(thr(0, IRQ_STATUS), 0);
    m.writel(thr(0, CURR_ADDR), PKT + 16);
    m.clock.run(20_000);
    expect(m.readl(OVL0 + 0x44)).toBe(2);
  });

  it("treats a WRITE to an unknown subsys and a misaligned PC as invalid instructions", () => {
    const m = machine();
    const end = m.load(PKT, "write subsys9 + 0x0040, 1\neoc");
    m.start(0, PKT, end);
    m.start(1, PKT + 4, PKT + 12);
    m.clock.run(1000);
    expect(m.readl(thr(0, IRQ_STATUS))).toBe(INVALID);
    expect(m.readl(thr(1, IRQ_STATUS))).toBe(INVALID);
  });
});

describe("GCE suspend, resume and appending", () => {
  it("freezes a suspended thread (CURR_STATUS bit 1) and resumes where it stopped", () => {
    const m = machine({ gce: { timing: { sliceNs: 1 } } });
    const body = Array.from({ length: 50 }, (_, i) => `write DISP_OVL0 + 0x${(0x40 + 4 * i).toString(16)}, ${i + 1}`).join("\n");
    const end = m.load(PKT, `${body}\neoc`);
    m.start(0, PKT, end);
    m.clock.run(400); // writes at 0, 40, …, 400
    m.writel(thr(0, SUSPEND_TASK), 1);
    expect(m.readl(thr(0, CURR_STATUS))).toBe(0x2);
    const pc = m.readl(thr(0, CURR_ADDR));
    expect(pc).toBe(PKT + 11 * 8);
    m.clock.run(100_000);
    expect(m.readl(thr(0, CURR_ADDR))).toBe(pc);
    expect(m.writes()).toHaveLength(11);
    m.writel(thr(0, SUSPEND_TASK), 0);
    expect(m.readl(thr(0, CURR_STATUS))).toBe(0);
    m.clock.run(200_000);
    expect(m.writes()).toHaveLength(50);
    expect(m.readl(thr(0, CURR_ADDR))).toBe(end);
  });

  /** The packets of mainline's append case (spec §2.4 step 3): each finalized with EOC + JUMP +8. */
  function appendSetup(rewritePc: boolean) {
    const m = machine();
    const end1 = m.load(PKT, "wfe 300\nwrite DISP_OVL0 + 0x040, 0xa\neoc\njump +8");
    const end2 = m.load(PKT2, "write DISP_OVL0 + 0x044, 0xb\neoc\njump +8");
    m.start(0, PKT, end1);
    m.clock.run(1000);
    expect(m.gce.threadState(0).activity).toBe("waiting");
    // cmdq_mbox_send_data on a running thread:
    m.writel(thr(0, SUSPEND_TASK), 1);
    const curr = m.readl(thr(0, CURR_ADDR));
    const end = m.readl(thr(0, END_ADDR));
    expect(curr !== end - 8 && curr !== end).toBe(true);
    m.dram.writeU32(end1 - 8, PKT2); // the last JUMP becomes CMDQ_JUMP_BY_PA << 32 | new_pa
    m.dram.writeU32(end1 - 4, 0x1000_0001);
    if (rewritePc) m.writel(thr(0, CURR_ADDR), curr); // drop the prefetched words
    m.writel(thr(0, END_ADDR), end2);
    m.writel(thr(0, SUSPEND_TASK), 0);
    m.writel(GCE_BASE + SYNC_TOKEN_UPDATE, 300 | (1 << 16));
    m.clock.run(10_000);
    return { m, end2 };
  }

  it("runs an appended packet after patching the last JUMP and re-writing CURR_ADDR", () => {
    const { m, end2 } = appendSetup(true);
    expect(m.readl(OVL0 + 0x40)).toBe(0xa);
    expect(m.readl(OVL0 + 0x44)).toBe(0xb);
    expect(m.readl(thr(0, CURR_ADDR))).toBe(end2);
    expect(m.gce.threadState(0).eocs).toBe(2);
    expect(m.gce.threadState(0).activity).toBe("idle");
  });

  it("runs the stale prefetched JUMP when CURR_ADDR is not re-written (prefetch model)", () => {
    const { m } = appendSetup(false);
    expect(m.readl(OVL0 + 0x40)).toBe(0xa);
    expect(m.readl(OVL0 + 0x44)).toBe(0); // never reached
    expect(m.readl(thr(0, IRQ_STATUS)) & INVALID).toBe(INVALID); // ran on into zeroed memory
  });
});

describe("GCE POLL", () => {
  it("re-reads until the register matches, right after the event that changed it", () => {
    const m = machine({ gce: { timing: { sliceNs: 1 } } });
    const end = m.load(PKT, "poll DISP_OVL0 + 0x040, 5\nwrite DISP_RDMA0 + 0x040, 1\neoc");
    const cpu = m.clock.newTimer("cpu", () => m.writel(OVL0 + 0x40, 5));
    cpu.mod(20_000);
    m.start(0, PKT, end);
    m.clock.run(19_000);
    expect(m.gce.threadState(0).activity).toBe("polling");
    m.clock.run(30_000);
    const w = m.writes().filter((x) => x.addr === RDMA0 + 0x40);
    expect(w).toEqual([{ t: 20_080, addr: RDMA0 + 0x40, value: 1 }]); // read at 20 000 (80 ns), then the WRITE
  });

  it("compares under the MASK for a masked POLL", () => {
    const m = machine();
    m.writel(OVL0 + 0x40, 0xffff_05ff);
    const end = m.load(PKT, "mask 0x0000ff00\npoll DISP_OVL0 + 0x040, 0x00000500, masked\nwrite DISP_RDMA0 + 0x040, 1\neoc");
    m.start(0, PKT, end);
    m.clock.run(10_000);
    expect(m.readl(RDMA0 + 0x40)).toBe(1);
  });

  it("raises the timeout error when a POLL outlasts INST_CYCLES", () => {
    const m = machine();
    const end = m.load(PKT, "poll DISP_OVL0 + 0x040, 5\neoc");
    m.start(0, PKT, end);
    m.writel(thr(0, INST_CYCLES), 1000); // 1000 cycles of 5 ns
    m.clock.run(4_000);
    expect(m.readl(thr(0, IRQ_STATUS))).toBe(0);
    m.clock.run(10_000);
    expect(m.readl(thr(0, IRQ_STATUS))).toBe(TIMEOUT);
    expect(m.gce.threadState(0).activity).toBe("halted");
    expect(m.gce.irq.level).toBe(true);
  });

  it("holds every thread while one POLL is unmatched (mainline header), until that thread is suspended", () => {
    const m = machine();
    const end0 = m.load(PKT, "poll DISP_OVL0 + 0x040, 5\neoc");
    const end1 = m.load(PKT2, "write DISP_RDMA0 + 0x040, 1\neoc");
    m.start(0, PKT, end0);
    m.clock.run(1000);
    m.start(1, PKT2, end1, 1);
    m.clock.run(10_000);
    expect(m.readl(RDMA0 + 0x40)).toBe(0);
    m.writel(thr(0, SUSPEND_TASK), 1);
    m.clock.run(20_000);
    expect(m.readl(RDMA0 + 0x40)).toBe(1);
  });
});

describe("GCE scheduling", () => {
  const body = (reg: number, count: number) =>
    Array.from({ length: count }, (_, i) => `write DISP_OVL0 + 0x${reg.toString(16)}, ${i}`).join("\n") + "\neoc";

  it("runs the higher-priority thread first when several are runnable", () => {
    const m = machine({ gce: { timing: { sliceNs: 100 } } });
    const end0 = m.load(PKT, body(0x40, 10));
    const end1 = m.load(PKT2, body(0x80, 10));
    m.start(0, PKT, end0, 0);
    m.start(1, PKT2, end1, 1);
    m.clock.run(10_000);
    const order = m.writes().map((w) => (w.addr === OVL0 + 0x80 ? 1 : 0));
    expect(order).toEqual([...Array<number>(10).fill(1), ...Array<number>(10).fill(0)]);
  });

  it("round-robins threads of equal priority slice by slice", () => {
    const m = machine({ gce: { timing: { sliceNs: 100 } } }); // 3 writes of 40 ns per slice
    const end0 = m.load(PKT, body(0x40, 6));
    const end1 = m.load(PKT2, body(0x80, 6));
    m.start(0, PKT, end0);
    m.start(1, PKT2, end1);
    m.clock.run(10_000);
    const order = m.writes().map((w) => (w.addr === OVL0 + 0x80 ? 1 : 0));
    expect(order).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1]);
  });

  it("never runs a batch past another pending event, so bus accesses keep their order against it", () => {
    const m = machine();
    const end = m.load(PKT, body(0x40, 100)); // 4 µs of writes
    let seen = -1;
    const probe = m.clock.newTimer("probe", () => (seen = m.readl(OVL0 + 0x40)));
    probe.mod(1000);
    m.start(0, PKT, end);
    m.clock.run(10_000);
    expect(seen).toBe(24); // writes 0..24 started before 1000 ns (25 × 40 ns)
  });
});

describe("GCE tracing", () => {
  it("gives each thread its own track with exec, wfe and packet slices", () => {
    const m = machine({ trace: true });
    const end = m.load(PKT, "wfe 300\nwrite DISP_OVL0 + 0x040, 1\neoc");
    m.start(2, PKT, end);
    m.clock.run(1000);
    m.gce.setEvent(300);
    m.clock.run(2000);
    const gce = m.ring.entries().filter((e) => e.ev.category === "gce" && !["gce_reg_write", "gce_insn", "gce_thread_state"].includes(e.ev.name));
    const names = gce.map((e) => `${e.ev.name} ${String(e.args[0])}`);
    expect(names).toEqual([
      "gce_packet_begin gce.thr2.pkt",
      "gce_exec_begin gce.thr2",
      "gce_exec_end gce.thr2",
      "gce_wfe_begin gce.thr2",
      "gce_event 300",
      "gce_wfe_end gce.thr2",
      "gce_exec_begin gce.thr2",
      "gce_event 300", // the WFE clears it
      "gce_eoc gce.thr2",
      "gce_packet_end gce.thr2.pkt",
      "gce_idle gce.thr2",
      "gce_exec_end gce.thr2",
    ]);
    // The state wire: its changes (sinks drop repeats) agree with the slices.
    const changes: Array<[number, number]> = [];
    for (const e of m.ring.entries()) {
      if (e.ev.name !== "gce_thread_state" || e.args[0] !== "gce.thr2") continue;
      if (changes.at(-1)?.[1] !== e.args[1]) changes.push([e.t, Number(e.args[1])]);
    }
    const S = GceThreadState;
    expect(changes.map(([, s]) => s)).toEqual([S.idle, S.ready, S.running, S.waiting, S.ready, S.running, S.idle]);
    const times = (name: string) => gce.filter((e) => e.ev.name === name).map((e) => e.t);
    expect(changes.filter(([, s]) => s === S.running).map(([t]) => t)).toEqual(times("gce_exec_begin"));
    expect(changes.filter(([, s]) => s === S.waiting).map(([t]) => t)).toEqual(times("gce_wfe_begin"));
    expect(changes.at(-1)![0]).toBe(times("gce_exec_end").at(-1));
  });
});

describe("GCE properties", () => {
  const blocks = [0x1400_c000, 0x1400_d000, 0x1400_e000, 0x1401_0000, 0x1401_1000];
  const arbWrite = fc.record({
    block: fc.integer({ min: 0, max: blocks.length - 1 }),
    // 0x40.. skips the interrupt registers at 0x0..0x8
    word: fc.integer({ min: 0x10, max: 0x3ff }),
    value: fc.integer({ min: 0, max: 0xffff_ffff }),
  });

  it("executes random WRITE programs to exactly the values written, in order", () => {
    fc.assert(
      fc.property(fc.array(arbWrite, { minLength: 1, maxLength: 40 }), (ws) => {
        const m = machine();
        const text = ws.map((w) => `write 0x${(blocks[w.block]! + 4 * w.word).toString(16)}, 0x${w.value.toString(16)}`).join("\n");
        const end = m.load(PKT, `${text}\neoc`);
        m.start(0, PKT, end);
        m.clock.run(100_000);
        const expected = new Map<number, number>();
        for (const w of ws) expected.set(blocks[w.block]! + 4 * w.word, w.value);
        for (const [addr, value] of expected) expect(m.readl(addr)).toBe(value);
        expect(m.writes().map((x) => x.addr)).toEqual(ws.map((w) => blocks[w.block]! + 4 * w.word));
        expect(m.readl(thr(0, IRQ_STATUS))).toBe(DONE);
      }),
      { numRuns: 60 },
    );
  });

  const opcodes = [0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x90, 0x91, 0xa0, 0x00, 0x05, 0xff];
  const arbWord = fc.record({
    op: fc.integer({ min: 0, max: opcodes.length - 1 }),
    argA: fc.integer({ min: 0, max: 0xff_ffff }),
    lo: fc.integer({ min: 0, max: 0xffff_ffff }),
  });

  it("never throws on garbage buffers: a thread ends halted with an error bit, or in a defined state", () => {
    fc.assert(
      fc.property(fc.array(arbWord, { minLength: 1, maxLength: 24 }), (ws) => {
        const m = machine({ policy: "ignore" });
        ws.forEach((w, i) => {
          m.dram.writeU32(PKT + 8 * i, w.lo);
          m.dram.writeU32(PKT + 8 * i + 4, ((opcodes[w.op]! << 24) | w.argA) >>> 0);
        });
        m.start(0, PKT, PKT + 8 * ws.length);
        expect(() => m.clock.run(200_000)).not.toThrow();
        const s = m.gce.threadState(0);
        expect(["idle", "halted", "waiting", "polling", "runnable"]).toContain(s.activity);
        if (s.activity === "halted") expect(s.irqStatus & 0x12).not.toBe(0);
        if ((s.irqStatus & DONE) !== 0) expect(s.eocs).toBeGreaterThan(0);
      }),
      { numRuns: 150 },
    );
  });
});
