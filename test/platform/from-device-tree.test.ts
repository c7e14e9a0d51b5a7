/**
 * Booting a board from a DTS or DTB (what `vplat run --dts/--dtb` calls): the root compatible
 * picks the board; a tree no board runs, or one that cannot be read, gives a clear error.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bootDeviceTree, bootDtb, bootDts, boundLines } from "../../src/platform/boards/from-device-tree.js";
import { BoardError, boardTreeFromDts, builtinBoardDts } from "../../src/platform/boards/board-tree.js";
import { DtError, parseDts, writeDtb } from "../../src/platform/dt/index.js";
import { SPEC, mtkSoc } from "./spec-boards.js";

const MS = 1_000_000;

describe("bootDts / bootDtb", () => {
  it("boot the mt8173 board from DTS that /include/s the board file, through the caller's reader", () => {
    const asked: string[] = [];
    const readInclude = (path: string, from: string) => {
      asked.push(`${path} from ${from}`);
      return builtinBoardDts("mt8173.dts");
    };
    const b = bootDts('/include/ "mt8173.dts"\n&mmsys { mboxes = <&gce 2 1>; };\n', "boards/mine.dts", readInclude);
    expect(asked).toEqual(["boards/mt8173.dts from boards/mine.dts"]);
    expect(b.kind).toBe("mt8173");
    if (b.kind !== "mt8173") return;
    b.board.runFor(100 * MS);
    expect(b.board.stats().threads.map((t) => t.thread)).toEqual([2]);
    expect(boundLines(b)).toContain("mmsys (clock-controller@14000000): mboxes[0]: GCE thread 2 of gce (gce@10212000), priority 1");
  });

  it("boot the x86-pc board from a DTB (dtc's format, as the parser writes it)", () => {
    const dtb = writeDtb(parseDts(builtinBoardDts("x86-pc.dts"), { file: "x86-pc.dts" }));
    const b = bootDtb(dtb, "x86-pc.dtb");
    expect(b.kind).toBe("x86-pc");
    expect(boundLines(b)).toEqual(["cpus: 2 (APIC ids 0, 1)", "local APIC: 0xfee00000", "IOAPIC 1: 0xfec00000, GSI 0-23", "HPET: 0xfed00000"]);
  });

  it.skipIf(!existsSync(SPEC))("boot mediatek,mt8183 and mediatek,mt8195 trees on the MediaTek GCE board", () => {
    expect(bootDeviceTree(mtkSoc("mt8183")).kind).toBe("mediatek-gce");
    const b = bootDeviceTree(mtkSoc("mt8195"), { boot: false });
    expect(b.kind).toBe("mediatek-gce");
  });

  it("refuse a tree whose root compatible names no board, listing the ones that exist", () => {
    const t = boardTreeFromDts('/dts-v1/; / { compatible = "ti,am335x-bone"; };', { file: "bone.dts" });
    expect(() => bootDeviceTree(t)).toThrow(
      new BoardError(
        'bone.dts: no vplat board for this tree: the root compatible is "ti,am335x-bone"; vplat runs mediatek,mt8173 (mt8173), mediatek,mt8183 or mediatek,mt8195 (MediaTek GCE board), vplat,x86-pc (x86-pc)',
      ),
    );
    expect(() => bootDts("/dts-v1/; / { };", "empty.dts")).toThrow(/^empty\.dts: no vplat board for this tree: the root node has no compatible;/);
  });

  it("pass the reader's errors through with their place", () => {
    expect(() => bootDts("/dts-v1/;\n/ { compatible = \"vplat,x86-pc\" };\n", "bad.dts")).toThrow(DtError);
    expect(() => bootDts("/dts-v1/;\n/ { compatible = \"vplat,x86-pc\" };\n", "bad.dts")).toThrow(/^bad\.dts:2:/);
    expect(() => bootDtb(new Uint8Array(8), "short.dtb")).toThrow(/^short\.dtb: offset 0x/);
  });
});
