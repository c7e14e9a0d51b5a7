/**
 * Board trees: overlays merged after a built-in board's DTS, with errors placed in the file they
 * come from; the edits board options make (CPUs, memory size); node names for messages.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BoardError,
  OVERLAY_FILE,
  availableCompatible,
  boardTreeFromDts,
  builtinBoardTree,
  fixedClockHz,
  memoryNode,
  nodeName,
  regOf,
  rootCompatible,
  setCpuCount,
  setMemorySize,
} from "../../src/platform/boards/board-tree.js";
import {
  for_each_of_cpu_node,
  of_alias_get_id,
  of_device_is_available,
  of_find_node_by_path,
  of_get_cpu_hwid,
  of_get_property,
  of_node_full_path,
} from "../../src/linux/include/linux/of.js";
import { DtError } from "../../src/platform/dt/index.js";

describe("overlays", () => {
  it("merge after the board: a property replaced, a node disabled", () => {
    const t = builtinBoardTree("mt8173.dts", '&mmsys { mboxes = <&gce 3 0>; };\n&gce { status = "disabled"; };');
    const mmsys = of_find_node_by_path(t.root, "/soc/clock-controller@14000000")!;
    const gce = of_find_node_by_path(t.root, "/soc/gce@10212000")!;
    expect(Array.from(of_get_property(mmsys, "mboxes")!)).toEqual([0, 0, 0, gce.phandle, 0, 0, 0, 3, 0, 0, 0, 0]);
    expect(availableCompatible(t, "mediatek,mt8173-gce")).toEqual([]);
    expect(t.file).toBe(OVERLAY_FILE);
  });

  it("place a syntax error in the overlay, by line and column", () => {
    // Line 1 of the overlay file is the board's /include/; the statements start on line 2.
    expect(() => builtinBoardTree("mt8173.dts", "&mmsys {\n  mboxes = <&gce 0 1>\n};")).toThrow(DtError);
    expect(() => builtinBoardTree("mt8173.dts", "&mmsys {\n  mboxes = <&gce 0 1>\n};")).toThrow(new RegExp(`^${OVERLAY_FILE}:4:1: error: `));
    expect(() => builtinBoardTree("mt8173.dts", "&nosuch { x; };")).toThrow(`${OVERLAY_FILE}:2:1: error: unknown label &nosuch`);
  });

  it("cannot delete the GCE while mmsys's mboxes refers to it (dtc's phandle_references check), so a missing GCE is a disabled one", () => {
    expect(() => builtinBoardTree("mt8173.dts", "/delete-node/ &gce;")).toThrow(/mt8173\.dts:\d+:\d+: error: unknown label &gce/);
  });
});

describe("board option edits", () => {
  it("rewrite /cpus with N cpu nodes numbered 0..N-1, copying the first", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), (n) => {
        const t = builtinBoardTree("x86-pc.dts");
        setCpuCount(t, n);
        const cpus = for_each_of_cpu_node(t.root);
        expect(cpus.map((c) => of_get_cpu_hwid(c, 0))).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(cpus.map((c) => c.full_name)).toEqual(Array.from({ length: n }, (_, i) => `cpu@${i.toString(16)}`));
        expect(cpus.every((c) => of_get_property(c, "compatible") !== null)).toBe(true);
      }),
      { numRuns: 16 },
    );
  });

  it("size the memory node, in its parent's cell widths", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xffff_ffff }).map((x) => x * 8), (bytes) => {
        const t = builtinBoardTree("mt8173.dts");
        setMemorySize(t, bytes);
        const r = regOf(t, memoryNode(t)!);
        expect([r.start, r.end - r.start + 1]).toEqual([0x4000_0000, bytes]);
      }),
    );
  });

  it("refuse a tree without what they edit", () => {
    const bare = boardTreeFromDts("/dts-v1/; / { compatible = \"x\"; };", { file: "bare.dts" });
    expect(() => setCpuCount(bare, 2)).toThrow(new BoardError("bare.dts: no /cpus node with a cpu to copy"));
    expect(() => setMemorySize(bare, 8)).toThrow(new BoardError('bare.dts: no memory node (device_type = "memory") to size'));
  });
});

describe("reading the tree", () => {
  const t = builtinBoardTree("mt8173.dts");

  it("names nodes by label and unit name, or by path without a label", () => {
    expect(nodeName(t, of_find_node_by_path(t.root, "/soc/clock-controller@14000000")!)).toBe("mmsys (clock-controller@14000000)");
    expect(nodeName(t, of_find_node_by_path(t.root, "/soc")!)).toBe("/soc");
  });

  it("gives the root compatible, the GPT's 13 MHz clock, and a clear error for a reg it cannot read", () => {
    expect(rootCompatible(t)).toEqual(["mediatek,mt8173-evb", "mediatek,mt8173"]);
    expect(fixedClockHz(of_find_node_by_path(t.root, "/soc/timer@10008000")!)).toBe(13_000_000);
    const cpu = of_find_node_by_path(t.root, "/cpus/cpu@0")!;
    expect(() => regOf(t, cpu)).toThrow("cpu0 (cpu@0): reg[0] cannot be read with #address-cells = <1>, #size-cells = <0>");
  });
});

describe("the of.ts lookups boards use", () => {
  const t = boardTreeFromDts(
    `/dts-v1/;
/ {
	aliases { gce0 = &g0; gce1 = "/soc/mailbox@2"; serial0 = &g0; };
	soc {
		g0: mailbox@1 { status = "okay"; };
		mailbox@2 { status = "ok"; };
		mailbox@3 { status = "disabled"; };
		mailbox@4 { };
	};
};`,
    { file: "lookups.dts" },
  );
  const at = (p: string) => of_find_node_by_path(t.root, p);

  it("find nodes by path, by alias and alias/child, and print %pOF paths", () => {
    expect(of_node_full_path(at("/soc/mailbox@2")!)).toBe("/soc/mailbox@2");
    expect(at("gce0")).toBe(at("/soc/mailbox@1"));
    expect(at("gce1")).toBe(at("/soc/mailbox@2"));
    expect(at("/soc/mailbox@9")).toBeNull();
    expect(at("nosuch")).toBeNull();
    expect(of_node_full_path(t.root)).toBe("/");
  });

  it("give a node's alias id for a stem (of_alias_get_id), -ENODEV (-19) without one", () => {
    expect([of_alias_get_id(at("/soc/mailbox@1")!, "gce"), of_alias_get_id(at("/soc/mailbox@2")!, "gce")]).toEqual([0, 1]);
    expect(of_alias_get_id(at("/soc/mailbox@1")!, "serial")).toBe(0);
    expect(of_alias_get_id(at("/soc/mailbox@3")!, "gce")).toBe(-19);
  });

  it("treat status \"okay\", \"ok\" and no status as available, anything else not", () => {
    expect(["/soc/mailbox@1", "/soc/mailbox@2", "/soc/mailbox@3", "/soc/mailbox@4"].map((p) => of_device_is_available(at(p)))).toEqual([true, true, false, true]);
  });
});
