/**
 * The MediaTek GCE board on the spec's mt8183 and mt8195 inputs (../shared/spec/dts, macros
 * substituted from their header comments): thread counts and address shift from mainline
 * drivers/mailbox/mtk-cmdq-mailbox.c's gce_plat_mt8183 (24 threads, shift 0) and gce_plat_mt8195
 * (24 threads, shift 3, two GCEs), client regs, events and channels, packets run on each GCE,
 * and the binding errors with the kernel's errno.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MtkGceBoard } from "../../src/platform/boards/mtk-gce-board.js";
import { formatBindLine } from "../../src/platform/boards/cmdq-binding.js";
import { BoardError, boardTreeFromDts } from "../../src/platform/boards/board-tree.js";
import { cmdq_pkt_create, cmdq_pkt_flush_async } from "../../src/linux/drivers/soc/mediatek/mtk-cmdq-helper.js";
import type { cmdq_client, cmdq_pkt } from "../../src/linux/include/linux/soc/mediatek/mtk-cmdq.js";
import { SPEC, mtkSoc } from "./spec-boards.js";

const MS = 1_000_000;

/** Submits an empty packet (EOC + JUMP) on `client`; the returned list gets its status. */
function emptyPacket(b: MtkGceBoard, client: cmdq_client): number[] {
  const done: number[] = [];
  b.inKernel(() => {
    const p: { value: cmdq_pkt | null } = { value: null };
    expect(cmdq_pkt_create(p)).toBe(0);
    expect(cmdq_pkt_flush_async(client, p.value!, (d) => done.push(d.sta), null)).toBe(0);
  });
  return done;
}

describe.skipIf(!existsSync(SPEC))("mt8183 (spec/dts/mt8183-gce.dtsi)", () => {
  const b = new MtkGceBoard(mtkSoc("mt8183")).boot();
  const lines = b.bindReport().lines.map(formatBindLine);

  it("probes the GCE with mt8183's 24 threads, at its reg, on SPI 162", () => {
    expect(b.gces.map((g) => [g.name, g.model.base, g.model.threadCount, g.model.shiftPa])).toEqual([["gce", 0x1023_8000, 24, 0]]);
    expect(b.controller()!.thread).toHaveLength(24);
    expect(lines[0]).toBe("gce (mailbox@10238000): compatible[0]: mtk_cmdq, 24 threads, IRQ 194");
  });

  it("binds mmsys's two channels <&gce 0 1>, <&gce 1 1> (thread, priority) and runs a packet on thread 0", () => {
    expect(lines).toContain("mmsys (syscon@14000000): mboxes[0]: GCE thread 0 of gce (mailbox@10238000), priority 1");
    expect(lines).toContain("mmsys (syscon@14000000): mboxes[1]: GCE thread 1 of gce (mailbox@10238000), priority 1");
    const done = emptyPacket(b, b.client("mmsys", 0));
    b.runFor(1 * MS);
    expect(done).toEqual([0]);
    expect(b.gces[0]!.model.threadState(0).eocs).toBe(1);
  });

  it("reads each display block's mediatek,gce-client-reg and the mutex's events 130 and 131", () => {
    expect(lines).toContain("ovl0 (ovl@14008000): mediatek,gce-client-reg[0]: subsys 1 (0x1400xxxx), offset 0x8000");
    expect(lines).toContain("aal0 (aal@14010000): mediatek,gce-client-reg[0]: subsys 2 (0x1401xxxx), offset 0x0");
    expect(lines).toContain("dither0 (dither@14012000): mediatek,gce-client-reg[0]: subsys 2 (0x1401xxxx), offset 0x2000");
    expect(lines).toContain("mutex (mutex@14016000): mediatek,gce-events[0]: event 130 (MUTEX_STREAM_DONE0)");
    expect(lines).toContain("mutex (mutex@14016000): mediatek,gce-events[1]: event 131 (MUTEX_STREAM_DONE1)");
  });

  it("reports the mutex, which has no mediatek,gce-client-reg, with cmdq_dev_get_client_reg's -ENOENT (2)", () => {
    expect(b.bindReport().errors).toEqual([
      "mutex (mutex@14016000): mediatek,gce-client-reg[0]: -ENOENT: error -2 can't parse gce-client-reg property (0): the node has none; the tree's other clients have one",
    ]);
    expect(b.bindReport().lines.find((l) => l.node.startsWith("mutex") && !l.ok)!.errno).toBe(-2);
  });

  it("gives -EINVAL (22) for thread 24 and -EBUSY (16) for a thread taken twice", () => {
    const bad = new MtkGceBoard(mtkSoc("mt8183", "&mmsys { mboxes = <&gce 24 1>, <&gce 3 1>, <&gce 3 0>; };")).boot();
    const mbox = bad.bindReport().lines.filter((l) => l.property === "mboxes");
    expect(mbox.map((l) => [l.index, l.errno])).toEqual([
      [0, -22],
      [1, 0],
      [2, -16],
    ]);
    expect(formatBindLine(mbox[0]!)).toBe("mmsys (syscon@14000000): mboxes[0]: -EINVAL: GCE thread 24 does not exist: gce (mailbox@10238000) has 24 threads (0..23)");
    expect(() => bad.client("mmsys", 0)).toThrow("mt8183: mmsys (syscon@14000000): mboxes[0] has no channel (ERR_PTR(-EINVAL))");
  });

  it("gives -EPROBE_DEFER (517) to every client of a disabled GCE", () => {
    const off = new MtkGceBoard(mtkSoc("mt8183", '&gce { status = "disabled"; };')).boot();
    expect(off.gces).toEqual([]);
    expect(off.bindReport().lines.filter((l) => l.property === "mboxes").map((l) => l.errno)).toEqual([-517, -517]);
  });
});

describe.skipIf(!existsSync(SPEC))("mt8195 (spec/dts/mt8195-gce.dtsi): two GCEs", () => {
  // The fragment has no client; a display client on both GCEs, as mt8195.dtsi's vdosys nodes.
  const client = `&{/soc} { vdosys0: syscon@1c01a000 { compatible = "mediatek,mt8195-mmsys", "syscon"; reg = <0 0x1c01a000 0 0x1000>; mboxes = <&gce0 0 0>, <&gce1 5 3>; }; };`;
  const b = new MtkGceBoard(mtkSoc("mt8195", client)).boot();
  const lines = b.bindReport().lines.map(formatBindLine);

  it("probes one controller per GCE node: 24 threads, addresses >> 3, SPIs 226 and 228 (4-cell GIC specifiers), aliases gce0/gce1", () => {
    expect(b.gces.map((g) => [g.name, g.model.base, g.model.threadCount, g.model.shiftPa])).toEqual([
      ["gce0", 0x1032_0000, 24, 3],
      ["gce1", 0x1033_0000, 24, 3],
    ]);
    expect(lines.slice(0, 2)).toEqual([
      "gce0 (mailbox@10320000): compatible[0]: mtk_cmdq, 24 threads, IRQ 258, addresses >> 3, alias gce0",
      "gce1 (mailbox@10330000): compatible[0]: mtk_cmdq, 24 threads, IRQ 260, addresses >> 3, alias gce1",
    ]);
    expect([b.controller(0)!.pdata, b.controller(1)!.pdata]).toEqual([
      { thread_nr: 24, shift: 3, control_by_sw: true, gce_num: 2 },
      { thread_nr: 24, shift: 3, control_by_sw: true, gce_num: 2 },
    ]);
  });

  it("binds a client's entries to the GCE each phandle names and runs a packet on each", () => {
    expect(lines).toContain("vdosys0 (syscon@1c01a000): mboxes[0]: GCE thread 0 of gce0 (mailbox@10320000), priority 0");
    expect(lines).toContain("vdosys0 (syscon@1c01a000): mboxes[1]: GCE thread 5 of gce1 (mailbox@10330000), priority 3");
    const a = emptyPacket(b, b.client("vdosys0", 0));
    const c = emptyPacket(b, b.client("vdosys0", 1));
    // gce1 holds addresses >> 3: thread 5's CURR_ADDR (0x100 + 0x80 * 5 + 0x20, mtk-cmdq-mailbox.c) reads the packet's address / 8.
    const gce1 = b.gces[1]!.model;
    const pa = gce1.threadState(5).pc;
    expect(pa).toBeGreaterThanOrEqual(0x4000_0000);
    expect(b.machine.bus.read32(gce1.base + 0x100 + 0x80 * 5 + 0x20)).toBe(pa / 8);
    b.runFor(1 * MS);
    expect([a, c]).toEqual([[0], [0]]);
    expect([b.gces[0]!.model.threadState(0).eocs, gce1.threadState(5).eocs]).toEqual([1, 1]);
  });
});

describe("trees the board cannot run", () => {
  it("names what is missing: the SoC, or the GIC the GCE's interrupt needs", () => {
    const noSoc = boardTreeFromDts('/dts-v1/; / { compatible = "mediatek,mt6779"; };', { file: "x.dts" });
    expect(() => new MtkGceBoard(noSoc)).toThrow(new BoardError("x.dts: the root compatible (mediatek,mt6779) names none of mediatek,mt8183, mediatek,mt8195"));
    const noGic = boardTreeFromDts('/dts-v1/; / { compatible = "mediatek,mt8183"; };', { file: "y.dts" });
    expect(() => new MtkGceBoard(noGic)).toThrow(/^mt8183: no interrupt controller in y\.dts/);
  });
});
